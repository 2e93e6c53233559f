// Package plugin is Turnpike's x402 payment gate: a Traefik middleware that Yaegi
// interprets inside Traefik, and that `turnpike gateway` compiles natively in front of
// an upstream. Standard library and x402/ only, Go 1.22 API (see DESIGN.md, "Rules
// that keep the plugin loadable"). This package holds the configuration, the request
// flow and the process-wide wiring; the parts with one job each live below it:
// routes (the document), source (delivering it), challenge (the prepared 402 answers),
// replay (the replay guard) and metrics (the Prometheus registry).
package plugin

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/turnpike-x402/turnpike/plugin/cors"
)

// Config is filled by Traefik's decoder (mapstructure): keys match field names
// case-insensitively and json tags are ignored, numbers from CRDs arrive as float64
// (which decode into int fields), and durations are integer milliseconds because a
// "10s" string cannot be decoded. Amounts never appear here; they live in the routes
// document. Secrets arrive already resolved (`urn:k8s:secret:<name>:<key>` with the CRD
// provider) or as `...File` paths read at New().
type Config struct {
	// Offer is the "namespace/name" of the ServiceOffer this middleware instance gates.
	Offer string

	// RoutesFile is the routes document inside a ConfigMap directory mount (not a
	// subPath mount: those never update). Polled every PollIntervalMs.
	RoutesFile string
	// RoutesConfigMap is "namespace/name" of the ConfigMap holding the routes
	// document, watched through the Kubernetes API with the pod's service account.
	RoutesConfigMap string
	// KubernetesAPIURL, KubernetesTokenFile and KubernetesCAFile override the
	// in-cluster defaults (KUBERNETES_SERVICE_HOST/PORT and the service-account files).
	KubernetesAPIURL    string
	KubernetesTokenFile string
	KubernetesCAFile    string

	// FacilitatorURL is the x402 facilitator's base URL (…/verify, …/settle).
	FacilitatorURL string
	// FacilitatorHeaders are sent on every facilitator call (static API keys).
	FacilitatorHeaders map[string]string
	// CDPKeyID and CDPKeySecret (or CDPKeySecretFile) make every facilitator call carry
	// a Coinbase Developer Platform JWT.
	CDPKeyID         string
	CDPKeySecret     string
	CDPKeySecretFile string

	// MetricsAddress is where this process serves /metrics and /readyz (one listener
	// per process and address, shared by every instance). Empty disables it.
	MetricsAddress string
	// ResourceBaseURL ("https://api.example.com") prefixes the request URI to form the
	// x402 resource URL. Empty: scheme and host come from the request.
	ResourceBaseURL string
	// PayerHeader, when set, carries the verified payer address to the upstream.
	PayerHeader string

	// UpstreamAuthValue is a credential the upstream needs (an API key), added as
	// UpstreamAuthHeader (default Authorization) with UpstreamAuthPrefix before it
	// ("Bearer ") to every request forwarded after a verified payment, and to no
	// other. Whatever a client sends in that header, in any spelling, is removed
	// from every request. With the kubernetesCRD provider the Middleware holds only
	// `urn:k8s:secret:<name>:<key>`, which Traefik replaces with the Secret's value;
	// the gate never logs it.
	UpstreamAuthHeader string
	UpstreamAuthPrefix string
	UpstreamAuthValue  string

	// Timeouts and intervals in milliseconds.
	VerifyTimeoutMs int
	SettleTimeoutMs int
	PollIntervalMs  int

	// MaxBufferBytes caps the response kept in memory while settling after the
	// upstream answered. A larger response is settled when the cap is reached and
	// then streamed.
	MaxBufferBytes int
	// ReplayGuardEntries bounds the replay guard. The guard is process-wide: the
	// largest value any instance of this process asked for wins (there is no other
	// floor); lowering it takes effect when the process restarts. A full guard
	// refuses new payments (503 replay_guard_full), it never forgets live ones.
	ReplayGuardEntries int
	// MaxValiditySlackSeconds bounds an authorization's validity window: validBefore
	// may lie at most the requirement's maxTimeoutSeconds plus this slack ahead, so a
	// settled authorization leaves the replay guard soon. Zero (unset) means the
	// default of 30 s; -1 disables the bound (e.g. for clients that sign longer
	// windows than the requirement asks for; then guard entries live until their
	// validBefore, however far ahead).
	MaxValiditySlackSeconds int

	// UnclaimedSettlement decides when a payment is settled for a settle-after route
	// whose facilitator did not claim the authorization for this request (a
	// third-party facilitator without the turnpike-claim extension): "before"
	// (default) settles before calling the upstream, so a second replica given the
	// same payment fails to settle and serves nothing; "after" keeps settle-after,
	// at the risk that every replica given the same payment calls the upstream
	// (only one is paid). See docs/gate.md.
	UnclaimedSettlement string
	// AnswerCacheBytes bounds the answers kept for retries of settled payments
	// (process-wide; the largest value any instance asks for wins).
	AnswerCacheBytes int

	// CORSAllowOrigins and CORSMaxAgeSeconds are this instance's cross-origin policy
	// for offers whose routes document entry has no `cors` (and while no document is
	// loaded): the web origins whose pages may read the gate's answers (empty or "*":
	// any) and how long a browser may cache a preflight (0: 600 s). Credentials are
	// never allowed. See docs/gate.md, "CORS".
	CORSAllowOrigins  []string
	CORSMaxAgeSeconds int

	// Unknown collects every key Traefik's decoder could not match to a field above
	// (mapstructure's "remain"), so New() can refuse a misspelt key instead of
	// silently running with the default it meant to change.
	Unknown map[string]interface{} `json:"-" mapstructure:",remain"`
}

