package buyer_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/challenge"
	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/x402"
)

// BenchmarkPaidCall measures what the buyer adds to one paid call. Both paths talk to
// the same seller (a v2 gate that checks signatures), in the same run, alternating:
//
//	direct: the caller itself sends the request, reads the 402 and retries with a
//	        payment header (parsing the challenge and encoding the header included);
//	buyer:  the caller sends one request to the buyer, which does the same two round
//	        trips plus pool bookkeeping and the durable journal write (fsync) per call.
//
// Reported: p50/p99 of each path and the p50 difference (target <= 1 ms).
func BenchmarkPaidCall(b *testing.B) {
	s := buyertest.NewSeller(x402.V2)
	sellerSrv := httptest.NewServer(s)
	defer sellerSrv.Close()
	key := buyertest.Key(b)
	n := b.N
	direct := buyertest.Sign(b, key, buyertest.Requirement(), n, time.Hour)
	viaBuyer := buyertest.Sign(b, key, buyertest.Requirement(), n, time.Hour)

	dir := b.TempDir()
	buyertest.WriteJSON(b, filepath.Join(dir, "config.json"), upstreamConfig(sellerSrv.URL))
	buyertest.WriteJSON(b, filepath.Join(dir, "auths.json"), map[string]any{"weather": viaBuyer})
	bu, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")},
		StatePath: filepath.Join(dir, "state", "consumed.json"), Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer bu.Close()
	buyerSrv := httptest.NewServer(bu.Handler())
	defer buyerSrv.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	call := func(req *http.Request) *http.Response {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		return resp
	}
	payDirect := func(i int) {
		resp := call(mustReq(b, sellerSrv.URL+"/services/weather/today"))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch, err := challenge.Parse(resp.Header, body)
		if err != nil {
			b.Fatal(err)
		}
		a, err := auth.Parse(direct[i])
		if err != nil {
			b.Fatal(err)
		}
		name, value, err := ch.Header(0, a)
		if err != nil {
			b.Fatal(err)
		}
		req := mustReq(b, sellerSrv.URL+"/services/weather/today")
		req.Header.Set(name, value)
		resp = call(req)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("direct: %d", resp.StatusCode)
		}
	}
	payBuyer := func() {
		resp := call(mustReq(b, buyerSrv.URL+"/upstream/weather/today"))
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("buyer: %d", resp.StatusCode)
		}
	}
	// Warm connections on both paths.
	payDirect(0)
	payBuyer()

	dl := make([]time.Duration, 0, n)
	bl := make([]time.Duration, 0, n)
	b.ResetTimer()
	for i := 1; i < n; i++ {
		t0 := time.Now()
		payDirect(i)
		t1 := time.Now()
		payBuyer()
		t2 := time.Now()
		dl = append(dl, t1.Sub(t0))
		bl = append(bl, t2.Sub(t1))
	}
	b.StopTimer()
	if len(dl) == 0 {
		return
	}
	pd50, pd99 := pct(dl, 50), pct(dl, 99)
	pb50, pb99 := pct(bl, 50), pct(bl, 99)
	b.ReportMetric(float64(pd50.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(pd99.Microseconds()), "direct-p99-µs")
	b.ReportMetric(float64(pb50.Microseconds()), "buyer-p50-µs")
	b.ReportMetric(float64(pb99.Microseconds()), "buyer-p99-µs")
	b.ReportMetric(float64((pb50 - pd50).Microseconds()), "added-p50-µs")
}

func mustReq(b *testing.B, url string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	return req
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}
