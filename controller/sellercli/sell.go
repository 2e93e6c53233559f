package sellercli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/x402"
)

const sellAbout = `
Creates or updates the ServiceOffer NAME, which makes the Service behind --upstream
payable per request with x402: the controller checks the upstream, puts the Turnpike
gate in front of it and publishes the route. TYPE is http (any API), inference (a
model server: --model is required) or agent (an agent's API).

The offer is written with server-side apply under the field manager "turnpike-cli":
running sell again changes what its flags say and removes what they no longer say, but
fields set by anyone else (kubectl edit, a GitOps tool) are left as they are. With -o
yaml or -o json the offer is printed and nothing is sent to the cluster; pipe it to
kubectl apply -f - to keep it in git instead.

--upstream is SERVICE:PORT (a Service in the offer's namespace) or
http://SERVICE[.NAMESPACE[.svc[.cluster.local]]][:PORT][/BASE-PATH]; a path in the URL
is the upstream's base path (see --base-path). The price is exactly one of --price (in
the token's units: 0.01 is one cent of USDC), --per-mtok (per million tokens, for
inference; each request is charged --tokens-per-request of them) or --amount (the
token's smallest unit: 10000 is 0.01 USDC).`

var (
	decimalRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	amountRE  = regexp.MustCompile(`^[1-9][0-9]{0,77}$`)
	addressRE = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	urlPathRE = regexp.MustCompile(`^/[A-Za-z0-9/_.~-]*$`)
	headerRE  = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
)

// SellOptions is a parsed, locally validated `turnpike sell` command line.
type SellOptions struct {
	Type, Name, Namespace string

	Service    string
	Port       int32
	HealthPath string
	BasePath   string
	// SecretName/SecretKey hold the upstream's credential; Header and Prefix say how
	// it is sent.
	SecretName, SecretKey, SecretHeader, SecretPrefix string

	Price, PerMTok, Amount string
	TokensPerRequest       int64
	Network, Asset, PayTo  string

	Model, Runtime string

	Path, Description string
	// Facilitator is a provider name (turnpike, x402.org, cdp) or an http(s) URL.
	Facilitator, CDPSecret string
	Register               bool
}

// sellCommand is the parsed command line: the offer plus where it goes.
type sellCommand struct {
	opts   SellOptions
	kube   kubeFlags
	output outputFlag
}

