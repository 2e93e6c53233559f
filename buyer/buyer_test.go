package buyer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/buyer/state"
	"github.com/turnpike-x402/turnpike/x402"
)

type env struct {
	dir, statePath string
	seller         *buyertest.Seller
	sellerURL      string
	b              *buyer.Buyer
	url            string
	auths          []auth.PreSigned
}

func upstreamConfig(sellerURL string) map[string]any {
	return map[string]any{"upstreams": map[string]any{
		"weather": map[string]any{"url": sellerURL + "/services/weather", "remoteModel": "qwen", "network": "base-sepolia", "payTo": buyertest.PayTo, "asset": buyertest.Asset, "price": buyertest.Price},
	}}
}

func newEnv(t *testing.T, seller *buyertest.Seller, nAuths int) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), seller: seller}
	srv := httptest.NewServer(seller)
	t.Cleanup(srv.Close)
	e.sellerURL = srv.URL
	buyertest.WriteJSON(t, filepath.Join(e.dir, "config.json"), upstreamConfig(srv.URL))
	e.auths = buyertest.Sign(t, buyertest.Key(t), buyertest.Requirement(), nAuths, time.Hour)
	buyertest.WriteJSON(t, filepath.Join(e.dir, "auths.json"), map[string]any{"weather": e.auths})
	e.statePath = filepath.Join(e.dir, "state", "consumed.json")
	e.start(t)
	return e
}

func (e *env) start(t *testing.T) {
	t.Helper()
	b, err := buyer.New(buyer.Options{
		Sources:   config.Sources{ConfigFile: filepath.Join(e.dir, "config.json"), AuthsFile: filepath.Join(e.dir, "auths.json")},
		StatePath: e.statePath,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(func() { srv.Close(); b.Close() })
	e.url = srv.URL
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func reason(t *testing.T, body string) string {
	t.Helper()
	var e x402.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error != e.Reason || e.Reason == "" || e.Message == "" {
		t.Fatalf("not a JSON error with code (error = reason) and message: %q", body)
	}
	return e.Reason
}

func TestPaysInTheSellersVersion(t *testing.T) {
	for _, v := range []int{x402.V1, x402.V2} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			var gotPath, gotQuery string
			s := buyertest.NewSeller(v)
			s.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
				if r.Header.Get(x402.HeaderPaymentSignature) == "" && r.Header.Get(x402.HeaderXPayment) == "" {
					t.Error("upstream handler saw no payment header (fake gate forwards it)")
				}
				_, _ = io.WriteString(w, "forecast")
			})
			e := newEnv(t, s, 3)
			for i := 0; i < 3; i++ {
				code, h, body := get(t, e.url+"/upstream/weather/today?city=x")
				if code != 200 || body != "forecast" {
					t.Fatalf("call %d: %d %q", i, code, body)
				}
				if v == 2 && h.Get(x402.HeaderPaymentResponse) == "" || v == 1 && h.Get(x402.HeaderXPaymentResponse) == "" {
					t.Fatalf("receipt header not passed back: %v", h)
				}
			}
			if gotPath != "/services/weather/today" || gotQuery != "city=x" {
				t.Fatalf("seller saw %s ? %s", gotPath, gotQuery)
			}
			code, _, body := get(t, e.url+"/upstream/weather/today")
			if code != http.StatusServiceUnavailable || reason(t, body) != "pool_exhausted" {
				t.Fatalf("empty pool: %d %s", code, body)
			}
			for k, n := range s.Accepted() {
				if n != 1 {
					t.Fatalf("authorization %s accepted %d times", k, n)
				}
			}
			if len(s.Accepted()) != 3 {
				t.Fatalf("seller accepted %d payments, want 3", len(s.Accepted()))
			}
			recs, err := state.Read(e.statePath)
			if err != nil {
				t.Fatal(err)
			}
			for k := range s.Accepted() {
				if recs[k].Outcome != state.Spent && recs[k].Outcome != state.Held {
					t.Fatalf("accepted authorization %s is not recorded: %+v", k, recs[k])
				}
			}
		})
	}
}

