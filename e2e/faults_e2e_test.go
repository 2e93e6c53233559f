//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestPaidMeansServed: a buyer who paid gets what they paid for, or an answer that is
// true, through real Traefik with the gate under Yaegi, whatever happens between the
// payment and the answer: the buyer drops its connection at several moments, the gate's
// settle call times out before the facilitator finishes, the facilitator answers 500
// after the transfer mined. Each case is checked on chain (exactly one transfer per
// payment), in the gate's metrics (every transfer counted) and by retrying with the
// same payment (the answer, not an error).
func TestPaidMeansServed(t *testing.T) {
	w := startPaidWorld(t)

	// The facilitator as the gate sees it: a proxy that can hold back or break the
	// first /settle answer of each attempt after the real facilitator has answered.
	faults := &settleFaults{target: w.fac.url}
	facURL := serve(t, faults)

	pay := payment(w.info.Network, w.info.Token.Address.Hex(), w.seller.Hex(), price, w.info.Token.Name, w.info.Token.Version)
	pay.AssetSymbol = w.info.Token.Symbol
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(pay))})
	metricsAddr := testutil.FreeAddr(t)
	conf := gateConfig(cm, facURL, metricsAddr)
	conf["settleTimeoutMs"] = 1500
	dyn := newDyn().Plugin("x402", turnpikePlugin, conf).Service("up", w.up.URL).
		Router("paid", "PathPrefix(`/api`)", "up", 0, "x402")
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map(), LogLevel: "INFO"})
	tr.WaitRoute(t, "/api/probe", 30*time.Second)
	testutil.Eventually(t, 15*time.Second, "routes loaded", func() string {
		if a := get(t, tr.URL("/api/item")); a.Status != http.StatusPaymentRequired {
			return a.String()
		}
		return ""
	})
	w.replicas = []string{"http://" + tr.Web}
	w.accepted = paymentRequired(t, tr.URL("/api/item")).Accepts[0]
	charged := func() float64 {
		v, _ := metricValue(scrapeMetrics(t, "http://"+metricsAddr+"/metrics"), "turnpike_charged_requests_total",
			map[string]string{"offer_name": "api"})
		return v
	}

	tests := []struct {
		desc string
		// first sends the payment the first time; the retry is an ordinary request.
		first func(t *testing.T, path, header string)
		fault string
	}{
		{desc: "buyer hangs up at once", first: hangUpAfter(tr.Web, 0)},
		{desc: "buyer hangs up after 50 ms (upstream still working)", first: hangUpAfter(tr.Web, 50*time.Millisecond)},
		{desc: "buyer hangs up after 400 ms (upstream done, settling)", first: hangUpAfter(tr.Web, 400*time.Millisecond)},
		{desc: "buyer hangs up after 1 s", first: hangUpAfter(tr.Web, time.Second)},
		{desc: "gate's settle call times out before the facilitator answers", fault: "slow", first: expectFirst(tr.Web, http.StatusServiceUnavailable, "settlement_unknown")},
		{desc: "facilitator answers 500 after the transfer mined", fault: "error", first: expectFirst(tr.Web, http.StatusServiceUnavailable, "settlement_unknown")},
	}
	for i, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			faults.set(tc.fault)
			defer faults.set("")
			path := fmt.Sprintf("/api/slow/fault-%d", i)
			p, err := eip3009.NewPayment(w.buyer, w.accepted, &x402.ResourceInfo{URL: tr.URL(path)}, eip3009.PaymentOptions{})
			must(t, err, "sign")
			header, err := x402.EncodeHeader(p)
			must(t, err, "encode")
			sellerBefore := w.balance(t, w.seller)
			chargedBefore := charged()

			tc.first(t, path, header)

			// The retry with the same payment gets the paid answer, from the first
			// attempt's settlement or from its own, once the facilitator has settled.
			var a answer
			testutil.Eventually(t, 30*time.Second, "the retry gets the paid answer", func() string {
				a = get(t, tr.URL(path), x402.HeaderPaymentSignature, header)
				if a.Status != http.StatusOK || !strings.Contains(string(a.Body), paidMarker) {
					return a.String()
				}
				return ""
			})
			tx := receipt(t, a.Header.Get(x402.HeaderPaymentResponse)).Transaction
			again := get(t, tr.URL(path), x402.HeaderPaymentSignature, header)
			if again.Status != http.StatusOK || !bytes.Equal(again.Body, a.Body) || receipt(t, again.Header.Get(x402.HeaderPaymentResponse)).Transaction != tx {
				t.Errorf("a second retry got %s, want the same answer and transaction %s", again, tx)
			}
			if d := new(big.Int).Sub(w.balance(t, w.seller), sellerBefore); d.Cmp(big.NewInt(10_000)) != 0 {
				t.Errorf("seller received %s on chain, want exactly one transfer of 10000", d)
			}
			testutil.Eventually(t, 10*time.Second, "the transfer is counted once", func() string {
				if d := charged() - chargedBefore; d != 1 {
					return fmt.Sprintf("turnpike_charged_requests_total moved by %v", d)
				}
				return ""
			})
			if h := w.up.PathHits(path); h < 1 || h > 2 {
				t.Errorf("upstream called %d times (once, or twice when the first call was abandoned with the buyer)", h)
			}
		})
	}
}

// hangUpAfter sends the paid request over a raw connection and closes it after d,
// whatever came back.
func hangUpAfter(addr string, d time.Duration) func(t *testing.T, path, header string) {
	return func(t *testing.T, path, header string) {
		conn, err := net.Dial("tcp", addr)
		must(t, err, "dial")
		_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n%s: %s\r\n\r\n", path, addr, x402.HeaderPaymentSignature, header)
		must(t, err, "send")
		time.Sleep(d)
		_ = conn.Close()
	}
}

// expectFirst sends the paid request and checks the first, true, answer.
func expectFirst(addr string, status int, reason string) func(t *testing.T, path, header string) {
	return func(t *testing.T, path, header string) {
		a := get(t, "http://"+addr+path, x402.HeaderPaymentSignature, header)
		if a.Status != status || reasonIn(a.Body) != reason {
			t.Errorf("first answer %s, want %d %s", a, status, reason)
		}
	}
}

// settleFaults proxies the facilitator; with fault "slow" or "error" the first /settle
// of each attempt is forwarded (the transfer happens) but its answer is held back 3 s
// or replaced by a 500.
type settleFaults struct {
	target string
	mu     sync.Mutex
	fault  string
	seen   map[string]bool
	proxy  *httputil.ReverseProxy
}

func (f *settleFaults) set(fault string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fault = fault
	f.seen = map[string]bool{}
}

func (f *settleFaults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.proxy == nil {
		u, _ := url.Parse(f.target)
		f.proxy = httputil.NewSingleHostReverseProxy(u)
	}
	attempt := r.Header.Get(x402.HeaderAttempt)
	fault := ""
	if r.URL.Path == "/settle" && f.fault != "" && !f.seen[attempt] {
		f.seen[attempt] = true
		fault = f.fault
	}
	proxy := f.proxy
	f.mu.Unlock()
	if fault == "" {
		proxy.ServeHTTP(w, r)
		return
	}
	// Forward for real, read the whole answer, then misbehave.
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequest(http.MethodPost, f.target+"/settle", bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	if fault == "slow" {
		time.Sleep(3 * time.Second)
		w.WriteHeader(http.StatusGatewayTimeout)
		return
	}
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, "internal error after the transfer")
}
