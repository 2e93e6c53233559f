package challenge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"strings"

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
	page := ps.htmlParts[0] + html.EscapeString(resURL) + ps.htmlParts[1] + hdr + ps.htmlParts[2]
	_, _ = rw.Write([]byte(page))
}

// renderPaywall renders the browser page once per price set with two NUL-separated
// holes: the escaped resource URL and the PAYMENT-REQUIRED value.
func renderPaywall(src *routes.Offer, desc string, ps *Set) string {
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
	for _, o := range ps.Options {
		sym := "token"
		if s := findSymbol(src, o); s != "" {
			sym = s
		}
		b.WriteString("<tr><td>" + html.EscapeString(x402.FormatUnits(o.Amount, o.Decimals)) + "</td><td>" +
			html.EscapeString(sym) + " <code>" + html.EscapeString(o.Req.Asset) + "</code></td><td>" +
			html.EscapeString(o.Req.Network) + "</td><td><code>" + html.EscapeString(o.Req.PayTo) + "</code></td></tr>")
	}
	b.WriteString("</table><p>Pay with an x402 client (for example <code>@x402/fetch</code>): it reads the ")
	b.WriteString("<code>PAYMENT-REQUIRED</code> header of this response, signs an EIP-3009 authorization and ")
	b.WriteString("repeats the request with a <code>PAYMENT-SIGNATURE</code> header.</p>")
	b.WriteString("<details><summary>PAYMENT-REQUIRED</summary><pre id=\"payment-required\">\x00</pre></details>")
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