func parseSell(args []string, stdout io.Writer) (*sellCommand, error) {
	cmd := &sellCommand{output: outputFlag{allowed: []string{"yaml", "json"}}}
	o := &cmd.opts
	fs := newFlags("sell", "http|inference|agent NAME --upstream SERVICE:PORT --price 0.01|--per-mtok 0.5|--amount 10000 --network NET --pay-to 0x... [flags]", sellAbout)
	var upstream, secret string
	fs.StringVar(&upstream, "upstream", "", "the Service that answers paid requests: SERVICE:PORT or http://SERVICE[.NAMESPACE...][:PORT][/BASE-PATH] (required)")
	fs.StringVar(&o.HealthPath, "health-path", "", "path the controller GETs to see the upstream is healthy (default /health)")
	fs.StringVar(&o.BasePath, "base-path", "", "path the upstream serves the offer under; the public prefix is replaced by it (e.g. / so /services/llm/v1/models arrives as /v1/models)")
	fs.StringVar(&secret, "upstream-secret", "", "SECRET:KEY in the offer's namespace holding a credential the gate adds to paid requests")
	fs.StringVar(&o.SecretPrefix, "upstream-secret-prefix", "", `put before the secret's value, e.g. "Bearer "`)
	fs.StringVar(&o.SecretHeader, "upstream-secret-header", "", "header carrying the credential (default Authorization)")
	fs.StringVar(&o.Price, "price", "", "price of one request in the token's units, e.g. 0.01")
	fs.StringVar(&o.PerMTok, "per-mtok", "", "price of one million model tokens in the token's units, e.g. 0.5")
	fs.Int64Var(&o.TokensPerRequest, "tokens-per-request", 0, "model tokens one request is taken to use, with --per-mtok (default 1000)")
	fs.StringVar(&o.Amount, "amount", "", "price of one request in the token's smallest unit, e.g. 10000 (0.01 USDC)")
	fs.StringVar(&o.Network, "network", "", "chain buyers pay on: a name such as base or base-sepolia, or CAIP-2 eip155:<chain id> (required)")
	fs.StringVar(&o.Asset, "asset", "", "token contract 0x...; default: the network's USDC (named networks only)")
	fs.StringVar(&o.PayTo, "pay-to", "", "address 0x... that receives the payments (required)")
	fs.StringVar(&o.Model, "model", "", "model the upstream serves, as it lists it (required for inference)")
	fs.StringVar(&o.Runtime, "runtime", "", "model server: ollama, vllm, tgi or openai-compatible (default openai-compatible)")
	fs.StringVar(&o.Path, "path", "", "public path prefix buyers call (default /services/NAME)")
	fs.StringVar(&o.Description, "description", "", "what buyers pay for; public, shown in 402 challenges and discovery")
	fs.StringVar(&o.Facilitator, "facilitator", "", "facilitator: turnpike, x402.org, cdp or an http(s) URL (default: the controller's)")
	fs.StringVar(&o.CDPSecret, "cdp-secret", "", "Secret holding the CDP API key (keys keyId and keySecret), with --facilitator cdp")
	fs.BoolVar(&o.Register, "register", false, "publish the offer in the seller's ERC-8004 agent registration")
	fs.Var(&cmd.output, "o", "print the offer as yaml or json instead of applying it")
	cmd.kube.register(fs)

	pos, err := parseArgs(fs, args, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) != 2 {
		return nil, usagef("want TYPE and NAME (e.g. `turnpike sell http weather ...`), got %d arguments", len(pos))
	}
	o.Type, o.Name = pos[0], pos[1]
	o.Namespace = cmd.kube.resolveNamespace()
	if upstream == "" {
		return nil, usagef("--upstream is required (SERVICE:PORT)")
	}
	if err := parseUpstream(o, upstream); err != nil {
		return nil, err
	}
	if secret != "" {
		name, key, ok := strings.Cut(secret, ":")
		if !ok || name == "" || key == "" {
			return nil, usagef("--upstream-secret %q: want SECRET:KEY", secret)
		}
		o.SecretName, o.SecretKey = name, key
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// parseUpstream reads SERVICE:PORT or an http:// URL naming a Service.
func parseUpstream(o *SellOptions, s string) error {
	if !strings.Contains(s, "://") {
		svc, port, ok := strings.Cut(s, ":")
		if !ok {
			return usagef("--upstream %q: want SERVICE:PORT or http://SERVICE:PORT", s)
		}
		p, err := parsePort(port)
		if err != nil {
			return usagef("--upstream %q: %v", s, err)
		}
		o.Service, o.Port = svc, p
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return usagef("--upstream %q: %v", s, err)
	}
	if u.Scheme != "http" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return usagef("--upstream %q: want http://SERVICE[:PORT][/BASE-PATH] (the gate reaches the Service over plain HTTP inside the cluster)", s)
	}
	o.Port = 80
	if ps := u.Port(); ps != "" {
		p, err := parsePort(ps)
		if err != nil {
			return usagef("--upstream %q: %v", s, err)
		}
		o.Port = p
	}
	labels := strings.Split(u.Hostname(), ".")
	o.Service = labels[0]
	if len(labels) > 1 {
		ns, rest := labels[1], strings.Join(labels[2:], ".")
		if rest != "" && rest != "svc" && rest != "svc.cluster.local" {
			return usagef("--upstream %q: want a Service name, SERVICE.NAMESPACE or SERVICE.NAMESPACE.svc[.cluster.local]", s)
		}
		if ns != o.Namespace {
			return usagef("--upstream %q: the Service must be in the offer's namespace %q (use -n %s)", s, o.Namespace, ns)
		}
	}
	if u.Path != "" {
		if o.BasePath != "" && o.BasePath != u.Path {
			return usagef("--upstream %q has base path %q but --base-path is %q: give it once", s, u.Path, o.BasePath)
		}
		o.BasePath = u.Path
	}
	return nil
}

func parsePort(s string) (int32, error) {
	p, err := strconv.ParseInt(s, 10, 32)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 1 to 65535", s)
	}
	return int32(p), nil
}

