// Package render turns a ServiceOffer into the objects the controller publishes: the
// offer's entry in the routes document, the Traefik Middleware that runs the gate, and
// the HTTPRoute or IngressRoute that sends traffic through it. Pure functions, no API
// calls, so every rendering rule is unit-tested without a cluster.
package render

import (
	"fmt"
	"math/big"
	"net/url"
	"strings"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// Settings are the controller-wide values every rendered object shares.
type Settings struct {
	// PluginName is the plugin's key under Traefik's experimental.plugins (or
	// localPlugins): the Middleware carries spec.plugin.<PluginName>.
	PluginName string
	// RoutesConfigMapNamespace/Name hold the routes document.
	RoutesConfigMapNamespace string
	RoutesConfigMapName      string
	// RoutesShardCount > 1 splits the routes document over that many ConfigMaps named
	// <RoutesConfigMapName>-<i> (shards.go); 0 or 1: one ConfigMap called
	// RoutesConfigMapName.
	RoutesShardCount int
	// RoutesShardLimitBytes lowers the most one routes ConfigMap's document may weigh
	// (0: ShardLimitBytes, the API server's 1 MiB less the key), e.g. to leave room for
	// a managed cluster's smaller object limit.
	RoutesShardLimitBytes int
	// FacilitatorURL is the address of the turnpike facilitator provider (an offer
	// may name another provider or its own URL).
	FacilitatorURL string
	// FacilitatorProvider is the provider of offers that name none: turnpike (the
	// default: FacilitatorURL), x402.org or cdp.
	FacilitatorProvider string
	// DefaultCDP is the Secret (looked up in each offer's namespace) holding the CDP
	// API key of offers that use the cdp provider without naming their own.
	DefaultCDP v1alpha1.CDPSpec
	// GateMetricsAddress is where each Traefik pod's gate serves its metrics
	// (host:port); empty leaves the gate's listener off.
	GateMetricsAddress string
	// PublicBaseURL ("https://api.example.com") is where buyers reach Traefik; used
	// for x402 resource URLs and the discovery documents. Empty: taken from the
	// request's host by the gate.
	PublicBaseURL string
	// PayerHeader, when set, is passed to the gate: the verified payer address is sent
	// upstream in this header.
	PayerHeader string
	// GateKubernetesAPIURL, GateKubernetesTokenFile and GateKubernetesCAFile tell the
	// gate how to reach the Kubernetes API to watch the routes ConfigMap when Traefik
	// does not run in the cluster with a service account (empty: in-cluster defaults).
	GateKubernetesAPIURL    string
	GateKubernetesTokenFile string
	GateKubernetesCAFile    string
	// DefaultParentRefs are used by HTTPRoutes whose offer names none.
	DefaultParentRefs []v1alpha1.ParentRef
	// DefaultEntryPoints are used by IngressRoutes whose offer names none.
	DefaultEntryPoints []string
}

// Labels put on every object the controller renders, so they can be listed and so a
// person sees where they came from.
const (
	LabelManagedBy   = "app.kubernetes.io/managed-by"
	ManagedByValue   = "turnpike-controller"
	LabelOfferName   = "x402.turnpike.dev/offer"
	ChildNamePrefix  = "turnpike-"
	maxK8sNameLength = 63
)

// ChildName is the name of the Middleware and the route rendered for an offer.
// Offer names are DNS-1123 subdomains (up to 253 characters), route names must fit
// 63; long names keep a prefix and gain a short stable suffix.
func ChildName(offerName string) string {
	n := ChildNamePrefix + offerName
	if len(n) <= maxK8sNameLength {
		return n
	}
	sum := fnv32(offerName)
	keep := maxK8sNameLength - 9
	return strings.TrimRight(n[:keep], ".-") + fmt.Sprintf("-%08x", sum)
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// Problem is a spec error a person must fix, with a stable reason code.
type Problem struct {
	Reason  string
	Message string
}

func (p *Problem) Error() string { return p.Reason + ": " + p.Message }

// Reason codes of the spec checks (the Ready condition's reason when one fails).
const (
	ReasonInvalidSpec  = "InvalidSpec"
	ReasonUnknownToken = "UnknownTokenDomain"
	// ReasonUnknownNetwork: accepts[].network is neither a preset name, a v1 network
	// name nor a CAIP-2 eip155:<chainId>.
	ReasonUnknownNetwork = "UnknownNetwork"
	// ReasonAssetRequired: the network has no preset token, so asset.address must say
	// which token is paid.
	ReasonAssetRequired = "AssetRequired"
	// ReasonInvalidPrice: a price or perMTok that cannot be turned into an exact
	// amount (finer than the token's smallest unit, zero, no decimals known).
	ReasonInvalidPrice = "InvalidPrice"
)

// settleMode maps the CRD's settlement names to the routes document's.
func settleMode(s string) string {
	switch s {
	case v1alpha1.SettleBeforeUpstream:
		return routes.SettleBefore
	case v1alpha1.SettleAfterResponse:
		return routes.SettleAfter
	}
	return ""
}

// routesType is the offer type as the routes document carries it: left out for http
// (the default), so documents without inference or agent offers stay readable by
// gates that predate the key.
func routesType(t string) string {
	switch t {
	case v1alpha1.OfferTypeInference:
		return routes.TypeInference
	case v1alpha1.OfferTypeAgent:
		return routes.TypeAgent
	}
	return ""
}

// override is a path rule's price, replacing every option's when set.
type override struct {
	amount, price string
	where         string // "spec.paths[2]"
}

// payments renders the accepted options: the network as CAIP-2, the preset's USDC
// when no asset is named, the EIP-712 domain and display data of known tokens, and
// the atomic amount from amount, price or perMTok (or the path rule's override).
func payments(o *v1alpha1.ServiceOffer, ov override) ([]routes.Payment, *Problem) {
	var out []routes.Payment
	for i, a := range o.Spec.Payment.Accepts {
		where := fmt.Sprintf("spec.payment.accepts[%d]", i)
		caip, preset, ok := x402.ResolveNetwork(a.Network)
		if !ok {
			return nil, &Problem{ReasonUnknownNetwork, fmt.Sprintf(
				"%s.network %q is not a network Turnpike knows: write a preset (%s) or a CAIP-2 id such as eip155:8453",
				where, a.Network, strings.Join(x402.PresetNames(), ", "))}
		}
		asset := a.Asset.Address
		if asset == "" {
			if preset == nil {
				return nil, &Problem{ReasonAssetRequired, fmt.Sprintf(
					"%s: network %s has no preset token; set asset.address (and asset.decimals, eip712Name, eip712Version unless it is a known USDC), or use a preset network (%s)",
					where, a.Network, strings.Join(x402.PresetNames(), ", "))}
			}
			asset = preset.USDC.Address
		}
		p := routes.Payment{
			Scheme:            a.Scheme,
			Network:           caip,
			Asset:             asset,
			PayTo:             a.PayTo,
			MaxTimeoutSeconds: o.Spec.Payment.MaxTimeoutSeconds,
			EIP712Name:        a.Asset.EIP712Name,
			EIP712Version:     a.Asset.EIP712Version,
			AssetSymbol:       a.Asset.Symbol,
		}
		if p.Scheme == "" {
			p.Scheme = x402.SchemeExact
		}
		if p.PayTo == "" {
			p.PayTo = o.Spec.Payment.PayTo
		}
		if p.MaxTimeoutSeconds <= 0 {
			p.MaxTimeoutSeconds = 300
		}
		decimalsKnown := a.Asset.Decimals != nil
		if decimalsKnown {
			p.AssetDecimals = int(*a.Asset.Decimals)
		}
		if t, ok := knownToken(caip, asset, preset); ok {
			if p.EIP712Name == "" {
				p.EIP712Name = t.Name
			}
			if p.EIP712Version == "" {
				p.EIP712Version = t.Version
			}
			if p.AssetSymbol == "" {
				p.AssetSymbol = t.Symbol
			}
			if !decimalsKnown {
				p.AssetDecimals = t.Decimals
				decimalsKnown = true
			}
		}
		if p.EIP712Name == "" || p.EIP712Version == "" {
			return nil, &Problem{ReasonUnknownToken, fmt.Sprintf(
				"%s: asset %s on %s is not a known token: set asset.eip712Name and asset.eip712Version",
				where, asset, caip)}
		}
		if prob := price(&p, a, o.Spec.Payment.ApproxTokensPerRequest, ov, decimalsKnown, where); prob != nil {
			return nil, prob
		}
		out = append(out, p)
	}
	return out, nil
}

// price sets the option's atomic amount and how it was derived. Conversions are
// exact (math/big): a decimal price finer than the token's smallest unit is refused,
// because rounding it would change the price the seller wrote; perMTok is rounded up
// to the smallest unit (a per-request share of a per-million rate rarely falls on a
// whole unit, and rounding down could make a request free).
func price(p *routes.Payment, a v1alpha1.PaymentOption, tokens int64, ov override, decimalsKnown bool, where string) *Problem {
	amount, decimal, perMTok := a.Amount, a.Price, a.PerMTok
	if ov.amount != "" || ov.price != "" {
		amount, decimal, perMTok = ov.amount, ov.price, ""
		where = ov.where + " (for " + where + ")"
	}
	set := 0
	for _, v := range []string{amount, decimal, perMTok} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return &Problem{ReasonInvalidPrice, where + ": set exactly one of amount, price and perMTok"}
	}
	if amount != "" {
		p.Amount = amount
		return nil
	}
	if !decimalsKnown {
		return &Problem{ReasonInvalidPrice, fmt.Sprintf(
			"%s: a price in token units needs the token's decimals: set asset.decimals, or write the atomic amount", where)}
	}
	sym := p.AssetSymbol
	if sym == "" {
		sym = "token"
	}
	if decimal != "" {
		n, err := x402.ParsePrice(decimal, p.AssetDecimals)
		if err != nil {
			return &Problem{ReasonInvalidPrice, fmt.Sprintf(
				"%s: price %q cannot be charged exactly in %s (%d decimals, smallest unit %s): %v",
				where, decimal, sym, p.AssetDecimals, x402.FormatUnits(big.NewInt(1), p.AssetDecimals), err)}
		}
		if n.Sign() == 0 {
			return &Problem{ReasonInvalidPrice, fmt.Sprintf("%s: price %q is zero: mark free paths in spec.paths instead", where, decimal)}
		}
		p.Amount = n.String()
		p.Pricing = &x402.Pricing{Model: x402.PricingPerRequest, Price: decimal}
		return nil
	}
	if tokens <= 0 {
		tokens = DefaultApproxTokensPerRequest
	}
	n, rounded, err := x402.PerMTokAmount(perMTok, tokens, p.AssetDecimals)
	if err != nil {
		return &Problem{ReasonInvalidPrice, fmt.Sprintf("%s: perMTok %q: %v", where, perMTok, err)}
	}
	p.Amount = n.String()
	p.Pricing = &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: perMTok, ApproxTokensPerRequest: tokens}
	if rounded {
		p.Pricing.Rounding = "up"
	}
	return nil
}

