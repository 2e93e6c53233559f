// Package render turns a ServiceOffer into the objects the controller publishes: the
// offer's entry in the routes document, the Traefik Middleware that runs the gate, and
// the HTTPRoute or IngressRoute that sends traffic through it. Pure functions, no API
// calls, so every rendering rule is unit-tested without a cluster.
package render

import (
	"fmt"
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
	// FacilitatorURL is the default facilitator (an offer may override it).
	FacilitatorURL string
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

// Reason codes of Validate.
const (
	ReasonInvalidSpec  = "InvalidSpec"
	ReasonUnknownToken = "UnknownTokenDomain"
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

// payments renders the accepted options, filling the EIP-712 domain and display data
// of known tokens, with amount replacing every option's amount when not empty.
func payments(o *v1alpha1.ServiceOffer, amount string) ([]routes.Payment, *Problem) {
	var out []routes.Payment
	for i, a := range o.Spec.Payment.Accepts {
		p := routes.Payment{
			Scheme:            a.Scheme,
			Network:           a.Network,
			Amount:            a.Amount,
			Asset:             a.Asset.Address,
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
		if amount != "" {
			p.Amount = amount
		}
		decimalsSet := a.Asset.Decimals != nil
		if decimalsSet {
			p.AssetDecimals = int(*a.Asset.Decimals)
		}
		if t, ok := knownToken(a.Network, a.Asset.Address); ok {
			if p.EIP712Name == "" {
				p.EIP712Name = t.Name
			}
			if p.EIP712Version == "" {
				p.EIP712Version = t.Version
			}
			if p.AssetSymbol == "" {
				p.AssetSymbol = t.Symbol
			}
			if !decimalsSet {
				p.AssetDecimals = t.Decimals
			}
		}
		if p.EIP712Name == "" || p.EIP712Version == "" {
			return nil, &Problem{ReasonUnknownToken, fmt.Sprintf(
				"spec.payment.accepts[%d]: asset %s on %s is not a known token: set asset.eip712Name and asset.eip712Version",
				i, a.Asset.Address, a.Network)}
		}
		out = append(out, p)
	}
	return out, nil
}

func knownToken(network, address string) (x402.Token, bool) {
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
	pays, prob := payments(o, "")
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
		if r.Free && r.Amount != "" {
			return routes.Offer{}, &Problem{ReasonInvalidSpec, fmt.Sprintf("spec.paths[%d] (%s): a free path cannot have an amount", i, r.Path)}
		}
		if r.Amount != "" {
			rp, prob := payments(o, r.Amount)
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
