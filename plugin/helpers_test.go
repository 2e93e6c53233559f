package plugin

// Test helpers shared by the plugin's tests. Only the standard library and the
// testing package: these tests also run under `yaegi test`.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// fixedNow is the fake clock every test uses.
var fixedNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	testPayTo   = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
	testAsset   = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	testPayer   = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
	testLocal   = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
	testTxHash  = "0x1111111111111111111111111111111111111111111111111111111111111111"
	testOfferNS = "shop"
	testOffer   = "weather"
)

func basePayment() routes.Payment {
	return routes.Payment{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: testAsset, PayTo: testPayTo,
		MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6}
}

func localPayment() routes.Payment {
	return routes.Payment{Scheme: "exact", Network: "eip155:31337", Amount: "2500", Asset: testLocal, PayTo: testPayTo,
		MaxTimeoutSeconds: 60, EIP712Name: "Turnpike USD", EIP712Version: "1", AssetSymbol: "", AssetDecimals: 6}
}

// testDoc is a document with one offer under /services/weather: /free is free, /stream
// settles before, /premium/* costs more, /forecast/* and / are charged normally.
func testDoc(gen int64) *routes.Document {
	premium := basePayment()
	premium.Amount = "50000"
	return &routes.Document{
		Schema:     routes.Schema,
		Generation: gen,
		Offers: []routes.Offer{{
			Namespace: testOfferNS, Name: testOffer, State: routes.StateActive,
			PathPrefix:  "/services/weather",
			Description: "Weather <now>",
			Payments:    []routes.Payment{basePayment(), localPayment()},
			Paths: []routes.PathRule{
				{Pattern: "/free", Free: true},
				{Pattern: "/health", Methods: []string{"GET"}, Free: true},
				{Pattern: "/stream", Settlement: routes.SettleBefore},
				{Pattern: "/premium/*", Payments: []routes.Payment{premium}},
				{Pattern: "/v1/*/items"},
				{Pattern: "/forecast/*"},
				{Pattern: "/"},
			},
		}, {
			Namespace: "shop", Name: "gone", State: routes.StateDraining, DrainEndsAt: "2025-12-31T00:00:00Z",
			PathPrefix: "/services/gone", Payments: []routes.Payment{basePayment()},
		}, {
			Namespace: "shop", Name: "leaving", State: routes.StateDraining, DrainEndsAt: "2026-02-01T00:00:00Z",
			PathPrefix: "/services/leaving", Payments: []routes.Payment{basePayment()},
		}},
	}
}

// writeDoc takes the concrete type: under Yaegi v0.16.1, json.Marshal of an
// interpreted struct that went through an interface variable can yield "{}".
func writeDoc(t *testing.T, path string, doc *routes.Document) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal doc: %v", err)
	}
	writeFileAtomic(t, path, raw)
}

func writeFileAtomic(t *testing.T, path string, raw []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatalf("rename: %v", err)
	}
}

// fakeFacilitator answers /verify and /settle as told and records the calls.
type fakeFacilitator struct {
	srv *httptest.Server

	mu         sync.Mutex
	verifyMode string // ok | invalid | down | garbage | claimed | settled
	settleMode string // ok | fail | pending | down | timeout | reset | unexpected
	// noClaim: answer like a third-party facilitator, without the turnpike-claim.
	noClaim bool
	// claimFor: confirm a claim for this attempt instead of the caller's.
	claimFor string
	// verifyHook runs while a /verify is being answered (before the claim is taken).
	verifyHook func()
	// settleOKFrom: from this settle call on (1-based), answer ok whatever settleMode
	// says (0: never): a reconciliation that succeeds.
	settleOKFrom int64
	// attempts records X-Turnpike-Attempt per call, as "path attempt".
	attempts     []string
	releaseCalls atomic.Int64
	verifies     []x402.VerifyRequest
	settles      []x402.VerifyRequest
	events       *eventLog
	verifyCalls  atomic.Int64
	settleCalls  atomic.Int64
}

type eventLog struct {
	mu sync.Mutex
	ev []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	l.ev = append(l.ev, s)
	l.mu.Unlock()
}

func (l *eventLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.ev))
	copy(out, l.ev)
	return out
}