// DefaultApproxTokensPerRequest is the CRD's default for
// spec.payment.approxTokensPerRequest, applied when an offer reaches the controller
// without it (objects built in code rather than through the API server).
const DefaultApproxTokensPerRequest = 1000

// knownToken finds the EIP-712 domain and display data of a token: the preset's
// USDC, else the x402 Tokens table.
func knownToken(network, address string, preset *x402.Preset) (x402.Token, bool) {
	if preset != nil && strings.EqualFold(preset.USDC.Address, address) {
		return preset.USDC, true
	}
	for _, t := range x402.Tokens {
		if t.Network == network && strings.EqualFold(t.Address, address) {
			return t, true
		}
	}
	return x402.Token{}, false
}

// RoutesOffer renders the offer's entry in the routes document. state is
// routes.StateActive or routes.StateDraining; drainEndsAt is RFC 3339 when draining.
// The result is checked with the routes package's own validation, so the controller
// never publishes a document the gate would refuse.
func RoutesOffer(o *v1alpha1.ServiceOffer, state, drainEndsAt string) (routes.Offer, error) {
	pays, prob := payments(o, override{})
	if prob != nil {
		return routes.Offer{}, prob
	}
	out := routes.Offer{
		Namespace:   o.Namespace,
		Name:        o.Name,
		State:       state,
		PathPrefix:  o.EffectivePath(),
		Description: o.Spec.Description,
		MimeType:    o.Spec.MimeType,
		Settlement:  settleMode(o.Spec.Settlement),
		Type:        routesType(o.OfferType()),
		Payments:    pays,
	}
	if state == routes.StateDraining {
		out.DrainEndsAt = drainEndsAt
	}
	if c := o.Spec.CORS; c != nil && (len(c.AllowOrigins) > 0 || c.MaxAgeSeconds != 0) {
		out.CORS = &routes.CORS{AllowOrigins: append([]string(nil), c.AllowOrigins...), MaxAgeSeconds: int(c.MaxAgeSeconds)}
	}
	for i, r := range o.Spec.Paths {
		rule := routes.PathRule{
			Pattern:    r.Path,
			Methods:    append([]string(nil), r.Methods...),
			Free:       r.Free,
			Settlement: settleMode(r.Settlement),
		}
		if r.Free && (r.Amount != "" || r.Price != "") {
			return routes.Offer{}, &Problem{ReasonInvalidSpec, fmt.Sprintf("spec.paths[%d] (%s): a free path cannot have an amount or a price", i, r.Path)}
		}
		if r.Amount != "" || r.Price != "" {
			rp, prob := payments(o, override{amount: r.Amount, price: r.Price, where: fmt.Sprintf("spec.paths[%d] (%s)", i, r.Path)})
			if prob != nil {
				return routes.Offer{}, prob
			}
			rule.Payments = rp
		}
		out.Paths = append(out.Paths, rule)
	}
	if len(out.Paths) > 0 {
		// The gate refuses requests that match no rule (fail closed); in the CRD,
		// rules are exceptions to the offer-wide terms, so close the list with a
		// catch-all that charges them.
		out.Paths = append(out.Paths, routes.PathRule{Pattern: "/*"})
	}
	doc := routes.Document{Schema: routes.Schema, Offers: []routes.Offer{out}}
	if err := doc.Validate(); err != nil {
		return routes.Offer{}, &Problem{ReasonInvalidSpec, err.Error()}
	}
	return out, nil
}

