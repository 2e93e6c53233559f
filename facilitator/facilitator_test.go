package facilitator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestFacilitator(t *testing.T, c *fakeChain, now time.Time, mut func(*Config)) *Facilitator {
	t.Helper()
	cfg := Config{Chains: []Chain{c}, Now: func() time.Time { return now }, ReceiptPoll: time.Millisecond, Logger: quietLogger()}
	if mut != nil {
		mut(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVerifyRejectsMalformedRequests(t *testing.T) {
	fx := newFixture()
	good := fx.payment(eip3009.PaymentOptions{})
	for _, tc := range []struct {
		desc   string
		body   func() []byte
		reason string
	}{
		{"not JSON", func() []byte { return []byte("{") }, x402.ReasonInvalidPayload},
		{"no payload", func() []byte { return body(2, nil, fx.req) }, x402.ReasonInvalidPayload},
		{"no requirements", func() []byte { return body(2, good, nil) }, x402.ReasonInvalidRequirements},
		{"payload not an object", func() []byte { return body(2, "x", fx.req) }, x402.ReasonInvalidPayload},
		{"version 3", func() []byte { p := good; p.X402Version = 3; return body(3, p, fx.req) }, x402.ReasonInvalidVersion},
		{"request version differs", func() []byte { return body(1, good, fx.req) }, x402.ReasonInvalidVersion},
		{"scheme upto", func() []byte { r := fx.req; r.Scheme = "upto"; return body(2, good, r) }, x402.ReasonUnsupportedScheme},
		{"solana network", func() []byte { r := fx.req; r.Network = "solana:abc"; return body(2, good, r) }, x402.ReasonInvalidNetwork},
		{"unserved chain", func() []byte { r := fx.req; r.Network = "eip155:8453"; return body(2, good, r) }, x402.ReasonInvalidNetwork},
		{"fractional amount", func() []byte { r := fx.req; r.Amount = "0.5"; return body(2, good, r) }, x402.ReasonInvalidRequirements},
		{"bad payTo", func() []byte { r := fx.req; r.PayTo = "nobody"; return body(2, good, r) }, x402.ReasonInvalidRequirements},
		{"v2 without accepted", func() []byte { p := good; p.Accepted = nil; return body(2, p, fx.req) }, x402.ReasonInvalidPayload},
		{"payload scheme differs", func() []byte {
			p := good
			a := *p.Accepted
			a.Scheme = "upto"
			p.Accepted = &a
			return body(2, p, fx.req)
		}, x402.ReasonEVMScheme},
		{"payload network differs", func() []byte {
			p := good
			a := *p.Accepted
			a.Network = "eip155:8453"
			p.Accepted = &a
			return body(2, p, fx.req)
		}, x402.ReasonEVMNetworkMismatch},
		{"payload asset differs", func() []byte {
			p := good
			a := *p.Accepted
			a.Asset = "0x0000000000000000000000000000000000000001"
			p.Accepted = &a
			return body(2, p, fx.req)
		}, x402.ReasonEVMPayload},
		{"no EIP-712 domain", func() []byte { r := fx.req; r.Extra = nil; return body(2, good, r) }, x402.ReasonEVMMissingDomain},
		{"no signature", func() []byte { p := good; p.Payload.Signature = ""; return body(2, p, fx.req) }, x402.ReasonEVMMissingSignature},
		{"signature not hex", func() []byte { p := good; p.Payload.Signature = "0xzz"; return body(2, p, fx.req) }, x402.ReasonEVMSignatureFormat},
		{"nonce too short", func() []byte { p := good; p.Payload.Authorization.Nonce = "0x01"; return body(2, p, fx.req) }, x402.ReasonEVMPayload},
		{"value not a number", func() []byte { p := good; p.Payload.Authorization.Value = "1e4"; return body(2, p, fx.req) }, x402.ReasonEVMPayload},
	} {
		c := newFakeChain(common.HexToAddress(fx.req.Asset))
		f := newTestFacilitator(t, c, fx.now, nil)
		got := f.Verify(context.Background(), tc.body())
		if got.IsValid || got.InvalidReason != tc.reason {
			t.Errorf("%s: got valid=%v reason=%q (%s), want %q", tc.desc, got.IsValid, got.InvalidReason, got.InvalidMessage, tc.reason)
		}
		if s := f.Settle(context.Background(), tc.body()); s.Success || s.ErrorReason != tc.reason {
			t.Errorf("%s: settle got success=%v reason=%q, want %q", tc.desc, s.Success, s.ErrorReason, tc.reason)
		}
	}
}

func TestVerifyOfflineAndChainChecks(t *testing.T) {
	fx := newFixture()
	now := fx.now.Unix()
	for _, tc := range []struct {
		desc   string
		opts   eip3009.PaymentOptions
		mutP   func(p *x402.PaymentPayload)
		mutR   func(r *x402.Requirements)
		mutC   func(c *fakeChain)
		reason string // "" = valid
	}{
		{desc: "valid"},
		{desc: "validBefore exactly now+6 is enough", opts: eip3009.PaymentOptions{ValidBefore: big.NewInt(now + 6)}},
		{desc: "validBefore now+5 is too close", opts: eip3009.PaymentOptions{ValidBefore: big.NewInt(now + 5)}, reason: x402.ReasonEVMValidBefore},
		{desc: "validBefore in the past", opts: eip3009.PaymentOptions{ValidBefore: big.NewInt(now - 1)}, reason: x402.ReasonEVMValidBefore},
		{desc: "validAfter == now is allowed", opts: eip3009.PaymentOptions{ValidAfter: big.NewInt(now)}},
		{desc: "validAfter in the future", opts: eip3009.PaymentOptions{ValidAfter: big.NewInt(now + 1)}, reason: x402.ReasonEVMValidAfter},
		{desc: "signed by someone else", mutP: func(p *x402.PaymentPayload) {
			p.Payload.Authorization.From = "0x00000000000000000000000000000000000000bb"
		}, reason: x402.ReasonEVMSignature},
		{desc: "tampered value", mutP: func(p *x402.PaymentPayload) { p.Payload.Authorization.Value = "1" }, reason: x402.ReasonEVMSignature},
		{desc: "short signature", mutP: func(p *x402.PaymentPayload) { p.Payload.Signature = p.Payload.Signature[:130] }, reason: x402.ReasonEVMSignatureFormat},
		{desc: "requirements payTo differs", mutR: func(r *x402.Requirements) {
			r.PayTo = "0x00000000000000000000000000000000000000cc"
		}, reason: x402.ReasonEVMRecipientMismatch},
		{desc: "requirements amount differs", mutR: func(r *x402.Requirements) { r.Amount = "10001" }, reason: x402.ReasonEVMValueMismatch},
		{desc: "domain name in requirements differs from signed", mutR: func(r *x402.Requirements) {
			r.Extra = json.RawMessage(`{"name":"USD Coin","version":"2"}`)
		}, reason: x402.ReasonEVMSignature},
		{desc: "asset is not a contract", mutC: func(c *fakeChain) { c.token.IsContract = false }, reason: x402.ReasonEVMEIP3009NotSupported},
		{desc: "token RPC down", mutC: func(c *fakeChain) { c.tokErr = errors.New("dial tcp: refused") }, reason: x402.ReasonUnexpectedVerifyError},
		{desc: "inspect RPC down", mutC: func(c *fakeChain) { c.inspErr = errors.New("dial tcp: refused") }, reason: x402.ReasonUnexpectedVerifyError},
		{desc: "nonce already used", mutC: func(c *fakeChain) { c.allUsed = true }, reason: x402.ReasonEVMNonceUsed},
		{desc: "insufficient balance", mutC: func(c *fakeChain) { c.balance = big.NewInt(9999) }, reason: x402.ReasonEVMInsufficientBalance},
		{desc: "token name on chain differs", mutC: func(c *fakeChain) { c.token.Name = "USD Coin"; c.simErr = errors.New("invalid signature") }, reason: x402.ReasonEVMTokenNameMismatch},
		{desc: "token version on chain differs", mutC: func(c *fakeChain) { c.token.Version = "1"; c.simErr = errors.New("invalid signature") }, reason: x402.ReasonEVMTokenVersionMismatch},
		{desc: "other simulation failure", mutC: func(c *fakeChain) { c.simErr = errors.New("Pausable: paused") }, reason: x402.ReasonEVMSimulationFailed},
	} {
		c := newFakeChain(common.HexToAddress(fx.req.Asset))
		if tc.mutC != nil {
			tc.mutC(c)
		}
		f := newTestFacilitator(t, c, fx.now, nil)
		p := fx.payment(tc.opts)
		if tc.mutP != nil {
			tc.mutP(&p)
		}
		r := fx.req
		if tc.mutR != nil {
			tc.mutR(&r)
		}
		got := f.Verify(context.Background(), body(2, p, r))
		if tc.reason == "" {
			if !got.IsValid || got.Payer != fx.payer.Hex() {
				t.Errorf("%s: got %+v, want valid with payer %s", tc.desc, got, fx.payer.Hex())
			}
			continue
		}
		if got.IsValid || got.InvalidReason != tc.reason {
			t.Errorf("%s: got valid=%v reason=%q (%s), want %q", tc.desc, got.IsValid, got.InvalidReason, got.InvalidMessage, tc.reason)
		}
	}
}

func TestVerifyV1(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	f := newTestFacilitator(t, c, fx.now, nil)
	v1 := x402.RequirementsV1{Scheme: "exact", Network: "base-sepolia", MaxAmountRequired: "10000", Resource: "https://s/x",
		PayTo: fx.req.PayTo, Asset: fx.req.Asset, MaxTimeoutSeconds: 60, Extra: fx.req.Extra}
	p, err := eip3009.NewPaymentV1(fx.key, v1, eip3009.PaymentOptions{Now: fx.now})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Verify(context.Background(), body(1, p, v1)); !got.IsValid {
		t.Fatalf("v1 verify: %+v", got)
	}
	s := f.Settle(context.Background(), body(1, p, v1))
	if !s.Success || s.Network != "base-sepolia" || s.Transaction == "" {
		t.Fatalf("v1 settle: %+v", s)
	}
	wrong := p
	wrong.Network = "base"
	if got := f.Verify(context.Background(), body(1, wrong, v1)); got.InvalidReason != x402.ReasonEVMNetworkMismatch {
		t.Errorf("v1 network mismatch: %+v", got)
	}
}

func TestSettleConcurrentCollapses(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.submitDelay = 50 * time.Millisecond
	clock := fx.now
	var mu sync.Mutex
	f := newTestFacilitator(t, c, fx.now, func(cfg *Config) {
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	})
	b := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	const n = 50
	answers := make([]x402.SettleResponse, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			answers[i] = f.Settle(context.Background(), b)
		}(i)
	}
	wg.Wait()
	if got := c.submits.Load(); got != 1 {
		t.Fatalf("%d broadcasts, want 1", got)
	}
	for i, a := range answers {
		if !reflect.DeepEqual(a, answers[0]) {
			t.Fatalf("answer %d differs: %+v vs %+v", i, a, answers[0])
		}
	}
	if !answers[0].Success || answers[0].Transaction == "" || answers[0].Payer != fx.payer.Hex() || answers[0].Network != "eip155:84532" {
		t.Fatalf("answer: %+v", answers[0])
	}
	// Later, even after the authorization expired, the same answer comes back.
	mu.Lock()
	clock = clock.Add(time.Hour)
	mu.Unlock()
	if again := f.Settle(context.Background(), b); !reflect.DeepEqual(again, answers[0]) {
		t.Fatalf("later settle: %+v, want %+v", again, answers[0])
	}
	// Verify, on the other hand, refuses the spent authorization.
	mu.Lock()
	clock = fx.now
	mu.Unlock()
	if v := f.Verify(context.Background(), b); v.IsValid || v.InvalidReason != x402.ReasonEVMNonceUsed {
		t.Fatalf("verify after settle: %+v", v)
	}
	if got := c.submits.Load(); got != 1 {
		t.Fatalf("%d broadcasts after repeats, want 1", got)
	}
}

func TestSettleOutcomes(t *testing.T) {
	fx := newFixture()
	for _, tc := range []struct {
		desc    string
		mutC    func(c *fakeChain)
		reason  string
		withTx  bool
		submits int32
	}{
		{desc: "success", withTx: true, submits: 1},
		{desc: "broadcast fails", mutC: func(c *fakeChain) { c.submitErr = errors.New("nonce too low") }, reason: x402.ReasonEVMFailedExecuteTransfer, submits: 1},
		{desc: "receipt reverted", mutC: func(c *fakeChain) { c.revert = true }, reason: x402.ReasonEVMTransactionFailed, withTx: true, submits: 1},
		{desc: "receipt not in time", mutC: func(c *fakeChain) { c.mine = make(chan struct{}) }, reason: x402.ReasonSettlementPending, withTx: true, submits: 1},
		{desc: "insufficient balance, nothing sent", mutC: func(c *fakeChain) { c.balance = big.NewInt(1) }, reason: x402.ReasonEVMInsufficientBalance},
	} {
		c := newFakeChain(common.HexToAddress(fx.req.Asset))
		if tc.mutC != nil {
			tc.mutC(c)
		}
		f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.ReceiptTimeout = 50 * time.Millisecond })
		got := f.Settle(context.Background(), body(2, fx.payment(eip3009.PaymentOptions{}), fx.req))
		if tc.reason == "" && !got.Success || tc.reason != "" && (got.Success || got.ErrorReason != tc.reason) {
			t.Errorf("%s: got %+v, want reason %q", tc.desc, got, tc.reason)
		}
		if (got.Transaction != "") != tc.withTx {
			t.Errorf("%s: transaction %q, want present=%v", tc.desc, got.Transaction, tc.withTx)
		}
		if n := c.submits.Load(); n != tc.submits {
			t.Errorf("%s: %d submits, want %d", tc.desc, n, tc.submits)
		}
	}
}