// Defaults.
const (
	defaultVerifyTimeoutMs    = 5000
	defaultSettleTimeoutMs    = 30000
	defaultPollIntervalMs     = 1000
	defaultMaxBufferBytes     = 8 << 20
	defaultReplayGuardEntries = 100000
	defaultAnswerCacheBytes   = 64 << 20
	// defaultValiditySlack covers clock skew between the buyer and the gate and the
	// seconds between signing and sending.
	defaultValiditySlack = 30
	// validityUnbounded is the MaxValiditySlackSeconds value that disables the bound.
	validityUnbounded = -1
)

// CreateConfig returns the defaults Traefik decodes the user's keys over.
func CreateConfig() *Config {
	return &Config{
		FacilitatorHeaders:      map[string]string{},
		VerifyTimeoutMs:         defaultVerifyTimeoutMs,
		SettleTimeoutMs:         defaultSettleTimeoutMs,
		PollIntervalMs:          defaultPollIntervalMs,
		MaxBufferBytes:          defaultMaxBufferBytes,
		ReplayGuardEntries:      defaultReplayGuardEntries,
		MaxValiditySlackSeconds: defaultValiditySlack,
		AnswerCacheBytes:        defaultAnswerCacheBytes,
	}
}

// settings is a validated Config.
type settings struct {
	offerNamespace, offerName string
	offerKey                  string
	routesFile                string
	cmNamespace, cmName       string
	kubeAPIURL                string
	kubeTokenFile             string
	kubeCAFile                string
	facilitatorURL            string
	facilitatorHeaders        map[string]string
	cdpKeyID                  string
	cdpSecret                 string
	cdpSecretFile             string
	metricsAddress            string
	resourceBase              string
	// keyBase is " " + resourceBase (when set): the challenge cache key's part after
	// the method, joined once instead of per request.
	keyBase     string
	payerHeader string
	// upstreamAuthHeader (canonical) and upstreamAuth (prefix + value): the
	// credential added to paid requests; empty: none.
	upstreamAuthHeader string
	upstreamAuth       string
	verifyTimeoutMs    int
	settleTimeoutMs    int
	pollIntervalMs     int
	maxBuffer          int
	replayEntries      int
	// validitySlack is the allowed excess of a validity window over
	// maxTimeoutSeconds; negative: unbounded.
	validitySlack int64
	// strip lists every header key, as Go's HTTP server canonicalizes it, that an
	// upstream might fold into a payment header or the payer header (any case, '_'
	// for '-'): the request path deletes these keys instead of scanning the headers.
	strip            []string
	unclaimedAfter   bool
	answerCacheBytes int
	// cors is the instance's cross-origin policy (an offer's own replaces it).
	cors *cors.Policy
}

