package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// table is a routes document compiled for serving: every challenge is rendered once
// here, so a request only splices its resource URL into bytes prepared in advance
// (loops written in the plugin run ~170x slower under Yaegi than stdlib calls).
type table struct {
	generation int64
	offers     map[string]*offer // by namespace/name
}

type offer struct {
	namespace, name string
	draining        bool
	drainEndsAt     time.Time
	pathPrefix      string
	before          bool    // offer default: settle before calling the upstream
	rules           []*rule // empty: everything under pathPrefix is charged with def
	def             *priceSet
	primary         *series // labels of the first payment option, for request counts
}

type rule struct {
	exact    string   // exact pattern (no wildcard)
	prefix   string   // "/prefix/*": the prefix without "/*"; isPrefix marks it
	isPrefix bool     // prefix match
	segments []string // pattern with "*" segments; nil when not a glob
	methods  map[string]bool
	free     bool
	prices   *priceSet
	before   bool // settle before calling the upstream
}

// priceSet is one set of accepted payment options with everything needed to answer.
type priceSet struct {
	options []*option
	// v2 PAYMENT-REQUIRED JSON split around its two variable parts:
	// v2Head + quoted error + v2Mid + quoted URL + v2Tail.
	v2Head, v2Mid, v2Tail []byte
	// v1 accepts array split at each resource URL (joined with the quoted URL).
	v1Accepts [][]byte
	// HTML paywall split around the escaped URL and the PAYMENT-REQUIRED value.
	htmlParts []string
	// Display line for humans ("0.01 USDC on eip155:84532").
	summary string
}

// option is one accepted payment requirement.
type option struct {
	req      x402.Requirements // v2, compared field by field with `accepted`
	extra    map[string]any    // decoded extra, for a key-order-independent compare
	v1       x402.RequirementsV1
	v1Name   string // "" when v1 has no name for the network
	amount   *big.Int
	decimals int
	series   *series
}

const (
	urlSlot = "TURNPIKE_SLOT_URL_7d1f"
	errSlot = "TURNPIKE_SLOT_ERR_7d1f"
	hdrSlot = "TURNPIKE_SLOT_HDR_7d1f"
)

const (
	errorNoPaymentV2 = "PAYMENT-SIGNATURE header is required"
)

func compileTable(doc *routes.Document, m *metricsRegistry) (*table, error) {
	t := &table{generation: doc.Generation, offers: make(map[string]*offer, len(doc.Offers))}
	for i := range doc.Offers {
		o, err := compileOffer(&doc.Offers[i], m)
		if err != nil {
			return nil, fmt.Errorf("offer %s: %w", doc.Offers[i].Key(), err)
		}
		t.offers[doc.Offers[i].Key()] = o
	}
	return t, nil
}

func compileOffer(src *routes.Offer, m *metricsRegistry) (*offer, error) {
	o := &offer{
		namespace:  src.Namespace,
		name:       src.Name,
		draining:   src.State == routes.StateDraining,
		pathPrefix: strings.TrimSuffix(src.PathPrefix, "/"),
		before:     src.Settlement == routes.SettleBefore,
	}
	if o.draining {
		end, err := time.Parse(time.RFC3339, src.DrainEndsAt)
		if err != nil {
			return nil, fmt.Errorf("drainEndsAt: %w", err)
		}
		o.drainEndsAt = end
	}
	def, err := compilePrices(src, src.Payments, src.Description, src.MimeType, m)
	if err != nil {
		return nil, err
	}
	o.def = def
	o.primary = def.options[0].series
	for j := range src.Paths {
		p := &src.Paths[j]
		r := &rule{free: p.Free, before: src.Settlement == routes.SettleBefore}
		if p.Settlement != "" {
			r.before = p.Settlement == routes.SettleBefore
		}
		if len(p.Methods) > 0 {
			r.methods = make(map[string]bool, len(p.Methods))
			for _, meth := range p.Methods {
				r.methods[strings.ToUpper(meth)] = true
			}
		}
		pat := p.Pattern
		if strings.HasSuffix(pat, "/*") {
			r.isPrefix = true
			pat = strings.TrimSuffix(pat, "/*")
			r.prefix = pat
		}
		if strings.Contains(pat, "*") {
			r.segments = strings.Split(pat, "/")
		} else if !r.isPrefix {
			r.exact = pat
		}
		if !r.free {
			desc, mime := src.Description, src.MimeType
			if p.Description != "" {
				desc = p.Description
			}
			if p.MimeType != "" {
				mime = p.MimeType
			}
			if len(p.Payments) == 0 && desc == src.Description && mime == src.MimeType {
				r.prices = def
			} else {
				pays := p.Payments
				if len(pays) == 0 {
					pays = src.Payments
				}
				ps, err := compilePrices(src, pays, desc, mime, m)
				if err != nil {
					return nil, fmt.Errorf("path %q: %w", p.Pattern, err)
				}
				r.prices = ps
			}
		}
		o.rules = append(o.rules, r)
	}
	return o, nil
}

