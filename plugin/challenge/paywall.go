package challenge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// WritePaywall answers a browser with the HTML page (and the header, for wallets).
func WritePaywall(rw http.ResponseWriter, ps *Set, resURL string) {
	urlQ, _ := json.Marshal(resURL)
	hdr := base64.StdEncoding.EncodeToString(bytes.Join([][]byte{ps.v2PlainHead, urlQ, ps.v2Tail}, nil))
	h := rw.Header()
	h[hkPaymentRequired] = []string{hdr}
	h[hkContentType] = []string{"text/html; charset=utf-8"}
	h[hkCacheControl] = []string{"no-store"}
	rw.WriteHeader(http.StatusPaymentRequired)
	parts := htmlParts(ps)
	page := parts[0] + html.EscapeString(resURL) + parts[1] + hdr + parts[2]
	_, _ = rw.Write([]byte(page))
}

// paywall is a Set's browser page, rendered on the first browser request rather than
// when routes load: the page inlines its style and script (about 13 KB), and rendering
// it for every price set of every offer was two thirds of a reload's time and of the
// gate's heap per offer (BenchmarkReloadShard), while most offers are never opened in
// a browser.
type paywall struct {
	once  sync.Once
	src   routes.Offer
	desc  string
	parts []string // split around the escaped URL and the PAYMENT-REQUIRED value
}

// htmlParts returns the set's page, rendering it once.
func htmlParts(ps *Set) []string {
	pw := ps.page
	pw.once.Do(func() {
		pw.parts = strings.Split(renderPaywall(&pw.src, pw.desc, ps), "\x00")
	})
	return pw.parts
}

// PaywallBudget is the most bytes the page may have around the resource URL and
// the PAYMENT-REQUIRED value for one payment option: it is sent on every unpaid
// browser request, and everything (style, script) is inline.
const PaywallBudget = 24 << 10

// renderPaywall renders the browser page once per price set with two NUL-separated
// holes: the escaped resource URL and the PAYMENT-REQUIRED value. The page reads
// without JavaScript (prices, networks and the header are plain HTML); the script
// takes the requirements from that same header, so what the wallet signs is exactly
// what the gate offered.
func renderPaywall(src *routes.Offer, desc string, ps *Set) string {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\" data-state=\"static\"><head><meta charset=\"utf-8\">")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
	b.WriteString("<title>Payment required</title><style>")
	b.WriteString(paywallCSS)
	b.WriteString("</style></head><body><main><h1>Payment required</h1>")
	b.WriteString("<p>This resource is sold <strong>per request</strong> with the <a href=\"https://x402.org\">x402</a> protocol.</p>")
	b.WriteString("<p>Resource: <code>\x00</code></p>")
	if desc != "" {
		b.WriteString("<p>" + html.EscapeString(desc) + "</p>")
	}
	b.WriteString("<p>Offered by <code>" + html.EscapeString(src.Namespace+"/"+src.Name) + "</code>. Accepted payments:</p>")
	b.WriteString("<table><tr><th>Price</th><th>Network</th><th>Asset</th><th>Pay to</th></tr>")
	cfg := make([]map[string]any, 0, len(ps.Options))
	var choices strings.Builder
	for i, o := range ps.Options {
		sym := "token"
		if s := findSymbol(src, o); s != "" {
			sym = s
		}
		price := x402.FormatUnits(o.Amount, o.Decimals) + " " + sym
		net, chainID, _ := LookupNetwork(o.Req.Network)
		b.WriteString("<tr><td><strong>" + html.EscapeString(price) + "</strong> per request</td><td>" +
			html.EscapeString(net.Name) + " <small><code>" + html.EscapeString(o.Req.Network) + "</code></small></td><td>" +
			html.EscapeString(sym) + " <code>" + html.EscapeString(o.Req.Asset) + "</code></td><td><code>" +
			html.EscapeString(o.Req.PayTo) + "</code></td></tr>")
		c := map[string]any{
			"i": i, "price": price, "sym": sym, "dec": o.Decimals, "network": o.Req.Network,
			"name": net.Name, "chainId": chainID, "rpc": net.RPC, "explorer": net.Explorer, "currency": net.Currency,
		}
		// Only the exact scheme on an EVM chain can be paid with an EIP-3009 signature.
		if o.Req.Scheme != "exact" || chainID == 0 {
			continue
		}
		cfg = append(cfg, c)
		choices.WriteString("<option value=\"" + strconv.Itoa(len(cfg)-1) + "\">" +
			html.EscapeString(price+" on "+net.Name) + "</option>")
	}
	b.WriteString("</table>")
	if len(cfg) > 0 {
		b.WriteString("<section id=\"pay\" hidden><h2>Pay from your browser wallet</h2>")
		if len(cfg) > 1 {
			b.WriteString("<p><label>Pay with <select id=\"opt\">" + choices.String() + "</select></label></p>")
		}
		b.WriteString("<p><button id=\"go\" type=\"button\">Pay</button></p>")
		b.WriteString("<p id=\"status\" role=\"status\" aria-live=\"polite\"></p>")
		b.WriteString("<dl id=\"receipt\" hidden></dl><div id=\"content\" hidden></div></section>")
		b.WriteString("<noscript><p>Paying from this page needs JavaScript and a browser wallet.</p></noscript>")
	}
	b.WriteString("<p>Any x402 client (for example <code>@x402/fetch</code>) can pay too: it reads the ")
	b.WriteString("<code>PAYMENT-REQUIRED</code> header of this response, signs an EIP-3009 authorization and ")
	b.WriteString("repeats the request with a <code>PAYMENT-SIGNATURE</code> header.</p>")
	b.WriteString("<details><summary>PAYMENT-REQUIRED</summary><pre id=\"payment-required\">\x00</pre></details></main>")
	if len(cfg) > 0 {
		// json.Marshal escapes <, > and & so the data cannot close its script element.
		raw, err := json.Marshal(cfg)
		if err == nil {
			b.WriteString("<script type=\"application/json\" id=\"x402-cfg\">" + string(raw) + "</script>")
			b.WriteString("<script type=\"module\">" + paywallJS + "</script>")
		}
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func findSymbol(src *routes.Offer, o *Option) string {
	for _, p := range src.Payments {
		if p.Network == o.Req.Network && strings.EqualFold(p.Asset, o.Req.Asset) {
			return p.AssetSymbol
		}
	}
	for _, r := range src.Paths {
		for _, p := range r.Payments {
			if p.Network == o.Req.Network && strings.EqualFold(p.Asset, o.Req.Asset) {
				return p.AssetSymbol
			}
		}
	}
	return ""
}
