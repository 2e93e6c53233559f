package plugin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// inferenceDoc is testDoc with the weather offer selling inference.
func inferenceDoc() *routes.Document {
	d := testDoc(1)
	d.Offers[0].Type = routes.TypeInference
	return d
}

func withCredential(c *Config) {
	c.UpstreamAuthHeader = "authorization"
	c.UpstreamAuthPrefix = "Bearer "
	c.UpstreamAuthValue = "sk-seller-key\n"
}

// TestUpstreamCredential: the seller's credential reaches the upstream only with a
// request forwarded after a verified payment; whatever a client sends in its place,
// in any spelling, never reaches the upstream.
func TestUpstreamCredential(t *testing.T) {
	tests := []struct {
		desc     string
		target   string
		paid     bool
		verify   string
		settle   string
		header   string            // the credential's header; default Authorization
		client   map[string]string // headers the client adds
		wantCode int
		wantUp   bool   // the upstream was called
		wantAuth string // Authorization the upstream saw
	}{
		{desc: "paid, settled after", target: base + "/forecast/a", paid: true, wantCode: 200, wantUp: true, wantAuth: "Bearer sk-seller-key"},
		{desc: "paid, settled before", target: base + "/stream", paid: true, wantCode: 200, wantUp: true, wantAuth: "Bearer sk-seller-key"},
		{desc: "paid, the client's own value is replaced", target: base + "/forecast/a", paid: true,
			client: map[string]string{"Authorization": "Bearer client-key"}, wantCode: 200, wantUp: true, wantAuth: "Bearer sk-seller-key"},
		{desc: "paid, an underscore spelling is dropped", target: base + "/forecast/a", paid: true, header: "X-Api-Key",
			client: map[string]string{"x_api_key": "client-key", "X-API-KEY": "client-key"}, wantCode: 200, wantUp: true, wantAuth: "Bearer sk-seller-key"},
		{desc: "free path: no credential, and the client's is dropped", target: base + "/free",
			client: map[string]string{"Authorization": "Bearer client-key"}, wantCode: 200, wantUp: true, wantAuth: ""},
		{desc: "unpaid: the 402 and no upstream", target: base + "/forecast/a", wantCode: 402},
		{desc: "payment refused by the facilitator: no upstream", target: base + "/forecast/a", paid: true, verify: "invalid", wantCode: 402},
		{desc: "settle-before fails: no upstream", target: base + "/stream", paid: true, settle: "fail", wantCode: 402},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			name := "Authorization"
			if tc.header != "" {
				name = tc.header
			}
			tg := newTestGate(t, testDoc(1), func(c *Config) {
				withCredential(c)
				c.UpstreamAuthHeader = strings.ToLower(name)
			})
			verify, settle := "ok", "ok"
			if tc.verify != "" {
				verify = tc.verify
			}
			if tc.settle != "" {
				settle = tc.settle
			}
			tg.fac.set(verify, settle)
			req := httptest.NewRequest("GET", tc.target, nil)
			req.RequestURI = req.URL.RequestURI()
			for k, v := range tc.client {
				req.Header[http.CanonicalHeaderKey(k)] = []string{v} // as Go's server hands them over
			}
			if tc.paid {
				req.Header.Set(x402.HeaderPaymentSignature, encode(t, paymentV2(requirementOf(basePayment()))))
			}
			rec := httptest.NewRecorder()
			tg.g.ServeHTTP(rec, req)
			if rec.Code != tc.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantCode, rec.Body.String())
			}
			if strings.Contains(rec.Body.String()+headerText(rec.Header()), "sk-seller-key") {
				t.Fatalf("the credential leaked into the answer")
			}
			if up := tg.up.calls.Load() == 1; up != tc.wantUp {
				t.Fatalf("upstream called = %v, want %v", up, tc.wantUp)
			}
			if !tc.wantUp {
				return
			}
			tg.up.mu.Lock()
			h := tg.up.headers
			tg.up.mu.Unlock()
			if got := h[name]; strings.Join(got, "|") != tc.wantAuth && !(tc.wantAuth == "" && got == nil) {
				t.Fatalf("upstream saw %s %q, want %q", name, got, tc.wantAuth)
			}
			for k := range h {
				if k != name && strings.EqualFold(strings.ReplaceAll(k, "_", "-"), name) {
					t.Fatalf("a client spelling %q reached the upstream", k)
				}
			}
		})
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	for k, v := range h {
		b.WriteString(k + ": " + strings.Join(v, ",") + "\n")
	}
	return b.String()
}

// TestInferenceStreamDetection: for inference offers a JSON POST with a top-level
// "stream": true settles before the upstream (and the upstream gets the very bytes
// the gate read); everything else settles as its route says.
func TestInferenceStreamDetection(t *testing.T) {
	after := "verify,upstream,settle"
	before := "verify,settle,upstream"
	big := `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", maxStreamProbeBytes) + `"}],"stream":true}`
	tests := []struct {
		desc   string
		doc    *routes.Document
		method string
		ctype  string
		body   string
		want   string
	}{
		{desc: "stream true", body: `{"model":"m","stream":true,"messages":[]}`, want: before},
		{desc: "stream true with spaces and a charset", ctype: "application/json; charset=utf-8", body: "{ \"stream\" :\ttrue }", want: before},
		{desc: "stream false", body: `{"model":"m","stream":false}`, want: after},
		{desc: "no stream key", body: `{"model":"m","messages":[{"role":"user","content":"stream please"}]}`, want: after},
		{desc: "stream as a string is not true", body: `{"stream":"true"}`, want: after},
		{desc: "stream nested is not top-level", body: `{"options":{"stream":true}}`, want: after},
		{desc: "key differing in case is another key", body: `{"Stream":true}`, want: after},
		{desc: "escaped key is the same key", body: `{"str\u0065am":true}`, want: before},
		{desc: "last duplicate wins (false)", body: `{"stream":true,"stream":false}`, want: after},
		{desc: "last duplicate wins (true)", body: `{"stream":false,"stream":true}`, want: before},
		{desc: "invalid JSON", body: `{"stream":true`, want: after},
		{desc: "a +json media type", ctype: "application/vnd.api+json", body: `{"stream":true}`, want: before},
		{desc: "not a JSON content type", ctype: "text/plain", body: `{"stream":true}`, want: after},
		{desc: "GET is never probed", method: "GET", body: `{"stream":true}`, want: after},
		{desc: "an http offer is never probed", doc: testDoc(1), body: `{"stream":true}`, want: after},
		{desc: "a body beyond the probe bound is forwarded whole", body: big, want: after},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			doc := tc.doc
			if doc == nil {
				doc = inferenceDoc()
			}
			tg := newTestGate(t, doc, nil)
			method := tc.method
			if method == "" {
				method = "POST"
			}
			req := httptest.NewRequest(method, base+"/forecast/chat", strings.NewReader(tc.body))
			req.RequestURI = req.URL.RequestURI()
			ctype := tc.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set(x402.HeaderPaymentSignature, encode(t, paymentV2(requirementOf(basePayment()))))
			rec := httptest.NewRecorder()
			tg.g.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			if got := strings.Join(tg.ev.list(), ","); got != tc.want {
				t.Fatalf("order %s, want %s", got, tc.want)
			}
			tg.up.mu.Lock()
			got := tg.up.reqBody
			tg.up.mu.Unlock()
			if got != tc.body {
				t.Fatalf("upstream got a body of %d bytes, want the %d the client sent", len(got), len(tc.body))
			}
		})
	}
}