func TestSettlePendingThenMined(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.mine = make(chan struct{})
	f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.ReceiptTimeout = 30 * time.Millisecond })
	b := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	first := f.Settle(context.Background(), b)
	if first.ErrorReason != x402.ReasonSettlementPending || first.Transaction == "" {
		t.Fatalf("first: %+v", first)
	}
	close(c.mine)
	second := f.Settle(context.Background(), b)
	if !second.Success || second.Transaction != first.Transaction {
		t.Fatalf("second: %+v, want success with tx %s", second, first.Transaction)
	}
	if n := c.submits.Load(); n != 1 {
		t.Fatalf("%d submits, want 1", n)
	}
}

func TestSettleFindsEarlierSettlement(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	p := fx.payment(eip3009.PaymentOptions{})
	b := body(2, p, fx.req)
	// First facilitator settles; a second one (a restart: empty memory) is asked again.
	first := newTestFacilitator(t, c, fx.now, nil).Settle(context.Background(), b)
	if !first.Success {
		t.Fatalf("first settle: %+v", first)
	}
	again := newTestFacilitator(t, c, fx.now, nil).Settle(context.Background(), b)
	if !reflect.DeepEqual(again, first) {
		t.Fatalf("settle after restart: %+v, want %+v", again, first)
	}
	// A different authorization whose nonce was used by someone else is refused.
	a, _ := eip3009.FromWire(p.Payload.Authorization)
	c.mu.Lock()
	c.byNonce = map[common.Hash]common.Hash{}
	c.mu.Unlock()
	if got := newTestFacilitator(t, c, fx.now, nil).Settle(context.Background(), b); got.Success || got.ErrorReason != x402.ReasonEVMNonceUsed {
		t.Fatalf("used nonce without a matching settlement: %+v (nonce %s)", got, a.Nonce.Hex())
	}
}

