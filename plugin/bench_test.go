package plugin

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

// instantFacilitator answers /verify and /settle in-process, without a socket, so the
// paid-path benchmark measures the gate and not the loopback network.
type instantFacilitator struct{}

var (
	instantVerify = []byte(`{"isValid":true,"payer":"` + testPayer + `"}`)
	instantSettle = []byte(`{"success":true,"transaction":"` + testTxHash + `","network":"eip155:84532","payer":"` + testPayer + `"}`)
)

func (f *instantFacilitator) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := instantVerify
	if strings.HasSuffix(r.URL.Path, "/settle") {
		body = instantSettle
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

// benchGate is a gate with its table loaded directly (no file polling) and the
// in-process facilitator.
func benchGate(b *testing.B, next http.Handler) *Gate {
	cfg := CreateConfig()
	cfg.Offer = testOfferNS + "/" + testOffer
	cfg.RoutesFile = "/nonexistent/bench/routes.json"
	cfg.FacilitatorURL = "http://facilitator.invalid"
	s, err := cfg.validate()
	if err != nil {
		b.Fatal(err)
	}
	m := metrics.NewRegistry()
	l := newLoader("bench", m)
	raw, _ := json.Marshal(testDoc(1))
	l.apply(raw)
	// Through a typed variable: Yaegi cannot put an interpreted value straight into a
	// compiled struct's interface field.
	var rt http.RoundTripper = &instantFacilitator{}
	client, err := x402.NewFacilitatorClient(s.facilitatorURL, &http.Client{Transport: rt})
	if err != nil {
		b.Fatal(err)
	}
	return &Gate{next: next, name: "bench", s: s, loader: l, fac: &facilitator{client: client},
		replay: replay.New(1 << 22), answers: answers.New(64 << 20), metrics: m, now: func() time.Time { return fixedNow }}
}

type okHandler struct{ body []byte }

func (h *okHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(h.body)
}

// BenchmarkBaselineNoop is the floor of this harness: a request through a handler
// that only writes a short answer.
func BenchmarkBaselineNoop(b *testing.B) {
	h := &okHandler{body: []byte("sunny")}
	req := httptest.NewRequest("GET", base+"/forecast/today", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func benchChallenge(b *testing.B, target string) {
	g := benchGate(b, &okHandler{body: []byte("sunny")})
	req := httptest.NewRequest("GET", target, nil)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 402 {
		b.Fatalf("status %d", rec.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// benchChallengeUnique cycles through more distinct URLs than the challenge cache
// holds, so (nearly) every request splices and encodes its own challenge.
func benchChallengeUnique(b *testing.B, prefix string) {
	g := benchGate(b, &okHandler{body: []byte("sunny")})
	reqs := make([]*http.Request, 4*challengeCacheSize)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", prefix+"?i="+strconv.Itoa(i), nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.ServeHTTP(httptest.NewRecorder(), reqs[i%len(reqs)])
	}
}

// BenchmarkChallenge402 measures the unpaid path: match, splice the resource URL
// into the precomputed challenge, encode the header (repeated URLs hit the per-URL
// cache, unique ones do the splice). It should not grow with the URL.
func BenchmarkChallenge402(b *testing.B) {
	b.Run("short_url", func(b *testing.B) { benchChallenge(b, base+"/forecast/a") })
	b.Run("url_200_chars", func(b *testing.B) {
		target := base + "/forecast/" + strings.Repeat("q", 200-len(base+"/forecast/"))
		if len(target) != 200 {
			b.Fatalf("len %d", len(target))
		}
		benchChallenge(b, target)
	})
	b.Run("unique_short_urls", func(b *testing.B) { benchChallengeUnique(b, base+"/forecast/a") })
	b.Run("unique_urls_200_chars", func(b *testing.B) {
		benchChallengeUnique(b, base+"/forecast/"+strings.Repeat("q", 200-len(base+"/forecast/")-len("?i=0000")))
	})
}

// BenchmarkPaid measures a paid request end to end through the gate: decode, match,
// local checks, replay guard, verify, upstream (buffered), settle, receipt.
func BenchmarkPaid(b *testing.B) {
	g := benchGate(b, &okHandler{body: []byte("sunny")})
	r := requirementOf(basePayment())
	next := func() *http.Request {
		req := httptest.NewRequest("GET", base+"/forecast/a", nil)
		req.Header.Set(x402.HeaderPaymentSignature, encode2(b, paymentV2(r)))
		return req
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, next())
	if rec.Code != 200 {
		b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		req := next() // a fresh authorization each time: the replay guard refuses reuse
		b.StartTimer()
		g.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func encode2(b *testing.B, v *x402.PaymentPayload) string {
	s, err := x402.EncodeHeader(v)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