func TestModelRouting(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	var gotModel, gotPath string
	s.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		gotModel, _ = body["model"].(string)
		gotPath = r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"choices":[]}`)
	})
	e := newEnv(t, s, 2)
	for _, tc := range []struct {
		desc, path, model string
		status            int
		reason            string
	}{
		{desc: "LiteLLM public name", path: "/v1/chat/completions", model: "paid/qwen", status: 200},
		{desc: "provider prefix too", path: "/chat/completions", model: "paid/openai/qwen", status: 200},
		{desc: "unknown model", path: "/v1/chat/completions", model: "paid/llama", status: 404, reason: "unknown_model"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			gotModel = ""
			resp, err := http.Post(e.url+tc.path, "application/json", strings.NewReader(`{"model":"`+tc.model+`","messages":[{"role":"user","content":"hi"}]}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			if tc.reason != "" {
				if got := reason(t, string(body)); got != tc.reason {
					t.Fatalf("reason %s", got)
				}
				return
			}
			if gotModel != "qwen" || gotPath != "/services/weather"+tc.path {
				t.Fatalf("seller saw model %q path %q", gotModel, gotPath)
			}
		})
	}
	code, _, body := get(t, e.url+"/v1/models")
	if code != 200 || !strings.Contains(body, `"paid/qwen"`) {
		t.Fatalf("/v1/models: %d %s", code, body)
	}
}

func TestNonceUsedConsumesAndTriesNext(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	e := newEnv(t, s, 3)
	// The first authorization was spent elsewhere (e.g. by a previous buyer that lost
	// its state): the seller says so, the buyer must mark it and use the next.
	first, err := auth.Parse(e.auths[0])
	if err != nil {
		t.Fatal(err)
	}
	s.Refuse = func(p x402.PaymentPayload) (int, string) {
		if auth.Key(p.Payload.Authorization.From, p.Payload.Authorization.Nonce) == first.Key {
			return http.StatusPaymentRequired, x402.ReasonEVMNonceUsed
		}
		return 0, ""
	}
	code, _, body := get(t, e.url+"/upstream/weather/x")
	if code != 200 || body != "paid" {
		t.Fatalf("%d %s", code, body)
	}
	recs, _ := state.Read(e.statePath)
	if recs[first.Key].Outcome != state.Spent {
		t.Fatalf("used authorization recorded as %+v", recs[first.Key])
	}
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 || st.Spent != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRefusalsReleaseOrReject(t *testing.T) {
	for _, tc := range []struct {
		desc      string
		status    int
		reason    string
		remaining int // after one failed call, of 2
		outcome   string
	}{
		{desc: "insufficient funds is transient: released", status: 402, reason: x402.ReasonEVMInsufficientBalance, remaining: 2},
		{desc: "upstream 500 in settle-after mode: released", status: 500, reason: "upstream_error", remaining: 2},
		{desc: "bad signature: rejected for good", status: 402, reason: x402.ReasonEVMSignature, remaining: 1, outcome: state.Rejected},
		{desc: "settlement pending: may be spent, kept", status: 502, reason: x402.ReasonSettlementPending, remaining: 1, outcome: state.Held},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s := buyertest.NewSeller(x402.V2)
			s.Refuse = func(x402.PaymentPayload) (int, string) { return tc.status, tc.reason }
			e := newEnv(t, s, 2)
			code, h, body := get(t, e.url+"/upstream/weather/x")
			if code != tc.status || !strings.Contains(body, tc.reason) || h.Get("X-Turnpike-Buyer-Error") == "" {
				t.Fatalf("caller got %d %q (%v), want the seller's %d with its reason", code, body, h, tc.status)
			}
			st := e.b.Pool().Stats()["weather"]
			if st.Remaining != tc.remaining {
				t.Fatalf("remaining %d, want %d (%+v)", st.Remaining, tc.remaining, st)
			}
			first, _ := auth.Parse(e.auths[0])
			recs, _ := state.Read(e.statePath)
			if recs[first.Key].Outcome != tc.outcome {
				t.Fatalf("first authorization recorded %+v, want %q", recs[first.Key], tc.outcome)
			}
		})
	}
}

func TestConnectionDroppedAfterSendingKeepsItConsumed(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	s.Drop = func(x402.PaymentPayload) bool { return true }
	e := newEnv(t, s, 2)
	code, _, body := get(t, e.url+"/upstream/weather/x")
	if code != http.StatusBadGateway || reason(t, body) != "seller_unreachable" {
		t.Fatalf("%d %s", code, body)
	}
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 || st.Held != 1 {
		t.Fatalf("a possibly spent authorization went back to the pool: %+v", st)
	}
	// net/http must not have re-sent the paid request on its own after the drop.
	if len(s.Accepted()) != 1 || s.Rejected[x402.ReasonEVMNonceUsed] != 0 {
		t.Fatalf("seller saw accepted=%v rejected=%v: the paid request was replayed", s.Accepted(), s.Rejected)
	}
	// Restart: the held one must stay out.
	e.b.Close()
	e.start(t)
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 || st.Held != 1 {
		t.Fatalf("after restart %+v", st)
	}
}