func TestHTTPHandler(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	reg := prometheus.NewRegistry()
	f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.Registerer = reg })
	srv := httptest.NewServer(f.Handler(reg))
	defer srv.Close()

	client, err := x402.NewFacilitatorClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := json.Marshal(fx.payment(eip3009.PaymentOptions{}))
	rb, _ := json.Marshal(fx.req)
	req := x402.VerifyRequest{X402Version: 2, PaymentPayload: pb, PaymentRequirements: rb}
	v, err := client.Verify(context.Background(), req)
	if err != nil || !v.IsValid {
		t.Fatalf("verify over HTTP: %+v %v", v, err)
	}
	s, err := client.Settle(context.Background(), req)
	if err != nil || !s.Success {
		t.Fatalf("settle over HTTP: %+v %v", s, err)
	}
	sup, err := client.Supported(context.Background())
	if err != nil || len(sup.Kinds) != 2 || sup.Kinds[0].Network != "eip155:84532" || sup.Kinds[1].Network != "base-sepolia" ||
		len(sup.Signers["eip155:*"]) != 1 {
		t.Fatalf("supported: %+v %v", sup, err)
	}
	for _, tc := range []struct {
		desc, method, path, body string
		status                   int
		contains                 string
	}{
		{"healthz", "GET", "/healthz", "", 200, `"ok"`},
		{"readyz", "GET", "/readyz", "", 200, `"ok"`},
		{"metrics", "GET", "/metrics", "", 200, `turnpike_facilitator_requests_total{endpoint="settle",outcome="success"} 1`},
		{"relayer balance metric", "GET", "/metrics", "", 200, `turnpike_facilitator_relayer_balance_wei{chain_id="84532",relayer="0x00000000000000000000000000000000000000AA"} 5e+18`},
		{"verify GET not allowed", "GET", "/verify", "", 405, ""},
		{"oversized body", "POST", "/verify", strings.Repeat("x", maxRequestBytes+1), 400, x402.ReasonInvalidPayload},
		{"garbage body", "POST", "/settle", "nope", 200, x402.ReasonInvalidPayload},
	} {
		r, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%s: HTTP %d %s, want %d containing %q", tc.desc, resp.StatusCode, b, tc.status, tc.contains)
		}
	}
	// Chain RPC down: still alive, not ready.
	c.healthErr = errors.New("dial tcp 127.0.0.1:8545: connection refused")
	for _, tc := range []struct {
		path   string
		status int
	}{{"/healthz", 200}, {"/readyz", 503}} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), "chain_unreachable") {
			t.Errorf("%s with chain down: HTTP %d %s, want %d chain_unreachable", tc.path, resp.StatusCode, b, tc.status)
		}
	}
}