// validate refuses what the API server would refuse (and a few mistakes it cannot
// see), naming the flag, before anything is sent.
func (o *SellOptions) validate() error {
	switch o.Type {
	case v1alpha1.OfferTypeHTTP, v1alpha1.OfferTypeInference, v1alpha1.OfferTypeAgent:
	default:
		return usagef("type %q: want http, inference or agent", o.Type)
	}
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return usagef("name %q: %s", o.Name, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return usagef("-n %q: %s", o.Namespace, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1035Label(o.Service); len(errs) > 0 {
		return usagef("--upstream: service %q: %s", o.Service, strings.Join(errs, "; "))
	}
	for _, p := range []struct{ flag, v string }{{"--health-path", o.HealthPath}, {"--base-path", o.BasePath}, {"--path", o.Path}} {
		if p.v != "" && (!urlPathRE.MatchString(p.v) || len(p.v) > 256) {
			return usagef("%s %q: want a path starting with / of letters, digits and /_.~- (at most 256)", p.flag, p.v)
		}
	}
	if o.SecretName == "" && (o.SecretPrefix != "" || o.SecretHeader != "") {
		return usagef("--upstream-secret-prefix and --upstream-secret-header need --upstream-secret")
	}
	if o.SecretHeader != "" && !headerRE.MatchString(o.SecretHeader) {
		return usagef("--upstream-secret-header %q: want a header name (letters, digits, -)", o.SecretHeader)
	}

	set := 0
	for _, v := range []string{o.Price, o.PerMTok, o.Amount} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return usagef("give exactly one of --price, --per-mtok and --amount")
	}
	for _, p := range []struct{ flag, v string }{{"--price", o.Price}, {"--per-mtok", o.PerMTok}} {
		if p.v == "" {
			continue
		}
		if !decimalRE.MatchString(p.v) || len(p.v) > 80 {
			return usagef("%s %q: want a decimal number such as 0.01 (no sign, no exponent)", p.flag, p.v)
		}
		if r, _ := new(big.Rat).SetString(p.v); r.Sign() == 0 {
			return usagef("%s %q: zero is not a price (free paths are set in spec.paths)", p.flag, p.v)
		}
	}
	if o.Amount != "" && !amountRE.MatchString(o.Amount) {
		return usagef("--amount %q: want a positive integer in the token's smallest unit, such as 10000", o.Amount)
	}
	if o.TokensPerRequest != 0 {
		if o.PerMTok == "" {
			return usagef("--tokens-per-request applies to --per-mtok pricing only")
		}
		if o.TokensPerRequest < 1 || o.TokensPerRequest > 100000000 {
			return usagef("--tokens-per-request %d: want 1 to 100000000", o.TokensPerRequest)
		}
	}
	if o.Network == "" {
		return usagef("--network is required (e.g. base-sepolia, base or eip155:8453)")
	}
	if _, _, ok := x402.ResolveNetwork(o.Network); !ok || len(o.Network) > 48 {
		return usagef("--network %q: want a preset (%s), a v1 network name or CAIP-2 eip155:<chain id>", o.Network, strings.Join(x402.PresetNames(), ", "))
	}
	if o.Asset != "" && !addressRE.MatchString(o.Asset) {
		return usagef("--asset %q: want a token contract address 0x followed by 40 hex digits", o.Asset)
	}
	if o.PayTo == "" {
		return usagef("--pay-to is required (the address 0x... that receives the payments)")
	}
	if !addressRE.MatchString(o.PayTo) {
		return usagef("--pay-to %q: want an address 0x followed by 40 hex digits", o.PayTo)
	}

	if o.Type == v1alpha1.OfferTypeInference && o.Model == "" {
		return usagef("an inference offer needs --model (the model name as the upstream lists it)")
	}
	if o.Type != v1alpha1.OfferTypeInference && o.Model != "" {
		return usagef("--model applies to inference offers (sell inference %s ...)", o.Name)
	}
	if len(o.Model) > 256 {
		return usagef("--model: at most 256 characters")
	}
	if o.Runtime != "" {
		if o.Model == "" {
			return usagef("--runtime goes with --model")
		}
		switch o.Runtime {
		case v1alpha1.RuntimeOllama, v1alpha1.RuntimeVLLM, v1alpha1.RuntimeTGI, v1alpha1.RuntimeOpenAICompatible:
		default:
			return usagef("--runtime %q: want ollama, vllm, tgi or openai-compatible", o.Runtime)
		}
	}

	switch f := o.Facilitator; {
	case f == "", f == v1alpha1.FacilitatorTurnpike, f == v1alpha1.FacilitatorX402Org, f == v1alpha1.FacilitatorCDP:
	case strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://"):
		if u, err := url.Parse(f); err != nil || u.Host == "" || len(f) > 512 {
			return usagef("--facilitator %q: not a valid URL with a host", f)
		}
	default:
		return usagef("--facilitator %q: want turnpike, x402.org, cdp or an http(s) URL", f)
	}
	if o.CDPSecret != "" && o.Facilitator != v1alpha1.FacilitatorCDP {
		return usagef("--cdp-secret goes with --facilitator cdp")
	}
	return nil
}

// Offer builds the ServiceOffer the options describe: only the fields the command
// line sets, so applying it claims nothing else.
func (o *SellOptions) Offer() *v1alpha1.ServiceOffer {
	so := &v1alpha1.ServiceOffer{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: "ServiceOffer"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Namespace: o.Namespace},
	}
	s := &so.Spec
	s.Type = o.Type
	if o.Model != "" {
		s.Model = &v1alpha1.ModelSpec{Name: o.Model, Runtime: o.Runtime}
	}
	s.Upstream = v1alpha1.UpstreamSpec{Service: o.Service, Port: o.Port, HealthPath: o.HealthPath, BasePath: o.BasePath}
	if o.SecretName != "" {
		s.Upstream.Auth = &v1alpha1.UpstreamAuthSpec{
			Header:    o.SecretHeader,
			SecretRef: v1alpha1.SecretKeyRef{Name: o.SecretName, Key: o.SecretKey},
			Prefix:    o.SecretPrefix,
		}
	}
	s.Path = o.Path
	s.Description = o.Description
	s.Payment = v1alpha1.PaymentSpec{
		PayTo:                  o.PayTo,
		ApproxTokensPerRequest: o.TokensPerRequest,
		Accepts: []v1alpha1.PaymentOption{{
			Network: o.Network,
			Price:   o.Price,
			PerMTok: o.PerMTok,
			Amount:  o.Amount,
			Asset:   v1alpha1.AssetSpec{Address: o.Asset},
		}},
	}
	switch f := o.Facilitator; f {
	case "":
	case v1alpha1.FacilitatorTurnpike, v1alpha1.FacilitatorX402Org, v1alpha1.FacilitatorCDP:
		s.Facilitator = &v1alpha1.FacilitatorSpec{Provider: f}
		if o.CDPSecret != "" {
			s.Facilitator.CDP = &v1alpha1.CDPSpec{SecretName: o.CDPSecret}
		}
	default:
		s.Facilitator = &v1alpha1.FacilitatorSpec{URL: f}
	}
	if o.Register {
		s.Registration = &v1alpha1.RegistrationSpec{Enabled: true}
	}
	return so
}