// validate checks the static configuration. Only mistakes a person must fix are
// errors here; anything that can heal at runtime (a missing routes file, an
// unreachable facilitator) is answered per request instead, because a failing New()
// drops the router and Traefik might then route the request without the gate.
func (c *Config) validate() (*settings, error) {
	if c == nil {
		return nil, fmt.Errorf("turnpike: config is missing")
	}
	s := &settings{
		routesFile:         strings.TrimSpace(c.RoutesFile),
		kubeAPIURL:         strings.TrimRight(strings.TrimSpace(c.KubernetesAPIURL), "/"),
		kubeTokenFile:      strings.TrimSpace(c.KubernetesTokenFile),
		kubeCAFile:         strings.TrimSpace(c.KubernetesCAFile),
		facilitatorURL:     strings.TrimRight(strings.TrimSpace(c.FacilitatorURL), "/"),
		facilitatorHeaders: c.FacilitatorHeaders,
		cdpKeyID:           strings.TrimSpace(c.CDPKeyID),
		cdpSecret:          c.CDPKeySecret,
		cdpSecretFile:      strings.TrimSpace(c.CDPKeySecretFile),
		metricsAddress:     strings.TrimSpace(c.MetricsAddress),
		resourceBase:       strings.TrimRight(strings.TrimSpace(c.ResourceBaseURL), "/"),
		payerHeader:        http.CanonicalHeaderKey(strings.TrimSpace(c.PayerHeader)),
		verifyTimeoutMs:    orDefault(c.VerifyTimeoutMs, defaultVerifyTimeoutMs),
		settleTimeoutMs:    orDefault(c.SettleTimeoutMs, defaultSettleTimeoutMs),
		pollIntervalMs:     orDefault(c.PollIntervalMs, defaultPollIntervalMs),
		maxBuffer:          orDefault(c.MaxBufferBytes, defaultMaxBufferBytes),
		replayEntries:      orDefault(c.ReplayGuardEntries, defaultReplayGuardEntries),
		answerCacheBytes:   orDefault(c.AnswerCacheBytes, defaultAnswerCacheBytes),
		validitySlack:      int64(orDefault(c.MaxValiditySlackSeconds, defaultValiditySlack)),
	}
	if c.MaxValiditySlackSeconds == validityUnbounded {
		s.validitySlack = validityUnbounded
	}
	if s.resourceBase != "" {
		s.keyBase = " " + s.resourceBase
	}
	var problems []string
	if len(c.Unknown) > 0 {
		problems = append(problems, unknownKeys(c.Unknown))
	}
	ns, name, ok := splitNamespaced(c.Offer)
	if !ok {
		problems = append(problems, fmt.Sprintf("offer %q must be namespace/name", c.Offer))
	}
	s.offerNamespace = ns
	s.offerName = name
	s.offerKey = ns + "/" + name

	if c.RoutesConfigMap != "" {
		ns, name, ok := splitNamespaced(c.RoutesConfigMap)
		if !ok {
			problems = append(problems, fmt.Sprintf("routesConfigMap %q must be namespace/name", c.RoutesConfigMap))
		}
		s.cmNamespace = ns
		s.cmName = name
	}
	if s.routesFile == "" && s.cmName == "" {
		problems = append(problems, "one of routesFile or routesConfigMap is required")
	}
	if s.routesFile != "" && s.cmName != "" {
		problems = append(problems, "routesFile and routesConfigMap are mutually exclusive")
	}
	if s.kubeAPIURL != "" {
		if u, err := url.Parse(s.kubeAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("kubernetesAPIURL %q must be an absolute http(s) URL", c.KubernetesAPIURL))
		}
	}
	if u, err := url.Parse(s.facilitatorURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("facilitatorURL %q must be an absolute http(s) URL", c.FacilitatorURL))
	}
	if s.resourceBase != "" {
		if u, err := url.Parse(s.resourceBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("resourceBaseURL %q must be an absolute http(s) URL", c.ResourceBaseURL))
		}
	}
	if s.metricsAddress != "" {
		if _, _, err := net.SplitHostPort(s.metricsAddress); err != nil {
			problems = append(problems, fmt.Sprintf("metricsAddress %q must be host:port: %v", c.MetricsAddress, err))
		}
	}
	if s.cdpKeyID != "" && s.cdpSecret == "" && s.cdpSecretFile == "" {
		problems = append(problems, "cdpKeyID needs cdpKeySecret or cdpKeySecretFile")
	}
	switch strings.ToLower(strings.TrimSpace(c.UnclaimedSettlement)) {
	case "", "before":
	case "after":
		s.unclaimedAfter = true
	default:
		problems = append(problems, fmt.Sprintf("unclaimedSettlement %q must be \"before\" or \"after\"", c.UnclaimedSettlement))
	}
	if pol, err := cors.Compile(trimAll(c.CORSAllowOrigins), c.CORSMaxAgeSeconds); err != nil {
		problems = append(problems, "corsAllowOrigins/corsMaxAgeSeconds: "+err.Error())
	} else {
		s.cors = pol
	}
	if c.AnswerCacheBytes < 0 {
		problems = append(problems, "answerCacheBytes must not be negative")
	}
	if s.payerHeader != "" && strings.ContainsAny(s.payerHeader, " :\t\r\n") {
		problems = append(problems, fmt.Sprintf("payerHeader %q is not a header name", c.PayerHeader))
	}
	if c.VerifyTimeoutMs < 0 || c.SettleTimeoutMs < 0 || c.PollIntervalMs < 0 || c.MaxBufferBytes < 0 || c.ReplayGuardEntries < 0 {
		problems = append(problems, "timeouts, intervals and sizes must not be negative")
	}
	if c.MaxValiditySlackSeconds < validityUnbounded {
		problems = append(problems, fmt.Sprintf("maxValiditySlackSeconds %d: use a positive number of seconds, 0 for the default (%d) or -1 to disable the bound", c.MaxValiditySlackSeconds, defaultValiditySlack))
	}
	problems = append(problems, upstreamAuth(c, s)...)
	if n := separators(s.payerHeader); n > maxHeaderSeparators {
		problems = append(problems, fmt.Sprintf("payerHeader %q has %d '-' or '_' separators; at most %d are supported", c.PayerHeader, n, maxHeaderSeparators))
	} else if n := separators(s.upstreamAuthHeader); n > maxHeaderSeparators {
		problems = append(problems, fmt.Sprintf("upstreamAuthHeader %q has %d '-' or '_' separators; at most %d are supported", c.UpstreamAuthHeader, n, maxHeaderSeparators))
	} else {
		s.strip = stripNames(s.payerHeader, s.upstreamAuthHeader)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("turnpike: invalid configuration: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

// cdpSecretValue returns the CDP key secret, reading the file form when given. A file
// that cannot be read is a runtime problem (a Secret mounted late): the caller answers
// requests with facilitator_unavailable instead of failing New().
func (s *settings) cdpSecretValue() (string, error) {
	if s.cdpSecret != "" {
		return s.cdpSecret, nil
	}
	raw, err := os.ReadFile(s.cdpSecretFile)
	if err != nil {
		return "", fmt.Errorf("read cdpKeySecretFile: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// unknownKeys names the keys no setting matched, sorted so the message is stable.
func unknownKeys(m map[string]interface{}) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, strconv.Quote(k))
	}
	sort.Strings(keys)
	return fmt.Sprintf("unknown key %s: not a turnpike setting (misspelt? keys are matched case-insensitively; docs/gate.md lists them)", strings.Join(keys, ", "))
}

func splitNamespaced(s string) (string, string, bool) {
	ns, name, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return ns, name, true
}

// maxHeaderSeparators bounds the spellings of the payer header (2^n keys to strip).
const maxHeaderSeparators = 6

func separators(name string) int {
	return strings.Count(name, "-") + strings.Count(name, "_")
}

// stripNames returns the keys that Go's HTTP server can produce for the payment
// headers and the gate's own headers (payer, upstream credential) when a client spells them with '_' instead of '-' (or
// the reverse) in any case: Go canonicalizes case, so a name with n separators has
// 2^n spellings. Many upstreams (CGI, PHP, WSGI, nginx with underscores_in_headers)
// fold '-' and '_' into one name, so each spelling must be removed.
func stripNames(own ...string) []string {
	names := []string{hkPaymentSignature, hkXPayment}
	for _, n := range own {
		if n != "" {
			names = append(names, n)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		for _, v := range separatorSpellings(strings.ReplaceAll(n, "_", "-")) {
			k := http.CanonicalHeaderKey(v)
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// separatorSpellings returns name with every combination of '-' and '_' at its
// separators.
func separatorSpellings(name string) []string {
	out := []string{""}
	for i := 0; i < len(name); i++ {
		c := name[i]
		var next []string
		for _, prefix := range out {
			if c == '-' {
				next = append(next, prefix+"-", prefix+"_")
			} else {
				next = append(next, prefix+string(c))
			}
		}
		out = next
	}
	return out
}

// secretURNPrefix starts a value Traefik's kubernetesCRD provider replaces with a
// Secret's content; a value still shaped like it was not resolved (another provider,
// or a typo in the key form).
const secretURNPrefix = "urn:k8s:secret:"

// forbiddenAuthHeaders are request headers a credential must not replace: they frame
// or route the request, or are the gate's own.
var forbiddenAuthHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Content-Type": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true, "Upgrade": true,
	"Cookie": true, "Expect": true,
	hkPaymentSignature: true, hkXPayment: true, hkPaymentResponse: true, hkXPaymentResponse: true,
}

// upstreamAuth validates the upstream credential into s. Messages never quote the
// value: it is a secret.
func upstreamAuth(c *Config, s *settings) []string {
	name := strings.TrimSpace(c.UpstreamAuthHeader)
	if c.UpstreamAuthValue == "" {
		if name != "" || c.UpstreamAuthPrefix != "" {
			return []string{"upstreamAuthHeader and upstreamAuthPrefix need upstreamAuthValue (the credential itself)"}
		}
		return nil
	}
	if name == "" {
		name = "Authorization"
	}
	var problems []string
	if !isToken(name) {
		problems = append(problems, fmt.Sprintf("upstreamAuthHeader %q is not a header name (letters, digits and !#$%%&'*+-.^_`|~ only)", c.UpstreamAuthHeader))
	}
	key := http.CanonicalHeaderKey(name)
	if forbiddenAuthHeaders[key] || strings.EqualFold(strings.ReplaceAll(key, "_", "-"), strings.ReplaceAll(s.payerHeader, "_", "-")) {
		problems = append(problems, fmt.Sprintf("upstreamAuthHeader %q frames or routes the request or is one of the gate's own headers; name the header the upstream reads its credential from (e.g. Authorization, X-Api-Key)", c.UpstreamAuthHeader))
	}
	if strings.HasPrefix(c.UpstreamAuthValue, secretURNPrefix) {
		problems = append(problems, "upstreamAuthValue is an unresolved "+secretURNPrefix+"<name>:<key> reference: only Traefik's kubernetesCRD provider resolves it (check that the Secret and key exist in the Middleware's namespace)")
	}
	// A Secret made from a file often ends in a newline nobody meant.
	v := c.UpstreamAuthPrefix + strings.TrimRight(c.UpstreamAuthValue, "\r\n")
	if strings.ContainsAny(v, "\r\n\x00") {
		problems = append(problems, "upstreamAuthPrefix/upstreamAuthValue contain a line break or NUL, which no header value may hold")
	}
	s.upstreamAuthHeader = key
	s.upstreamAuth = v
	return problems
}

// isToken reports whether name is an HTTP token (RFC 9110 field name).
func isToken(name string) bool {
	if name == "" {
		return false
	}
	return strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~") == ""
}

// trimAll drops empty entries and surrounding spaces (a label list "a, b" or a
// trailing comma).
func trimAll(list []string) []string {
	var out []string
	for _, v := range list {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
