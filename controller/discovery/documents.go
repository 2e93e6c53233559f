// Package discovery renders and serves the documents that let people and agents find
// the seller's paid services: /skill.md (for agents that read Markdown),
// /api/services.json (for programs) and /.well-known/agent-registration.json (the
// ERC-8004 registration file the on-chain agent URI points at). Everything in them is
// public data taken from the ServiceOffers.
package discovery

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// Paths the documents are served at.
const (
	PathSkill        = "/skill.md"
	PathServices     = "/api/services.json"
	PathRegistration = "/.well-known/agent-registration.json"
)

// RegistrationType is the ERC-8004 registration file type.
const RegistrationType = "https://eips.ethereum.org/EIPS/eip-8004#registration-v1"

// Agent is the seller's identity as the controller is configured with it; offers with
// registration enabled may override name, description and image (the oldest wins).
type Agent struct {
	Name        string
	Description string
	Image       string
}

// Catalog is the input of every document: the offers and the clock.
type Catalog struct {
	Offers   []v1alpha1.ServiceOffer
	Now      time.Time
	Settings render.Settings
	Agent    Agent
}

// Service is one offer in services.json.
type Service struct {
	Namespace   string    `json:"namespace"`
	Name        string    `json:"name"`
	Endpoint    string    `json:"endpoint"`
	Path        string    `json:"path"`
	Description string    `json:"description,omitempty"`
	MimeType    string    `json:"mimeType,omitempty"`
	Available   bool      `json:"available"`
	DrainEndsAt string    `json:"drainEndsAt,omitempty"`
	Settlement  string    `json:"settlement"`
	Accepts     []Accept  `json:"accepts"`
	Paths       []PathDoc `json:"paths,omitempty"`
}

// Accept is one payment option with a human-readable price.
type Accept struct {
	Scheme            string `json:"scheme"`
	Network           string `json:"network"`
	Amount            string `json:"amount"`
	Price             string `json:"price"`
	Asset             string `json:"asset"`
	AssetSymbol       string `json:"assetSymbol,omitempty"`
	AssetDecimals     int    `json:"assetDecimals"`
	PayTo             string `json:"payTo"`
	MaxTimeoutSeconds int64  `json:"maxTimeoutSeconds"`
	EIP712Name        string `json:"eip712Name"`
	EIP712Version     string `json:"eip712Version"`
	// Pricing says how amount was derived when the seller priced in token units or
	// per million tokens (the same object the 402 carries in extra).
	Pricing *x402.Pricing `json:"pricing,omitempty"`
}

// PathDoc is one path rule (relative to the offer's path).
type PathDoc struct {
	Pattern    string   `json:"pattern"`
	Methods    []string `json:"methods,omitempty"`
	Free       bool     `json:"free,omitempty"`
	Amount     string   `json:"amount,omitempty"`
	Price      string   `json:"price,omitempty"`
	Settlement string   `json:"settlement,omitempty"`
}

// ServicesDocument is /api/services.json.
type ServicesDocument struct {
	Services     []Service `json:"services"`
	Registration string    `json:"registration"`
	SkillFile    string    `json:"skill"`
}

// listed returns the offers the documents describe (serving ones, draining included),
// with their rendered routes entry, sorted by namespace/name.
func (c Catalog) listed() []listedOffer {
	var out []listedOffer
	for i := range c.Offers {
		o := &c.Offers[i]
		if !offers.Serving(o, c.Now) {
			continue
		}
		e, err := offers.RoutesEntry(o)
		if err != nil {
			continue
		}
		out = append(out, listedOffer{offer: o, entry: e})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].entry.Key() < out[j].entry.Key() })
	return out
}

type listedOffer struct {
	offer *v1alpha1.ServiceOffer
	entry routes.Offer
}

func (c Catalog) endpoint(o *v1alpha1.ServiceOffer) string {
	if u := render.OfferURL(o, c.Settings); u != "" {
		return u
	}
	return o.EffectivePath()
}

func (c Catalog) docURL(path string) string {
	return strings.TrimRight(c.Settings.PublicBaseURL, "/") + path
}

func settlementName(s string) string {
	if s == routes.SettleBefore {
		return v1alpha1.SettleBeforeUpstream
	}
	return v1alpha1.SettleAfterResponse
}

func price(amount string, decimals int, symbol string) string {
	n, ok := new(big.Int).SetString(amount, 10)
	if !ok {
		return amount
	}
	if symbol == "" {
		symbol = "units"
	}
	return x402.FormatUnits(n, decimals) + " " + symbol
}