func compilePrices(src *routes.Offer, pays []routes.Payment, desc, mime string, m *metricsRegistry) (*priceSet, error) {
	if mime == "" {
		mime = "application/json"
	}
	ps := &priceSet{}
	v2 := x402.PaymentRequired{
		X402Version: x402.V2,
		Error:       errSlot,
		Resource:    x402.ResourceInfo{URL: urlSlot, Description: desc, MimeType: mime},
		Accepts:     []x402.Requirements{},
	}
	var v1 []x402.RequirementsV1
	var lines []string
	for k := range pays {
		p := pays[k]
		extra, err := json.Marshal(x402.EIP712Extra{Name: p.EIP712Name, Version: p.EIP712Version})
		if err != nil {
			return nil, err
		}
		var extraMap map[string]any
		if err := json.Unmarshal(extra, &extraMap); err != nil {
			return nil, err
		}
		amount, err := x402.ParseAtomic(p.Amount)
		if err != nil {
			return nil, err
		}
		req := x402.Requirements{
			Scheme:            p.Scheme,
			Network:           p.Network,
			Amount:            amount.String(),
			Asset:             p.Asset,
			PayTo:             p.PayTo,
			MaxTimeoutSeconds: p.MaxTimeoutSeconds,
			Extra:             extra,
		}
		opt := &option{req: req, extra: extraMap, amount: amount, decimals: p.AssetDecimals}
		opt.series = m.series(src.Namespace, src.Name, p.Network, p.AssetSymbol)
		if name, ok := x402.V1Name(p.Network); ok {
			opt.v1Name = name
			opt.v1 = x402.RequirementsV1{
				Scheme:            p.Scheme,
				Network:           name,
				MaxAmountRequired: req.Amount,
				Resource:          urlSlot,
				Description:       desc,
				MimeType:          mime,
				PayTo:             p.PayTo,
				MaxTimeoutSeconds: p.MaxTimeoutSeconds,
				Asset:             p.Asset,
				Extra:             extra,
			}
			v1 = append(v1, opt.v1)
		}
		ps.options = append(ps.options, opt)
		v2.Accepts = append(v2.Accepts, req)
		sym := p.AssetSymbol
		if sym == "" {
			sym = p.Asset
		}
		lines = append(lines, x402.FormatUnits(amount, p.AssetDecimals)+" "+sym+" on "+p.Network)
	}
	if len(ps.options) == 0 {
		return nil, fmt.Errorf("no payment options")
	}
	ps.summary = strings.Join(lines, " or ")

	raw, err := json.Marshal(v2)
	if err != nil {
		return nil, err
	}
	parts := bytes.Split(raw, []byte(strconv.Quote(errSlot)))
	if len(parts) != 2 {
		return nil, fmt.Errorf("challenge template: error slot appears %d times", len(parts)-1)
	}
	rest := bytes.Split(parts[1], []byte(strconv.Quote(urlSlot)))
	if len(rest) != 2 {
		return nil, fmt.Errorf("challenge template: URL slot appears %d times", len(rest)-1)
	}
	ps.v2Head, ps.v2Mid, ps.v2Tail = parts[0], rest[0], rest[1]

	if v1 == nil {
		v1 = []x402.RequirementsV1{}
	}
	raw, err = json.Marshal(v1)
	if err != nil {
		return nil, err
	}
	ps.v1Accepts = bytes.Split(raw, []byte(strconv.Quote(urlSlot)))

	ps.htmlParts = strings.Split(renderPaywall(src, desc, ps), "\x00")
	return ps, nil
}