// A reverted settlement leaves the authorization usable: it is not remembered as the
// answer, and a later settle broadcasts again.
func TestSettleRevertIsRetryable(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.revert = true
	f := newTestFacilitator(t, c, fx.now, nil)
	b := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	first := f.Settle(context.Background(), b)
	if first.Success || first.ErrorReason != x402.ReasonEVMTransactionFailed || first.Transaction == "" {
		t.Fatalf("first: %+v", first)
	}
	c.mu.Lock()
	c.revert = false
	c.mu.Unlock()
	second := f.Settle(context.Background(), b)
	if !second.Success || second.Transaction == first.Transaction {
		t.Fatalf("second: %+v (first tx %s)", second, first.Transaction)
	}
	if n := c.submits.Load(); n != 2 {
		t.Fatalf("%d broadcasts, want 2", n)
	}
}

// A broadcast stuck as settlement_pending that the node dropped is broadcast again on
// the next settle; one that is still known is only waited for.
func TestSettlePendingDropped(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.mine = make(chan struct{})
	f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.ReceiptTimeout = 20 * time.Millisecond })
	b := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	first := f.Settle(context.Background(), b)
	if first.ErrorReason != x402.ReasonSettlementPending {
		t.Fatalf("first: %+v", first)
	}
	if again := f.Settle(context.Background(), b); again.ErrorReason != x402.ReasonSettlementPending || again.Transaction != first.Transaction || c.submits.Load() != 1 {
		t.Fatalf("still pending and known: %+v, %d broadcasts", again, c.submits.Load())
	}
	// The pool drops it, and the token never saw it.
	c.mu.Lock()
	c.dropped = map[common.Hash]bool{common.HexToHash(first.Transaction): true}
	delete(c.receipts, common.HexToHash(first.Transaction))
	c.used = map[common.Hash]bool{}
	c.balance = big.NewInt(1_000_000)
	c.mu.Unlock()
	close(c.mine)
	third := f.Settle(context.Background(), b)
	if !third.Success || third.Transaction == first.Transaction || c.submits.Load() != 2 {
		t.Fatalf("after drop: %+v (first %s), %d broadcasts", third, first.Transaction, c.submits.Load())
	}
}