func TestSellerDownBeforeSendingReleases(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	e := newEnv(t, s, 1)
	// Point the config at a closed port: the dial fails, nothing is sent.
	ln := httptest.NewServer(http.NotFoundHandler())
	dead := ln.URL
	ln.Close()
	buyertest.WriteJSON(t, filepath.Join(e.dir, "config.json"), upstreamConfig(dead))
	if changed, err := e.b.Reload(); err != nil || !changed {
		t.Fatalf("reload %v %v", changed, err)
	}
	code, _, body := get(t, e.url+"/upstream/weather/x")
	if code != http.StatusBadGateway || reason(t, body) != "seller_unreachable" {
		t.Fatalf("%d %s", code, body)
	}
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 {
		t.Fatalf("unsent authorization lost: %+v", st)
	}
}

func TestTermsMismatchAndBadChallenge(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	s.Req.Amount = "20000" // the seller doubled its price
	e := newEnv(t, s, 1)
	code, _, body := get(t, e.url+"/upstream/weather/x")
	if code != http.StatusBadGateway || reason(t, body) != "seller_terms_mismatch" || !strings.Contains(body, "amount") {
		t.Fatalf("%d %s", code, body)
	}
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 {
		t.Fatalf("an authorization was spent on a mismatch: %+v", st)
	}

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(402)
		_, _ = io.WriteString(w, "pay up")
	}))
	defer bad.Close()
	buyertest.WriteJSON(t, filepath.Join(e.dir, "config.json"), upstreamConfig(bad.URL))
	if _, err := e.b.Reload(); err != nil {
		t.Fatal(err)
	}
	code, _, body = get(t, e.url+"/upstream/weather/x")
	if code != http.StatusBadGateway || reason(t, body) != "seller_challenge_invalid" {
		t.Fatalf("%d %s", code, body)
	}
}

func TestFreeAnswersPassThrough(t *testing.T) {
	free := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seller", "1")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, "free")
	}))
	defer free.Close()
	e := newEnv(t, buyertest.NewSeller(x402.V2), 1)
	buyertest.WriteJSON(t, filepath.Join(e.dir, "config.json"), upstreamConfig(free.URL))
	if _, err := e.b.Reload(); err != nil {
		t.Fatal(err)
	}
	code, h, body := get(t, e.url+"/upstream/weather/x")
	if code != 201 || body != "free" || h.Get("X-Seller") != "1" {
		t.Fatalf("%d %q %v", code, body, h)
	}
	if st := e.b.Pool().Stats()["weather"]; st.Remaining != 1 {
		t.Fatalf("free call spent an authorization: %+v", st)
	}
}