func newFakeFacilitator(t *testing.T, events *eventLog) *fakeFacilitator {
	f := &fakeFacilitator{verifyMode: "ok", settleMode: "ok", events: events}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func (f *fakeFacilitator) set(verify, settle string) {
	f.mu.Lock()
	f.verifyMode, f.settleMode = verify, settle
	f.mu.Unlock()
}

func (f *fakeFacilitator) serve(w http.ResponseWriter, r *http.Request) {
	var req x402.VerifyRequest
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &req)
	f.mu.Lock()
	vm, sm, noClaim, okFrom, verifyHook := f.verifyMode, f.settleMode, f.noClaim, f.settleOKFrom, f.verifyHook
	attempt := r.Header.Get(x402.HeaderAttempt)
	f.attempts = append(f.attempts, r.URL.Path+" "+attempt)
	if r.URL.Path == "/verify" {
		f.verifies = append(f.verifies, req)
	} else if r.URL.Path == "/settle" {
		f.settles = append(f.settles, req)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/verify":
		f.verifyCalls.Add(1)
		if f.events != nil {
			f.events.add("verify")
		}
		if verifyHook != nil {
			verifyHook()
			if f.events != nil {
				f.events.add("claimed")
			}
		}
		switch vm {
		case "ok":
			ext := ""
			if claimFor := f.claimFor; claimFor != "" {
				ext = `,"extensions":{"turnpike-claim":{"attempt":"` + claimFor + `","expiresAt":4102444800}}`
			} else if !noClaim && attempt != "" {
				ext = `,"extensions":{"turnpike-claim":{"attempt":"` + attempt + `","expiresAt":4102444800}}`
			}
			_, _ = io.WriteString(w, `{"isValid":true,"payer":"`+testPayer+`"`+ext+`}`)
		case "claimed", "settled":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"isValid":false,"invalidReason":"authorization_`+vm+`","payer":"`+testPayer+`"}`)
		case "invalid":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"isValid":false,"invalidReason":"insufficient_funds","invalidMessage":"balance 0","payer":"`+testPayer+`"}`)
		case "garbage":
			_, _ = io.WriteString(w, `<html>oops</html>`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `bad gateway`)
		}
	case "/release":
		f.releaseCalls.Add(1)
		if f.events != nil {
			f.events.add("release")
		}
		_, _ = io.WriteString(w, `{"released":true}`)
	case "/settle":
		n := f.settleCalls.Add(1)
		if f.events != nil {
			f.events.add("settle")
		}
		if okFrom > 0 && n >= okFrom {
			sm = "ok"
		}
		switch sm {
		case "timeout":
			time.Sleep(300 * time.Millisecond)
			w.WriteHeader(http.StatusGatewayTimeout)
		case "reset":
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
				}
			}
		case "unexpected":
			_, _ = io.WriteString(w, `{"success":false,"errorReason":"unexpected_settle_error","errorMessage":"request ended before the settlement finished","transaction":"","network":"eip155:84532","payer":"`+testPayer+`"}`)
		case "ok":
			_, _ = io.WriteString(w, `{"success":true,"transaction":"`+testTxHash+`","network":"eip155:84532","payer":"`+testPayer+`"}`)
		case "fail":
			_, _ = io.WriteString(w, `{"success":false,"errorReason":"invalid_exact_evm_transaction_failed","transaction":"","network":"eip155:84532","payer":"`+testPayer+`"}`)
		case "pending":
			_, _ = io.WriteString(w, `{"success":false,"errorReason":"settlement_pending","transaction":"`+testTxHash+`","network":"eip155:84532","payer":"`+testPayer+`"}`)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `internal error`)
		}
	default:
		http.NotFound(w, r)
	}
}

// upstream records what reached the service.
type upstream struct {
	calls   atomic.Int64
	mu      sync.Mutex
	headers http.Header
	path    string // the request's path as it arrived
	reqBody string // the request body as it arrived
	writer  http.ResponseWriter
	status  int
	body    string
	events  *eventLog
	block   chan struct{} // when set, the handler waits on it
	entered chan struct{}
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	reqBody, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.headers = r.Header.Clone()
	u.path = r.URL.Path
	u.reqBody = string(reqBody)
	u.writer = w
	status, body, block, entered := u.status, u.body, u.block, u.entered
	u.mu.Unlock()
	if u.events != nil {
		u.events.add("upstream")
	}
	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		<-block
	}
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(status)
	if body == "" {
		body = "sunny"
	}
	_, _ = io.WriteString(w, body)
}

