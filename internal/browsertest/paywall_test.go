package browsertest

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	testChain = 84532
	testToken = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	testPayTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
)

// fakeGate answers like the gate for one offer: the paywall without a payment, the
// content for a payment whose signature recovers to its `from`, a refusal when told.
// The real gate is proven in e2e/paywall_e2e_test.go; this one keeps the page's own
// states quick to check.
type fakeGate struct {
	set     *challenge.Set
	refuse  atomic.Bool
	balance atomic.Int64
}

func newFakeGate(t *testing.T) (*fakeGate, *httptest.Server, *httptest.Server) {
	t.Helper()
	src := &routes.Offer{Namespace: "shop", Name: "weather", State: routes.StateActive, PathPrefix: "/w",
		Payments: []routes.Payment{{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: testToken,
			PayTo: testPayTo, MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6}}}
	set, err := challenge.Compile(src, src.Payments, "Today's weather", "application/json", metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGate{set: set}
	g.balance.Store(1_000_000)
	gate := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(gate.Close)
	// A chain that answers balanceOf with the balance the test sets.
	rpc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		res := hexutil.EncodeBig(big.NewInt(g.balance.Load()))
		_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": "0x" + strings.Repeat("0", 64-len(res)+2) + res[2:]})
	}))
	t.Cleanup(rpc.Close)
	return g, gate, rpc
}

func (g *fakeGate) serve(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Get(x402.HeaderPaymentSignature)
	if h == "" {
		challenge.WritePaywall(w, g.set, "http://"+r.Host+r.URL.RequestURI())
		return
	}
	var pl x402.PaymentPayload
	if err := x402.DecodeHeader(h, 0, &pl); err != nil || pl.Accepted == nil {
		http.Error(w, "bad payment", http.StatusBadRequest)
		return
	}
	if g.refuse.Load() {
		challenge.WriteRefusal(w, g.set, "http://"+r.Host+r.URL.RequestURI(), http.StatusPaymentRequired,
			challenge.Refusal{Error: "insufficient_funds", Reason: "payment_invalid", Message: "the facilitator refused the payment: insufficient_funds"})
		return
	}
	a, err := eip3009.FromWire(pl.Payload.Authorization)
	sig, err2 := eip3009.ParseSignature(pl.Payload.Signature)
	dom, err3 := eip3009.DomainFor(pl.Accepted.Network, pl.Accepted.Asset, pl.Accepted.Extra)
	if err != nil || err2 != nil || err3 != nil || eip3009.Verify(dom, eip3009.Transfer, a, sig) != nil || a.Value.String() != "10000" {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	rc, _ := x402.EncodeHeader(x402.SettleResponse{Success: true, Transaction: "0x" + strings.Repeat("ab", 32), Network: pl.Accepted.Network, Payer: a.From.Hex()})
	w.Header().Set(x402.HeaderPaymentResponse, rc)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"forecast":"sunny, paid"}`))
}

// screenshot saves the page for docs/paywall when TURNPIKE_SCREENSHOTS is set.
func screenshot(t *testing.T, p *Page, name string) {
	t.Helper()
	if os.Getenv("TURNPIKE_SCREENSHOTS") == "" {
		return
	}
	root, err := filepath.Abs(filepath.Join("..", "..", "docs", "paywall"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Screenshot(filepath.Join(root, name+".png")); err != nil {
		t.Fatal(err)
	}
}

func TestPaywallWithoutWallet(t *testing.T) {
	_, gate, _ := newFakeGate(t)
	b := Start(t)
	p := b.NewPage(t, nil)
	if err := p.Open(gate.URL + "/w/today"); err != nil {
		t.Fatal(err)
	}
	if st, err := p.WaitAttr("state", 10*time.Second, "no-wallet"); err != nil {
		t.Fatalf("state %q: %v", st, err)
	}
	if s := p.Text("#status"); !strings.Contains(s, "No browser wallet") {
		t.Fatalf("status %q", s)
	}
	if s := p.Text("table"); !strings.Contains(s, "Base Sepolia") || !strings.Contains(s, "per request") {
		t.Fatalf("table %q lacks the network name or 'per request'", s)
	}
	screenshot(t, p, "no-wallet")
}

// TestPaywallStates clicks through every state of the page with the injected wallet.
func TestPaywallStates(t *testing.T) {
	g, gate, rpc := newFakeGate(t)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	w := NewWallet(key, rpc.URL, 1)
	w.Forget(testChain) // the wallet must add Base Sepolia before switching to it
	b := Start(t)
	p := b.NewPage(t, w)
	if err := p.Open(gate.URL + "/w/today"); err != nil {
		t.Fatal(err)
	}
	step := func(desc, want string, setup func()) {
		t.Helper()
		if setup != nil {
			setup()
		}
		if err := p.Click("#go"); err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
		st, err := p.WaitAttr("state", 20*time.Second, want, "error")
		if err != nil || st != want {
			t.Fatalf("%s: state %q (%v), status %q", desc, st, err, p.Text("#status"))
		}
		screenshot(t, p, want)
	}
	if st, err := p.WaitAttr("state", 10*time.Second, "ready"); err != nil {
		t.Fatalf("state %q: %v", st, err)
	}
	screenshot(t, p, "ready")
	step("wallet on Ethereum", "wrong-chain", nil)
	step("switch (after adding the chain), then decline", "rejected", func() { w.RejectSignatures(true) })
	if w.ChainID() != testChain {
		t.Fatalf("wallet on chain %d after the switch, want %d", w.ChainID(), testChain)
	}
	step("empty balance", "insufficient", func() { w.RejectSignatures(false); g.balance.Store(9_999) })
	step("the gate refuses", "refused", func() { g.balance.Store(1_000_000); g.refuse.Store(true) })
	if s := p.Text("#status"); !strings.Contains(s, "insufficient_funds") {
		t.Fatalf("refusal does not show the gate's reason: %q", s)
	}
	step("paid", "paid", func() { g.refuse.Store(false) })
	if s := p.Text("#content"); !strings.Contains(s, "sunny, paid") {
		t.Fatalf("content %q", s)
	}
	if tx, _ := p.Eval("document.getElementById('receipt').dataset.tx"); tx != "0x"+strings.Repeat("ab", 32) {
		t.Fatalf("receipt tx %q", tx)
	}
	signed := w.Signed()
	if len(signed) != 2 || signed[1].To != common.HexToAddress(testPayTo) || signed[1].Value.Int64() != 10000 {
		t.Fatalf("signed %+v", signed)
	}
	calls := strings.Join(w.Calls(), " ")
	if !strings.Contains(calls, "wallet_addEthereumChain") {
		t.Errorf("the page never added the chain: %s", calls)
	}
}