func TestStreamingIsNotBuffered(t *testing.T) {
	release := make(chan struct{})
	s := buyertest.NewSeller(x402.V2)
	s.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: second\n\n")
	})
	e := newEnv(t, s, 1)
	resp, err := http.Post(e.url+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"paid/qwen","stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	done := make(chan string, 1)
	go func() {
		line, _ := r.ReadString('\n')
		done <- line
	}()
	select {
	case line := <-done:
		if line != "data: first\n" {
			t.Fatalf("first line %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("first event did not arrive while the stream was open: the buyer buffers")
	}
	close(release)
	rest, _ := io.ReadAll(r)
	if !strings.Contains(string(rest), "data: second") {
		t.Fatalf("rest %q", rest)
	}
}

func TestRequestBodyIsReplayedAndCapped(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	var mu sync.Mutex
	var bodies []string
	s.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	})
	e := newEnv(t, s, 2)
	resp, err := http.Post(e.url+"/upstream/weather/x", "text/plain", strings.NewReader("hello body"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(bodies) != 1 || bodies[0] != "hello body" {
		t.Fatalf("%d, paid request bodies %q", resp.StatusCode, bodies)
	}
	big := strings.Repeat("x", 11<<20)
	resp, err = http.Post(e.url+"/upstream/weather/x", "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || reason(t, string(body)) != "request_body_too_large" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestStatusMetricsHealthAndReload(t *testing.T) {
	e := newEnv(t, buyertest.NewSeller(x402.V2), 2)
	if code, _, _ := get(t, e.url+"/upstream/weather/x"); code != 200 {
		t.Fatal(code)
	}
	if code, _, body := get(t, e.url+"/healthz"); code != 200 || body != "ok" {
		t.Fatalf("healthz %d %s", code, body)
	}
	_, _, body := get(t, e.url+"/status")
	var st struct {
		Upstreams map[string]buyer.UpstreamStatus
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	w := st.Upstreams["weather"]
	if w.Remaining != 1 || w.Spent != 1 || w.PublicModel != "paid/qwen" || w.Network != "eip155:84532" {
		t.Fatalf("status %s", body)
	}
	_, _, metrics := get(t, e.url+"/metrics")
	for _, want := range []string{
		`turnpike_buyer_requests_total{chain="eip155:84532",remote_model="qwen",upstream="weather"} 1`,
		`turnpike_buyer_payment_attempts_total{chain="eip155:84532",remote_model="qwen",upstream="weather"} 1`,
		`turnpike_buyer_payment_success_total{chain="eip155:84532",remote_model="qwen",upstream="weather"} 1`,
		`turnpike_buyer_auth_remaining{chain="eip155:84532",remote_model="qwen",upstream="weather"} 1`,
		`turnpike_buyer_auth_spent{chain="eip155:84532",remote_model="qwen",upstream="weather"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %s\n%s", want, metrics)
		}
	}

	// A broken config is refused and the last good one keeps serving.
	if err := os.WriteFile(filepath.Join(e.dir, "config.json"), []byte(`{"upstreams":{"weather":{"url":"ftp://x"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Reload(); err == nil {
		t.Fatal("invalid config accepted")
	}
	if code, _, _ := get(t, e.url+"/upstream/weather/x"); code != 200 {
		t.Fatalf("last good config lost: %d", code)
	}
	// POST /admin/reload answers and a new auths file is picked up.
	resp, err := http.Post(e.url+"/admin/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
}

func TestCorruptStateStopsStartup(t *testing.T) {
	dir := t.TempDir()
	buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), upstreamConfig("http://127.0.0.1:1"))
	statePath := filepath.Join(dir, "consumed.json")
	if err := os.WriteFile(statePath, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json")}, StatePath: statePath})
	if err == nil || !strings.Contains(err.Error(), "kept for inspection") {
		t.Fatalf("err %v", err)
	}
	if raw, _ := os.ReadFile(statePath); string(raw) != "{garbage" {
		t.Fatal("corrupt state file was modified")
	}
}

func TestAdminReloadPicksUpNewAuthsAndConsumedList(t *testing.T) {
	e := newEnv(t, buyertest.NewSeller(x402.V2), 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.b.ReloadLoop(ctx)
	if code, _, _ := get(t, e.url+"/upstream/weather/x"); code != 200 {
		t.Fatal(code)
	}
	first, _ := auth.Parse(e.auths[0])
	_, _, body := get(t, e.url+"/consumed/weather")
	if !strings.Contains(body, first.Key) {
		t.Fatalf("/consumed/weather = %s, want %s", body, first.Key)
	}
	// A ConfigMap update adds two authorizations (the spent one stays listed).
	more := append(e.auths, buyertest.Sign(t, buyertest.Key(t), buyertest.Requirement(), 2, time.Hour)...)
	buyertest.WriteJSON(t, filepath.Join(e.dir, "auths.json"), map[string]any{"weather": more})
	resp, err := http.Post(e.url+"/admin/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.b.Pool().Stats()["weather"].Remaining != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("reload not applied: %+v", e.b.Pool().Stats()["weather"])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := e.b.Pool().Stats()["weather"]; st.Spent != 1 || st.Total != 3 {
		t.Fatalf("after reload %+v", st)
	}
}

// TestConcurrentCallersNeverOverspend: many callers at once against a pool of n: the
// seller accepts exactly n payments, each authorization once, and everyone else gets
// a clear 503.
func TestConcurrentCallersNeverOverspend(t *testing.T) {
	const n, callers = 25, 60
	s := buyertest.NewSeller(x402.V2)
	e := newEnv(t, s, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(e.url + "/upstream/weather/x")
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 503 && !strings.Contains(string(body), "pool_exhausted") {
				t.Errorf("503 without reason: %s", body)
			}
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] != n || codes[503] != callers-n {
		t.Fatalf("answers %v, want %d×200 and %d×503", codes, n, callers-n)
	}
	acc := s.Accepted()
	if len(acc) != n {
		t.Fatalf("seller accepted %d distinct authorizations, want %d", len(acc), n)
	}
	for k, c := range acc {
		if c != 1 {
			t.Fatalf("%s accepted %d times", k, c)
		}
	}
}

func TestEncodedPathReachesSellerEncoded(t *testing.T) {
	s := buyertest.NewSeller(x402.V2)
	var raw string
	s.Upstream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { raw = r.URL.EscapedPath() })
	e := newEnv(t, s, 1)
	if code, _, body := get(t, e.url+"/upstream/weather/files/a%2Fb"); code != 200 || raw != "/services/weather/files/a%2Fb" {
		t.Fatalf("%d %s, seller saw %q", code, body, raw)
	}
	if code, _, body := get(t, e.url+"/upstream/nobody/x"); code != 404 || reason(t, body) != "unknown_upstream" {
		t.Fatalf("unknown upstream: %d %s", code, body)
	}
}
