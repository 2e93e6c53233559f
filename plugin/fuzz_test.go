package plugin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// FuzzPaymentHeader throws arbitrary payment headers at a gate whose facilitator
// refuses everything: whatever the input, nothing may reach the upstream, the gate may
// not panic, and every answer is a structured refusal.
func FuzzPaymentHeader(f *testing.F) {
	f.Add(x402.HeaderPaymentSignature, "")
	f.Add(x402.HeaderXPayment, "e30=")
	f.Add(x402.HeaderPaymentSignature, "eyJ4NDAyVmVyc2lvbiI6Mn0")
	f.Add(x402.HeaderPaymentSignature, "not base64 at all")
	f.Fuzz(func(t *testing.T, name, value string) {
		tg := fuzzGate(t)
		if name != x402.HeaderXPayment {
			name = x402.HeaderPaymentSignature
		}
		req := httptest.NewRequest("GET", base+"/forecast/a", nil)
		req.Header.Set(name, value)
		rec := httptest.NewRecorder()
		tg.g.ServeHTTP(rec, req)
		if tg.up.calls.Load() != 0 {
			t.Fatalf("a refused payment reached the upstream (status %d)", rec.Code)
		}
		switch rec.Code {
		case 400, 402, 503:
		default:
			if value != "" {
				t.Fatalf("status %d", rec.Code)
			}
		}
		if rec.Code != 402 || value != "" {
			var eb x402.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Reason == "" {
				t.Fatalf("answer is not a structured refusal: %q", rec.Body.String())
			}
		}
	})
}

var fuzzGateShared *testGate

// fuzzGate builds one gate for all fuzz iterations, outside any test's cleanup (a
// gate per input would spend the fuzzing time waiting for file polls).
func fuzzGate(t *testing.T) *testGate {
	if fuzzGateShared == nil {
		fac := &fakeFacilitator{verifyMode: "invalid", settleMode: "fail"}
		fac.srv = httptest.NewServer(http.HandlerFunc(fac.serve))
		cfg := CreateConfig()
		cfg.Offer = testOfferNS + "/" + testOffer
		cfg.RoutesFile = "/nonexistent/fuzz/routes.json"
		cfg.FacilitatorURL = fac.srv.URL
		s, err := cfg.validate()
		if err != nil {
			t.Fatal(err)
		}
		m := metrics.NewRegistry()
		l := newLoader("fuzz", m)
		raw, _ := json.Marshal(testDoc(1))
		l.apply(raw)
		up := &upstream{}
		g := &Gate{next: up, name: "fuzz", s: s, loader: l, fac: reg.facilitator(s), replay: replay.New(1 << 20), answers: answers.New(1 << 20),
			metrics: m, now: func() time.Time { return fixedNow }}
		fuzzGateShared = &testGate{g: g, fac: fac, up: up}
	}
	fuzzGateShared.up.calls.Store(0)
	return fuzzGateShared
}

// FuzzCompileAndServe feeds arbitrary routes documents through Parse and compile and
// serves an unpaid request for every offer: a document the parser accepts must
// compile, and every challenge must decode.
func FuzzCompileAndServe(f *testing.F) {
	raw, _ := json.Marshal(testDoc(1))
	f.Add(raw)
	f.Add([]byte(`{"schema":"` + routes.Schema + `","generation":1,"offers":[]}`))
	f.Add([]byte(`{"schema":"` + routes.Schema + `","generation":2,"offers":[{"namespace":"a","name":"b","state":"active","pathPrefix":"/","payments":[{"scheme":"exact","network":"eip155:1","amount":"1","asset":"0x0000000000000000000000000000000000000001","payTo":"0x0000000000000000000000000000000000000002","maxTimeoutSeconds":1,"eip712Name":"\"<>&","eip712Version":"\u2028"}],"paths":[{"pattern":"/*/x/*"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := routes.Parse(data)
		if err != nil {
			return
		}
		tb, err := compileTable(doc, metrics.NewRegistry())
		if err != nil {
			t.Fatalf("a valid document did not compile: %v", err)
		}
		for key := range tb.offers {
			o := offerOf(tb, key)
			if o == nil {
				t.Fatalf("offer %s of a valid document did not compile", key)
			}
			ps := o.def
			if o.re != nil || o.trie != nil {
				if r := route(o, "GET", "/x/y"); r != nil {
					if r.free {
						continue
					}
					ps = r.prices
				}
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "https://h.example/x/y?q=%22\u2028", nil)
			unpaid(&Gate{s: &settings{}}, rec, req, ps)
			pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
			if len(pr.Accepts) != len(ps.Options) || !strings.HasSuffix(pr.Resource.URL, "/x/y?q=%22\u2028") {
				t.Fatalf("challenge does not round-trip: %+v", pr)
			}
			var v1 x402.PaymentRequiredV1
			if err := json.Unmarshal(rec.Body.Bytes(), &v1); err != nil {
				t.Fatalf("v1 body: %v", err)
			}
		}
	})
}