// applyObject is the offer as an unstructured object holding only the fields that
// are set: Go's encoding writes empty structs ({}) and a null creationTimestamp,
// which server-side apply would record as fields this manager owns.
func applyObject(so *v1alpha1.ServiceOffer) (*unstructured.Unstructured, error) {
	raw, err := json.Marshal(so)
	if err != nil {
		return nil, fmt.Errorf("encode offer: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode offer: %w", err)
	}
	delete(m, "status")
	prune(m)
	return &unstructured.Unstructured{Object: m}, nil
}

// prune removes nulls and empty objects, depth first.
func prune(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(t)
			if len(t) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					prune(em)
				}
			}
		}
	}
}

// RunSell is `turnpike sell`.
func RunSell(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	cmd, err := parseSell(args, stdout)
	if err != nil {
		return err
	}
	u, err := applyObject(cmd.opts.Offer())
	if err != nil {
		return err
	}
	switch cmd.output.value {
	case "yaml":
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return fmt.Errorf("encode offer as YAML: %w", err)
		}
		_, err = stdout.Write(b)
		return err
	case "json":
		b, err := json.MarshalIndent(u.Object, "", "  ")
		if err != nil {
			return fmt.Errorf("encode offer as JSON: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}

	c, err := cmd.kube.client()
	if err != nil {
		return err
	}
	o := &cmd.opts
	verb := "configured"
	var live v1alpha1.ServiceOffer
	switch err := c.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.Name}, &live); {
	case apierrors.IsNotFound(err):
		verb = "created"
	case err != nil:
		return fmt.Errorf("read serviceoffer %s/%s: %w", o.Namespace, o.Name, err)
	}
	// ForceOwnership: the seller running sell means these values, even where another
	// manager set them last; fields sell does not name stay with their managers.
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply serviceoffer %s/%s: %w", o.Namespace, o.Name, err)
	}
	price := o.Price
	switch {
	case o.PerMTok != "":
		price = o.PerMTok + " per million tokens"
	case o.Amount != "":
		price = o.Amount + " (smallest unit)"
	}
	path := o.Path
	if path == "" {
		path = "/services/" + o.Name
	}
	fmt.Fprintf(stdout, "serviceoffer %s/%s %s: %s at %s, %s on %s to %s, upstream %s:%d\n",
		o.Namespace, o.Name, verb, o.Type, path, price, o.Network, o.PayTo, o.Service, o.Port)
	fmt.Fprintf(stdout, "Buyers can pay once it is Ready: turnpike offers -n %s\n", o.Namespace)
	// The offer is valid without its Service (it may be deployed next), but a typo in
	// --upstream would otherwise show only as an unready offer later.
	var svc corev1.Service
	if err := c.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.Service}, &svc); apierrors.IsNotFound(err) {
		fmt.Fprintf(stderr, "note: there is no Service %s in namespace %s yet; the offer stays unready until there is\n", o.Service, o.Namespace)
	}
	return nil
}
