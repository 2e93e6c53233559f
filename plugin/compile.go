package plugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math/big"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
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
	before          bool           // offer default: settle before calling the upstream
	rules           []*rule        // in document order
	re              *regexp.Regexp // all rules; nil when the offer has none
	all             *rule          // the rule of an offer without rules: charge with def
	def             *priceSet
	primary         *metrics.Series // labels of the first payment option, for request counts
	// fast maps "METHOD proto host request-target" of unpaid requests already routed
	// to their challenge (bounded; emptied when full; dropped with the table).
	fastMu sync.RWMutex
	fast   map[string]*cachedChallenge
}

type rule struct {
	methodList []string // upper case; empty: every method
	free       bool
	prices     *priceSet
	before     bool // settle before calling the upstream
}

// priceSet is one set of accepted payment options with everything needed to answer.
type priceSet struct {
	options []*option
	// byJSON finds an option by the JSON encoding of its requirement.
	byJSON map[string]*option
	// v2 PAYMENT-REQUIRED JSON split around its two variable parts:
	// v2Head + quoted error + v2Mid + quoted URL + v2Tail; v2PlainHead already holds
	// the error of an unpaid request.
	v2Head, v2Mid, v2Tail, v2PlainHead []byte
	// v1 accepts array split at each resource URL (joined with the quoted URL);
	// v1Plain is the whole unpaid body split the same way.
	v1Accepts, v1Plain [][]byte
	// The unpaid challenge as strings for the request path: PAYMENT-REQUIRED is
	// plainB64Head + base64(quoted URL + plainTail), because the JSON before the URL is
	// padded to a multiple of 3 bytes and so encodes on its own; the body is
	// v1PlainStr joined with the quoted URL.
	plainB64Head, plainTail string
	v1PlainStr              []string
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
	series   *metrics.Series
}

const (
	urlSlot = "TURNPIKE_SLOT_URL_7d1f"
	errSlot = "TURNPIKE_SLOT_ERR_7d1f"
	hdrSlot = "TURNPIKE_SLOT_HDR_7d1f"
)

const (
	errorNoPaymentV2 = "PAYMENT-SIGNATURE header is required"
)

func compileTable(doc *routes.Document, m *metrics.Registry) (*table, error) {
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

func compileOffer(src *routes.Offer, m *metrics.Registry) (*offer, error) {
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
	o.all = &rule{prices: def, before: o.before}
	var patterns []string
	for j := range src.Paths {
		p := &src.Paths[j]
		r := &rule{free: p.Free, before: src.Settlement == routes.SettleBefore}
		if p.Settlement != "" {
			r.before = p.Settlement == routes.SettleBefore
		}
		for _, meth := range p.Methods {
			r.methodList = append(r.methodList, strings.ToUpper(meth))
		}
		patterns = append(patterns, p.Pattern)
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
	if len(o.rules) > 0 {
		re, err := rulesRegexp(o.pathPrefix, o.rules, patterns)
		if err != nil {
			return nil, fmt.Errorf("path rules: %w", err)
		}
		o.re = re
	}
	return o, nil
}

func compilePrices(src *routes.Offer, pays []routes.Payment, desc, mime string, m *metrics.Registry) (*priceSet, error) {
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
		opt.series = m.Series(src.Namespace, src.Name, p.Network, p.AssetSymbol)
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
	ps.byJSON = make(map[string]*option, len(ps.options))
	for _, o := range ps.options {
		// Through the pointer: Yaegi can encode an interpreted struct value passed
		// as `any` as "{}".
		k, err := json.Marshal(&o.req)
		if err != nil {
			return nil, err
		}
		if _, dup := ps.byJSON[string(k)]; !dup {
			ps.byJSON[string(k)] = o
		}
	}

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
	ps.v2PlainHead = bytes.Join([][]byte{ps.v2Head, plainErrQ, ps.v2Mid}, nil)
	ps.v1Plain = make([][]byte, len(ps.v1Accepts))
	copy(ps.v1Plain, ps.v1Accepts)
	last := len(ps.v1Plain) - 1
	ps.v1Plain[0] = bytes.Join([][]byte{plainBodyHead, ps.v1Plain[0]}, nil)
	ps.v1Plain[last] = bytes.Join([][]byte{ps.v1Plain[last], []byte("}\n")}, nil)

	// Pad with JSON whitespace before the URL value so the head is base64-aligned.
	head := ps.v2PlainHead
	for len(head)%3 != 0 {
		head = append(head, ' ')
	}
	ps.plainB64Head = base64.StdEncoding.EncodeToString(head)
	ps.plainTail = string(ps.v2Tail)
	for _, p := range ps.v1Plain {
		ps.v1PlainStr = append(ps.v1PlainStr, string(p))
	}

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

// route returns the first rule matching "METHOD /cleaned/path", or nil. All rules of
// an offer are one compiled regular expression (with the offer's prefix optional in
// front of each pattern, so a path already stripped of it matches too) with a group
// per rule: matching is one stdlib call however many rules there are, and the loop
// only finds the matched group. Kept tiny: Yaegi allocates every value slot of a
// function on each call.
func route(o *offer, method, p string) *rule {
	m := o.re.FindStringSubmatchIndex(method + " " + path.Clean(p))
	if m == nil {
		return nil
	}
	for i := 0; i < len(o.rules); i++ {
		if m[2+2*i] >= 0 {
			return o.rules[i]
		}
	}
	return nil
}

// relativePath is the request path relative to the offer's prefix, for messages.
func relativePath(prefix, p string) string {
	p = path.Clean(p)
	if prefix == "" {
		return p
	}
	if p == prefix {
		return "/"
	}
	if strings.HasPrefix(p, prefix+"/") {
		return p[len(prefix):]
	}
	return p
}

// rulesRegexp compiles an offer's rules, in order, into one anchored alternation.
func rulesRegexp(prefix string, rules []*rule, patterns []string) (*regexp.Regexp, error) {
	pre := ""
	if prefix != "" {
		pre = "(?:" + regexp.QuoteMeta(prefix) + ")?"
	}
	alts := make([]string, len(rules))
	for i, r := range rules {
		meth := `[^ ]+`
		if len(r.methodList) > 0 {
			q := make([]string, len(r.methodList))
			for j, m := range r.methodList {
				q[j] = regexp.QuoteMeta(m)
			}
			meth = "(?:" + strings.Join(q, "|") + ")"
		}
		pat := patterns[i]
		isPrefix := strings.HasSuffix(pat, "/*")
		if isPrefix {
			pat = strings.TrimSuffix(pat, "/*")
		}
		segs := strings.Split(pat, "/")
		for j, seg := range segs {
			if seg == "*" {
				segs[j] = `[^/]*`
			} else {
				segs[j] = regexp.QuoteMeta(seg)
			}
		}
		// Each alternative ends in its own anchor, so matching stops at the end of
		// the pattern instead of scanning the rest of a long path.
		p := pre + strings.Join(segs, "/")
		switch {
		case isPrefix:
			p += `(?:/|$)`
		case patterns[i] == "/" && prefix != "":
			// The offer's root: the prefix itself, with or without a slash.
			p = "(?:" + regexp.QuoteMeta(prefix) + "/?|/)$"
		default:
			p += `$`
		}
		alts[i] = "(" + meth + " " + p + ")"
	}
	return regexp.Compile(`^(?:` + strings.Join(alts, "|") + `)`)
}