func accepts(ps []routes.Payment) []Accept {
	out := make([]Accept, 0, len(ps))
	for _, p := range ps {
		out = append(out, Accept{
			Scheme: p.Scheme, Network: p.Network, Amount: p.Amount,
			Price: price(p.Amount, p.AssetDecimals, p.AssetSymbol),
			Asset: p.Asset, AssetSymbol: p.AssetSymbol, AssetDecimals: p.AssetDecimals,
			PayTo: p.PayTo, MaxTimeoutSeconds: p.MaxTimeoutSeconds,
			EIP712Name: p.EIP712Name, EIP712Version: p.EIP712Version,
			Pricing: p.Pricing,
		})
	}
	return out
}

// Services renders /api/services.json.
func (c Catalog) Services() ServicesDocument {
	doc := ServicesDocument{
		Services:     []Service{},
		Registration: c.docURL(PathRegistration),
		SkillFile:    c.docURL(PathSkill),
	}
	for _, l := range c.listed() {
		e := l.entry
		s := Service{
			Namespace: e.Namespace, Name: e.Name,
			Endpoint: c.endpoint(l.offer), Path: e.PathPrefix,
			Description: e.Description, MimeType: e.MimeType,
			Available:   e.State == routes.StateActive,
			DrainEndsAt: e.DrainEndsAt,
			Settlement:  settlementName(e.Settlement),
			Accepts:     accepts(e.Payments),
		}
		for _, r := range l.offer.Spec.Paths {
			s.Paths = append(s.Paths, PathDoc{
				Pattern: r.Path, Methods: r.Methods, Free: r.Free, Amount: r.Amount, Price: r.Price, Settlement: r.Settlement,
			})
		}
		doc.Services = append(doc.Services, s)
	}
	return doc
}

// Skill renders /skill.md: what an agent needs to call and pay for the services.
func (c Catalog) Skill() string {
	var b strings.Builder
	list := c.listed()
	name := c.agent().Name
	if name == "" {
		name = "Turnpike"
	}
	fmt.Fprintf(&b, "# %s: paid HTTP services (x402)\n\n", name)
	fmt.Fprintf(&b, "> %d service(s), paid per request in tokens with the x402 protocol. Machine-readable: [services.json](%s). ERC-8004 registration: [agent-registration.json](%s).\n\n",
		len(list), c.docURL(PathServices), c.docURL(PathRegistration))
	b.WriteString("## How to pay\n\n")
	b.WriteString("1. Call the endpoint. Without payment it answers `402 Payment Required` with the accepted payments in the `PAYMENT-REQUIRED` header (x402 v2, base64 JSON) and in the JSON body (x402 v1).\n")
	b.WriteString("2. Pick one option, sign an EIP-3009 `transferWithAuthorization` for exactly its amount to its `payTo`, and repeat the request with the payment in `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).\n")
	b.WriteString("3. The receipt (settlement transaction) comes back in `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1).\n\n")
	if len(list) == 0 {
		b.WriteString("**No services currently available.**\n")
		return b.String()
	}
	b.WriteString("## Services\n\n")
	b.WriteString("| Service | Endpoint | Price | Network | Status |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, l := range list {
		e := l.entry
		p := e.Payments[0]
		status := "available"
		if e.State == routes.StateDraining {
			status = "draining, ends `" + e.DrainEndsAt + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(e.Key()), mdCell(c.endpoint(l.offer)),
			mdCell(render.StatusPrice(e)), mdCell(p.Network), status)
	}
	b.WriteString("\n## Service details\n")
	for _, l := range list {
		e := l.entry
		fmt.Fprintf(&b, "\n### %s\n\n", e.Key())
		if e.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", oneLine(e.Description))
		}
		fmt.Fprintf(&b, "- Endpoint: `%s` (every path below it is paid unless listed as free)\n", c.endpoint(l.offer))
		if e.MimeType != "" {
			fmt.Fprintf(&b, "- Response type: `%s`\n", e.MimeType)
		}
		fmt.Fprintf(&b, "- Settlement: %s\n", settlementName(e.Settlement))
		if e.State == routes.StateDraining {
			fmt.Fprintf(&b, "- Draining: no new buyers please; served until `%s`\n", e.DrainEndsAt)
		}
		for _, p := range e.Payments {
			fmt.Fprintf(&b, "- Price: %s (`%s` atomic) on `%s`, asset `%s`, pay to `%s`%s\n",
				price(p.Amount, p.AssetDecimals, p.AssetSymbol), p.Amount, p.Network, p.Asset, p.PayTo, derivation(p))
		}
		for _, r := range l.offer.Spec.Paths {
			methods := "any method"
			if len(r.Methods) > 0 {
				methods = strings.Join(r.Methods, ", ")
			}
			full := strings.TrimRight(e.PathPrefix, "/") + r.Path
			switch {
			case r.Free:
				fmt.Fprintf(&b, "- `%s` (%s): free\n", full, methods)
			case r.Amount != "":
				fmt.Fprintf(&b, "- `%s` (%s): `%s` atomic units per request\n", full, methods, r.Amount)
			case r.Price != "":
				fmt.Fprintf(&b, "- `%s` (%s): %s per request (in each option's token)\n", full, methods, x402.CanonicalDecimal(r.Price))
			}
		}
	}
	return b.String()
}

