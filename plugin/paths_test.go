package plugin

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/x402"
)

// rawRequest parses a request line exactly as net/http's server does, so RequestURI
// keeps the client's spelling (httptest.NewRequest would re-escape nothing either, but
// it panics on targets the server rejects; those are skipped here like the server
// would answer them 400 before any handler).
func rawRequest(t *testing.T, method, target string, hdr map[string]string) *http.Request {
	t.Helper()
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: example.test\r\n")
	for k, v := range hdr {
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("\r\n")
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("%s %q: net/http refuses it: %v", method, target, err)
	}
	return req
}

// The gate decides on the path the upstream receives: every spelling is refused
// (400 ambiguous_path), charged (402), refused for no rule (403), or, only when the
// forwarded path itself is a free rule, passed through unpaid. Each case runs twice so
// the second answer comes from the challenge cache.
func TestPathSpellings(t *testing.T) {
	tg := newTestGate(t, testDoc(7), nil)
	const w = "/services/weather"
	type tcase struct {
		desc       string
		method     string
		target     string
		paid       bool // carries a PAYMENT-SIGNATURE
		wantStatus int
		wantReason string
		wantUp     bool
	}
	amb := func(desc, target string) tcase {
		return tcase{desc: desc, method: "GET", target: target, wantStatus: 400, wantReason: x402.ReasonAmbiguousPath}
	}
	tests := []tcase{
		{desc: "free rule", method: "GET", target: w + "/health", wantStatus: 200, wantUp: true},
		{desc: "free rule with a query holding an encoded slash", method: "GET", target: w + "/health?next=%2F..%2Fforecast%2Fx", wantStatus: 200, wantUp: true},
		{desc: "free rule, HEAD is not GET", method: "HEAD", target: w + "/health", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "free rule without method limit, HEAD", method: "HEAD", target: w + "/free", wantStatus: 200, wantUp: true},
		{desc: "paid rule", method: "GET", target: w + "/forecast/berlin", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "paid rule, HEAD", method: "HEAD", target: w + "/forecast/berlin", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "paid rule with a query holding an encoded slash", method: "GET", target: w + "/forecast/berlin?x=%2F..%2Fhealth", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "encoded unreserved letters are the same path", method: "GET", target: w + "/forecast/%62erlin", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "encoded letters of a free rule are the free rule", method: "GET", target: w + "/%68ealth", wantStatus: 200, wantUp: true},
		{desc: "trailing slash of a free rule is a different path", method: "GET", target: w + "/health/", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "trailing dot of a free rule is a different path", method: "GET", target: w + "/health.", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "case variant of the prefix is not the offer's free rule", method: "GET", target: "/Services/Weather/health", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "case variant of the free rule", method: "GET", target: w + "/HEALTH", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "absolute-form, free", method: "GET", target: "http://example.test" + w + "/health", wantStatus: 200, wantUp: true},
		{desc: "absolute-form, paid", method: "GET", target: "http://example.test" + w + "/forecast/x", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		amb("encoded slash up to a free rule", w+"/forecast/berlin%2F..%2F..%2Fhealth"),
		amb("encoded slash (lower case)", w+"/forecast/berlin%2f..%2f..%2fhealth"),
		amb("encoded slash and dots", w+"/forecast/berlin%2f%2e%2e%2f%2e%2e%2fhealth"),
		amb("encoded slash with a query", w+"/forecast/berlin%2F..%2F..%2Fhealth?units=metric"),
		amb("encoded slash, paid spelling", w+"/forecast/a%2Fb"),
		amb("encoded backslash", w+"/forecast/berlin%5C..%5C..%5Chealth"),
		amb("encoded backslash (lower case)", w+"/forecast/berlin%5c..%5c..%5chealth"),
		amb("raw backslash", w+"/forecast\\..\\health"),
		amb("double-encoded slash", w+"/forecast/berlin%252F..%252F..%252Fhealth"),
		amb("double-encoded dots", w+"/forecast/%252e%252e/health"),
		amb("dot-dot to a free rule", w+"/forecast/../health"),
		amb("dot-dot from a free rule to a paid one", w+"/health/../forecast/x"),
		amb("dot segment", w+"/./health"),
		amb("trailing dot-dot", w+"/health/x/.."),
		amb("encoded dot-dot", w+"/forecast/%2E%2E/health"),
		amb("encoded dot-dot (lower case)", w+"/forecast/%2e%2e/health"),
		amb("half-encoded dot-dot", w+"/forecast/.%2E/health"),
		amb("double slash", w+"//health"),
		amb("double slash in a paid path", w+"/forecast//x"),
		amb("semicolon path parameter", w+"/health;jsessionid=1"),
		amb("semicolon before dot-dot", w+"/forecast;/../health"),
		amb("encoded semicolon", w+"/health%3Bx"),
		amb("encoded question mark", w+"/health%3F/x"),
		amb("encoded NUL", w+"/health%00"),
		amb("encoded newline", w+"/health%0A"),
		amb("absolute-form with encoded slash", "http://example.test"+w+"/forecast/x%2F..%2F..%2Fhealth"),
		amb("absolute-form with dot-dot", "http://example.test"+w+"/forecast/../health"),
		{desc: "HEAD with encoded slash", method: "HEAD", target: w + "/forecast/x%2F..%2F..%2Fhealth", wantStatus: 400, wantReason: x402.ReasonAmbiguousPath},
		{desc: "paid: encoded slash to a free rule is refused before the facilitator", method: "GET", target: w + "/forecast/x%2F..%2F..%2Fhealth", paid: true, wantStatus: 400, wantReason: x402.ReasonAmbiguousPath},
		{desc: "paid: dot-dot is refused before the facilitator", method: "GET", target: w + "/health/../forecast/x", paid: true, wantStatus: 400, wantReason: x402.ReasonAmbiguousPath},
		{desc: "paid: encoded slash in the query only is paid normally", method: "GET", target: w + "/forecast/x?a=%2F", paid: true, wantStatus: 200, wantUp: true},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d spellings", len(tests))
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			rounds := 2
			if tc.paid {
				rounds = 1 // one authorization, one answer
			}
			for round := 0; round < rounds; round++ {
				hdr := map[string]string{}
				if tc.paid {
					hdr[x402.HeaderPaymentSignature] = encode(t, paymentV2(requirementOf(basePayment())))
				}
				req := rawRequest(t, tc.method, tc.target, hdr)
				before := tg.up.calls.Load()
				rec := httptest.NewRecorder()
				tg.g.ServeHTTP(rec, req)
				if rec.Code != tc.wantStatus {
					t.Fatalf("round %d: %s %s: status %d, want %d: %s", round, tc.method, tc.target, rec.Code, tc.wantStatus, rec.Body.String())
				}
				if reached := tg.up.calls.Load() > before; reached != tc.wantUp {
					t.Fatalf("round %d: upstream reached = %v, want %v", round, reached, tc.wantUp)
				}
				if tc.wantReason != "" && tc.method != "HEAD" {
					if got := decodeRejection(t, rec.Body.Bytes()).Reason; got != tc.wantReason {
						t.Fatalf("round %d: reason %q, want %q", round, got, tc.wantReason)
					}
				}
			}
		})
	}
}