// renderPaywall renders the browser page once per price set with two NUL-separated
// holes: the escaped resource URL and the PAYMENT-REQUIRED value.
func renderPaywall(src *routes.Offer, desc string, ps *priceSet) string {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
	b.WriteString("<title>Payment required</title><style>")
	b.WriteString("body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}")
	b.WriteString("table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}")
	b.WriteString("code,pre{background:#f4f4f4;padding:.1rem .3rem;word-break:break-all;white-space:pre-wrap}")
	b.WriteString("</style></head><body><h1>Payment required</h1>")
	b.WriteString("<p>This resource is sold per request with the <a href=\"https://x402.org\">x402</a> protocol.</p>")
	b.WriteString("<p>Resource: <code>\x00</code></p>")
	if desc != "" {
		b.WriteString("<p>" + html.EscapeString(desc) + "</p>")
	}
	b.WriteString("<p>Offered by <code>" + html.EscapeString(src.Namespace+"/"+src.Name) + "</code>. Accepted payments:</p>")
	b.WriteString("<table><tr><th>Price</th><th>Asset</th><th>Network</th><th>Pay to</th></tr>")
	for _, o := range ps.options {
		sym := "token"
		if s := findSymbol(src, o); s != "" {
			sym = s
		}
		b.WriteString("<tr><td>" + html.EscapeString(x402.FormatUnits(o.amount, o.decimals)) + "</td><td>" +
			html.EscapeString(sym) + " <code>" + html.EscapeString(o.req.Asset) + "</code></td><td>" +
			html.EscapeString(o.req.Network) + "</td><td><code>" + html.EscapeString(o.req.PayTo) + "</code></td></tr>")
	}
	b.WriteString("</table><p>Pay with an x402 client (for example <code>@x402/fetch</code>): it reads the ")
	b.WriteString("<code>PAYMENT-REQUIRED</code> header of this response, signs an EIP-3009 authorization and ")
	b.WriteString("repeats the request with a <code>PAYMENT-SIGNATURE</code> header.</p>")
	b.WriteString("<details><summary>PAYMENT-REQUIRED</summary><pre id=\"payment-required\">\x00</pre></details>")
	b.WriteString("</body></html>\n")
	return b.String()
}

func findSymbol(src *routes.Offer, o *option) string {
	for _, p := range src.Payments {
		if p.Network == o.req.Network && strings.EqualFold(p.Asset, o.req.Asset) {
			return p.AssetSymbol
		}
	}
	for _, r := range src.Paths {
		for _, p := range r.Payments {
			if p.Network == o.req.Network && strings.EqualFold(p.Asset, o.req.Asset) {
				return p.AssetSymbol
			}
		}
	}
	return ""
}

// match finds the rule for a path relative to the offer's prefix. ok=false means no
// rule matched (fail closed: 403); a nil rule with ok=true means "charge with def".
func (o *offer) match(method, rel string) (*rule, bool) {
	if len(o.rules) == 0 {
		return nil, true
	}
	for _, r := range o.rules {
		if r.methods != nil && !r.methods[method] {
			continue
		}
		if r.matches(rel) {
			return r, true
		}
	}
	return nil, false
}

func (r *rule) matches(p string) bool {
	if r.segments == nil {
		if !r.isPrefix {
			return p == r.exact
		}
		return p == r.prefix || strings.HasPrefix(p, r.prefix+"/")
	}
	got := strings.Split(p, "/")
	n := len(r.segments)
	if len(got) < n || (!r.isPrefix && len(got) != n) {
		return false
	}
	for i := 0; i < n; i++ {
		if r.segments[i] != "*" && r.segments[i] != got[i] {
			return false
		}
	}
	return true
}

// relativePath strips the offer's prefix. A path outside the prefix is taken as
// already relative (a strip-prefix middleware may run before the gate).
func (o *offer) relativePath(p string) string {
	if o.pathPrefix == "" {
		return p
	}
	if p == o.pathPrefix {
		return "/"
	}
	if strings.HasPrefix(p, o.pathPrefix+"/") {
		return p[len(o.pathPrefix):]
	}
	return p
}