type testGate struct {
	g    *Gate
	fac  *fakeFacilitator
	up   *upstream
	dir  string
	file string
	ev   *eventLog
	// stop ends the gate instance as Traefik does when its configuration goes away
	// (the test's cleanup does it anyway).
	stop context.CancelFunc
}

// newTestGate starts a gate on a fresh routes file and waits until it loaded.
func newTestGate(t *testing.T, doc *routes.Document, mutate func(c *Config)) *testGate {
	t.Helper()
	ev := &eventLog{}
	tg := &testGate{fac: newFakeFacilitator(t, ev), up: &upstream{events: ev}, dir: t.TempDir(), ev: ev}
	tg.file = filepath.Join(tg.dir, routes.DataKey)
	if doc != nil {
		writeDoc(t, tg.file, doc)
	}
	cfg := CreateConfig()
	cfg.Offer = testOfferNS + "/" + testOffer
	cfg.RoutesFile = tg.file
	cfg.FacilitatorURL = tg.fac.srv.URL
	cfg.PollIntervalMs = 20
	cfg.PayerHeader = "X-Turnpike-Payer"
	if mutate != nil {
		mutate(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	tg.stop = cancel
	h, err := New(ctx, tg.up, cfg, "test@file")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tg.g = h.(*Gate)
	tg.g.now = func() time.Time { return fixedNow }
	tg.g.replay = replay.New(1000)
	tg.g.answers = answers.New(64 << 20)
	if doc != nil {
		waitFor(t, "routes loaded", func() bool { return tg.g.loader.table() != nil })
	}
	return tg
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

var nonceCounter atomic.Int64

func nextNonce() string {
	return fmt.Sprintf("0x%064x", nonceCounter.Add(1))
}

func requirementOf(p routes.Payment) x402.Requirements {
	extra, _ := json.Marshal(x402.EIP712Extra{Name: p.EIP712Name, Version: p.EIP712Version, Pricing: p.Pricing})
	return x402.Requirements{Scheme: p.Scheme, Network: p.Network, Amount: p.Amount, Asset: p.Asset, PayTo: p.PayTo,
		MaxTimeoutSeconds: p.MaxTimeoutSeconds, Extra: extra}
}

// paymentV2 is a well-formed v2 payload for requirement r.
func paymentV2(r x402.Requirements) *x402.PaymentPayload {
	acc := r
	return &x402.PaymentPayload{
		X402Version: 2,
		Resource:    &x402.ResourceInfo{URL: "http://example.test/services/weather/forecast/today"},
		Accepted:    &acc,
		Payload: x402.ExactEVMPayload{
			Signature: "0x" + strings.Repeat("ab", 65),
			Authorization: x402.Authorization{
				From: testPayer, To: r.PayTo, Value: r.Amount,
				ValidAfter:  fmt.Sprint(fixedNow.Unix() - 600),
				ValidBefore: fmt.Sprint(fixedNow.Unix() + 60),
				Nonce:       nextNonce(),
			},
		},
	}
}

func paymentV1(network, amount string) *x402.PaymentPayload {
	return &x402.PaymentPayload{
		X402Version: 1, Scheme: "exact", Network: network,
		Payload: x402.ExactEVMPayload{
			Signature: "0x" + strings.Repeat("cd", 65),
			Authorization: x402.Authorization{
				From: testPayer, To: testPayTo, Value: amount,
				ValidAfter:  fmt.Sprint(fixedNow.Unix() - 600),
				ValidBefore: fmt.Sprint(fixedNow.Unix() + 60),
				Nonce:       nextNonce(),
			},
		},
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	s, err := x402.EncodeHeader(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return s
}

func decodeRejection(t *testing.T, body []byte) x402.ErrorBody {
	t.Helper()
	var eb x402.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		t.Fatalf("body is not a JSON rejection: %v: %s", err, body)
	}
	return eb
}

func decodePaymentRequired(t *testing.T, h string) x402.PaymentRequired {
	t.Helper()
	var pr x402.PaymentRequired
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("PAYMENT-REQUIRED is not StdEncoding base64: %v", err)
	}
	if err := json.Unmarshal(raw, &pr); err != nil {
		t.Fatalf("PAYMENT-REQUIRED JSON: %v", err)
	}
	return pr
}

// do serves one request shaped as net/http's server hands it over: an origin-form
// request-target, so the gate's per-offer fast cache is exercised too.
func (tg *testGate) do(method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.RequestURI = req.URL.RequestURI()
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	tg.g.ServeHTTP(rec, req)
	return rec
}