// derivation explains a per-request amount priced per million tokens (a decimal
// price needs no explanation beyond the price itself).
func derivation(p routes.Payment) string {
	pr := p.Pricing
	if pr == nil || pr.Model != x402.PricingPerMTok {
		return ""
	}
	sym := p.AssetSymbol
	if sym == "" {
		sym = "units"
	}
	s := fmt.Sprintf("; priced at %s %s per million tokens, charged for about %d tokens per request",
		x402.CanonicalDecimal(pr.PerMTok), sym, pr.ApproxTokensPerRequest)
	if pr.Rounding == "up" {
		s += ", rounded up to the token's smallest unit"
	}
	return s
}

func mdCell(s string) string { return strings.ReplaceAll(oneLine(s), "|", "\\|") }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// RegistrationFile is the ERC-8004 agent registration file.
type RegistrationFile struct {
	Type           string             `json:"type"`
	Name           string             `json:"name"`
	Description    string             `json:"description"`
	Image          string             `json:"image"`
	Services       []RegService       `json:"services"`
	X402Support    bool               `json:"x402Support"`
	Active         bool               `json:"active"`
	Registrations  []RegistrationLink `json:"registrations"`
	SupportedTrust []string           `json:"supportedTrust,omitempty"`
}

// RegService is one services[] entry of the registration file.
type RegService struct {
	Name        string `json:"name"`
	Endpoint    string `json:"endpoint"`
	Version     string `json:"version,omitempty"`
	DrainEndsAt string `json:"drainEndsAt,omitempty"`
}

// RegistrationLink ties the file to an on-chain agent. AgentID is a JSON number (as
// ERC-8004's example writes it), kept as its exact decimal digits: ids are uint256.
type RegistrationLink struct {
	AgentID       json.Number `json:"agentId"`
	AgentRegistry string      `json:"agentRegistry"`
}

// registered returns the offers that take part in the registration: enabled, not
// being deleted, drain not over, route in place. Readiness is not required, because
// an offer only becomes ready once it is registered.
func (c Catalog) registered() []*v1alpha1.ServiceOffer {
	var out []*v1alpha1.ServiceOffer
	for i := range c.Offers {
		o := &c.Offers[i]
		if !o.RegistrationEnabled() || !o.DeletionTimestamp.IsZero() || o.DrainExpired(c.Now) {
			continue
		}
		if !meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionRoutePublished) {
			continue
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	return out
}

// agent is the identity: configured values, overridden by the oldest registered offer.
func (c Catalog) agent() Agent {
	a := c.Agent
	for _, o := range c.registered() {
		r := o.Spec.Registration
		if r.Name != "" {
			a.Name = r.Name
		}
		if r.Description != "" {
			a.Description = r.Description
		}
		if r.Image != "" {
			a.Image = r.Image
		}
		break
	}
	return a
}

// Registration renders /.well-known/agent-registration.json. With no offer taking
// part it is a tombstone (active and x402Support false): the on-chain NFT is kept and
// keeps pointing here.
func (c Catalog) Registration() RegistrationFile {
	a := c.agent()
	f := RegistrationFile{
		Type: RegistrationType, Name: a.Name, Description: a.Description, Image: a.Image,
		Services: []RegService{}, Registrations: []RegistrationLink{},
	}
	trust := map[string]bool{}
	seen := map[string]bool{}
	for _, o := range c.registered() {
		s := RegService{Name: "web", Endpoint: c.endpoint(o)}
		if o.IsDraining() {
			s.DrainEndsAt = o.DrainEndsAt().UTC().Format(time.RFC3339)
		}
		f.Services = append(f.Services, s)
		for _, t := range o.Spec.Registration.SupportedTrust {
			trust[t] = true
		}
		if reg := o.Status.Registration; reg != nil && reg.AgentID != "" && reg.Registry != "" {
			k := reg.Registry + "#" + reg.AgentID
			if !seen[k] && isDecimal(reg.AgentID) {
				seen[k] = true
				f.Registrations = append(f.Registrations, RegistrationLink{AgentID: json.Number(reg.AgentID), AgentRegistry: reg.Registry})
			}
		}
	}
	f.Active = len(f.Services) > 0
	f.X402Support = f.Active
	for t := range trust {
		f.SupportedTrust = append(f.SupportedTrust, t)
	}
	sort.Strings(f.SupportedTrust)
	sort.Slice(f.Registrations, func(i, j int) bool {
		return f.Registrations[i].AgentRegistry+string(f.Registrations[i].AgentID) < f.Registrations[j].AgentRegistry+string(f.Registrations[j].AgentID)
	})
	return f
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