// Document assembles the routes document from rendered offers (already sorted by the
// caller for a stable encoding).
func Document(generation int64, offers []routes.Offer) routes.Document {
	if offers == nil {
		offers = []routes.Offer{}
	}
	return routes.Document{Schema: routes.Schema, Generation: generation, Offers: offers}
}

// ResourceBaseURL is the scheme and host buyers use for the offer: its first hostname
// (with the scheme of PublicBaseURL, https by default), else PublicBaseURL.
func ResourceBaseURL(o *v1alpha1.ServiceOffer, s Settings) string {
	base := strings.TrimRight(s.PublicBaseURL, "/")
	if len(o.Spec.Hostnames) > 0 && !strings.HasPrefix(o.Spec.Hostnames[0], "*.") {
		scheme := "https"
		if u, err := url.Parse(base); err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		return scheme + "://" + o.Spec.Hostnames[0]
	}
	return base
}

// OfferURL is the public URL of the offer, or "" when no base URL is known.
func OfferURL(o *v1alpha1.ServiceOffer, s Settings) string {
	base := ResourceBaseURL(o, s)
	if base == "" {
		return ""
	}
	return base + o.EffectivePath()
}

// Price shows a payment option to people: "0.01 USDC" (the amount in whole tokens,
// exact, from the atomic amount and the token's decimals).
func Price(p routes.Payment) string {
	n, err := x402.ParseAtomic(p.Amount)
	if err != nil {
		return p.Amount
	}
	sym := p.AssetSymbol
	if sym == "" {
		sym = "units of " + p.Asset
	}
	return x402.FormatUnits(n, p.AssetDecimals) + " " + sym
}

// StatusPrice is status.price: the first option as people read it, "0.01 USDC", or
// for a per-million-token price the rate and what one request costs,
// "0.5 USDC/MTok (≈0.0005 USDC/request)" (≈ because the per-request amount rests on
// the declared approximate token count and is rounded up to the smallest unit).
func StatusPrice(e routes.Offer) string {
	if len(e.Payments) == 0 {
		return ""
	}
	p := e.Payments[0]
	per := Price(p)
	if pr := p.Pricing; pr != nil && pr.Model == x402.PricingPerMTok {
		sym := p.AssetSymbol
		if sym == "" {
			sym = "units of " + p.Asset
		}
		return fmt.Sprintf("%s %s/MTok (≈%s/request)", x402.CanonicalDecimal(pr.PerMTok), sym, per)
	}
	return per
}
