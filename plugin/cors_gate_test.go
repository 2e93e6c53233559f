package plugin

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	appOrigin   = "https://app.example.com"
	otherOrigin = "https://other.example.com"
)

// corsUpstream answers like an upstream with a CORS policy of its own, which the gate
// must not let through as a second Allow-Origin on a paid answer.
func corsUpstream(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Access-Control-Allow-Origin", "https://upstream-choice.example")
	h.Add("Access-Control-Allow-Credentials", "true")
	h.Add("Access-Control-Expose-Headers", "X-Request-Id")
	h.Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "sunny")
}

func docWithCORS(c *routes.CORS) *routes.Document {
	d := testDoc(1)
	d.Offers[0].CORS = c
	return d
}

func TestCORSAnswers(t *testing.T) {
	listed := &routes.CORS{AllowOrigins: []string{appOrigin}, MaxAgeSeconds: 120}
	pay := func(t *testing.T) string { return encode(t, paymentV2(requirementOf(basePayment()))) }
	tests := []struct {
		desc     string
		doc      *routes.Document // nil: no routes document loaded
		config   func(c *Config)
		upstream http.HandlerFunc
		settle   string
		method   string
		target   string
		origin   string
		hdr      func(t *testing.T) map[string]string
		// want
		status      int
		allowOrigin []string // nil: no Access-Control-Allow-Origin
		vary        bool     // Vary names Origin
		exposed     bool     // Expose-Headers lists the gate's headers
		reason      string
		upstreamHit bool
		check       func(t *testing.T, h http.Header)
	}{
		{desc: "402 is readable from any origin by default", doc: testDoc(1), origin: otherOrigin,
			status: 402, allowOrigin: []string{"*"}, exposed: true},
		{desc: "402 without Origin still carries the any-origin policy (cache-safe)", doc: testDoc(1),
			status: 402, allowOrigin: []string{"*"}, exposed: true},
		{desc: "402 echoes a listed origin with Vary", doc: docWithCORS(listed), origin: appOrigin,
			status: 402, allowOrigin: []string{appOrigin}, vary: true, exposed: true},
		{desc: "402 for an unlisted origin has no Allow-Origin", doc: docWithCORS(listed), origin: otherOrigin,
			status: 402, vary: true},
		{desc: "503 before routes load is readable", origin: otherOrigin,
			status: 503, allowOrigin: []string{"*"}, exposed: true, reason: x402.ReasonRoutesNotLoaded},
		{desc: "400 refusal of a bad payment header is readable", doc: testDoc(1), origin: otherOrigin,
			hdr:    func(t *testing.T) map[string]string { return map[string]string{x402.HeaderPaymentSignature: "!!"} },
			status: 400, allowOrigin: []string{"*"}, exposed: true, reason: x402.ReasonInvalidHeader},
		{desc: "403 refusal of an unrouted method is readable", doc: testDoc(1), origin: appOrigin, method: "POST", target: base + "/health",
			status: 403, allowOrigin: []string{"*"}, exposed: true, reason: x402.ReasonNoRouteRule},
		{desc: "preflight is answered for a paid path", doc: docWithCORS(listed), method: "OPTIONS", origin: appOrigin,
			hdr: func(t *testing.T) map[string]string {
				return map[string]string{"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "payment-signature"}
			},
			status: 204, allowOrigin: []string{appOrigin}, vary: true, exposed: true,
			check: func(t *testing.T, h http.Header) {
				if got := h.Get("Access-Control-Max-Age"); got != "120" {
					t.Errorf("max-age %q, want 120", got)
				}
				allow := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
				for _, want := range []string{"payment-signature", "x-payment", "content-type", "access-control-expose-headers"} {
					if !strings.Contains(allow, want) {
						t.Errorf("allow-headers %q lacks %s", allow, want)
					}
				}
				if h.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("credentials allowed")
				}
			}},
		{desc: "preflight from an unlisted origin is refused", doc: docWithCORS(listed), method: "OPTIONS", origin: otherOrigin,
			hdr:    func(t *testing.T) map[string]string { return map[string]string{"Access-Control-Request-Method": "GET"} },
			status: 403, vary: true, reason: x402.ReasonOriginNotAllowed},
		{desc: "preflight for a free path is the upstream's", doc: testDoc(1), method: "OPTIONS", target: base + "/free", origin: appOrigin,
			hdr:      func(t *testing.T) map[string]string { return map[string]string{"Access-Control-Request-Method": "GET"} },
			upstream: corsUpstream, status: 200, allowOrigin: []string{"https://upstream-choice.example"}, upstreamHit: true},
		{desc: "free path answer keeps the upstream's CORS alone", doc: testDoc(1), target: base + "/free", origin: appOrigin,
			upstream: corsUpstream, status: 200, allowOrigin: []string{"https://upstream-choice.example"}, upstreamHit: true},
		{desc: "paid 200 carries the receipt and only the gate's Allow-Origin", doc: testDoc(1), origin: appOrigin,
			hdr:      func(t *testing.T) map[string]string { return map[string]string{x402.HeaderPaymentSignature: pay(t)} },
			upstream: corsUpstream, status: 200, allowOrigin: []string{"*"}, exposed: true, upstreamHit: true,
			check: func(t *testing.T, h http.Header) {
				if h.Get(x402.HeaderPaymentResponse) == "" {
					t.Errorf("no receipt")
				}
				if h.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("upstream's credentials header passed: %v", h)
				}
				if !strings.Contains(strings.Join(h.Values("Access-Control-Expose-Headers"), ","), "X-Request-Id") {
					t.Errorf("upstream's exposed header dropped: %v", h.Values("Access-Control-Expose-Headers"))
				}
			}},
		{desc: "paid 200 echoes a listed origin", doc: docWithCORS(listed), origin: appOrigin,
			hdr:      func(t *testing.T) map[string]string { return map[string]string{x402.HeaderPaymentSignature: pay(t)} },
			upstream: corsUpstream, status: 200, allowOrigin: []string{appOrigin}, vary: true, exposed: true, upstreamHit: true},
		{desc: "failed settlement after the upstream answered keeps the policy", doc: testDoc(1), origin: appOrigin, settle: "fail",
			hdr:      func(t *testing.T) map[string]string { return map[string]string{x402.HeaderPaymentSignature: pay(t)} },
			upstream: corsUpstream, status: 402, allowOrigin: []string{"*"}, exposed: true, reason: x402.ReasonSettlementFailed, upstreamHit: true},
		{desc: "instance config policy applies when the offer has none", doc: testDoc(1), origin: appOrigin,
			config: func(c *Config) { c.CORSAllowOrigins = []string{appOrigin} },
			status: 402, allowOrigin: []string{appOrigin}, vary: true, exposed: true},
		{desc: "the offer's policy replaces the instance's", doc: docWithCORS(&routes.CORS{AllowOrigins: []string{"*"}}), origin: otherOrigin,
			config: func(c *Config) { c.CORSAllowOrigins = []string{appOrigin} },
			status: 402, allowOrigin: []string{"*"}, exposed: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, tc.doc, tc.config)
			settle := tc.settle
			if settle == "" {
				settle = "ok"
			}
			tg.fac.set("ok", settle)
			hit := false
			if tc.upstream != nil {
				tg.g.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hit = true
					tc.upstream(w, r)
				})
			}
			method, target := tc.method, tc.target
			if method == "" {
				method = "GET"
			}
			if target == "" {
				target = base + "/forecast/today"
			}
			hdr := map[string]string{}
			if tc.hdr != nil {
				hdr = tc.hdr(t)
			}
			if tc.origin != "" {
				hdr["Origin"] = tc.origin
			}
			rec := tg.do(method, target, hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body.String())
			}
			h := rec.Header()
			if got := h.Values("Access-Control-Allow-Origin"); !reflect.DeepEqual(got, tc.allowOrigin) {
				t.Errorf("Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if got := strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin"); got != tc.vary {
				t.Errorf("Vary names Origin = %v, want %v (%q)", got, tc.vary, h.Values("Vary"))
			}
			exposed := strings.Join(h.Values("Access-Control-Expose-Headers"), ",")
			// Without Allow-Origin the browser reads nothing, so Expose does not matter.
			if got := strings.Contains(exposed, cors.ExposeHeaders); tc.allowOrigin != nil && got != tc.exposed {
				t.Errorf("gate headers exposed = %v, want %v (%q)", got, tc.exposed, exposed)
			}
			if tc.reason != "" {
				if eb := decodeRejection(t, rec.Body.Bytes()); eb.Reason != tc.reason {
					t.Errorf("reason %q, want %q", eb.Reason, tc.reason)
				}
			}
			if hit != tc.upstreamHit && tc.upstream != nil {
				t.Errorf("upstream reached = %v, want %v", hit, tc.upstreamHit)
			}
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

// A retry of a settled payment gets the kept answer, with the Allow-Origin of the
// retry, never the origin echoed to the first request.
func TestCORSReplayedAnswerEchoesTheRetrysOrigin(t *testing.T) {
	tg := newTestGate(t, docWithCORS(&routes.CORS{AllowOrigins: []string{appOrigin, otherOrigin}}), nil)
	tg.fac.set("ok", "ok")
	sig := encode(t, paymentV2(requirementOf(basePayment())))
	tests := []struct {
		desc   string
		origin string
		want   []string
	}{
		{desc: "first request from the app", origin: appOrigin, want: []string{appOrigin}},
		{desc: "retry from another listed origin", origin: otherOrigin, want: []string{otherOrigin}},
		{desc: "retry from an unlisted origin", origin: "https://evil.example", want: nil},
	}
	for _, tc := range tests {
		rec := tg.do("GET", base+"/forecast/today", map[string]string{x402.HeaderPaymentSignature: sig, "Origin": tc.origin})
		if rec.Code != 200 || rec.Body.String() != "sunny" {
			t.Fatalf("%s: status %d body %q", tc.desc, rec.Code, rec.Body.String())
		}
		if got := rec.Header().Values("Access-Control-Allow-Origin"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Allow-Origin %q, want %q", tc.desc, got, tc.want)
		}
	}
	if n := tg.fac.settleCalls.Load(); n != 1 {
		t.Errorf("settle calls %d, want 1 (retries are served from the kept answer)", n)
	}
}
