//go:build e2e

package e2e

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/internal/browsertest"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// TestPaywallInChromium pays the gate inside real Traefik from its browser paywall:
// headless Chromium, a wallet injected into the page that signs with a dev key, the
// dev chain and our facilitator. The test clicks through every state a person can
// meet and checks the content shown and the exact transfer on chain. With
// TURNPIKE_SCREENSHOTS=1 it saves each state to docs/paywall/<state>.png.
func TestPaywallInChromium(t *testing.T) {
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address
	rejecter := settleRejecter(t, w.facURL)

	api := shopOffer(w.payment(seller))
	rej := routes.Offer{Namespace: "shop", Name: "rejects", State: routes.StateActive, PathPrefix: "/rej",
		Payments: []routes.Payment{w.payment(seller)}}
	up := newUpstream(t)
	tr := startOffers(t, up.URL, gatedOffer{api, w.facURL}, gatedOffer{rej, rejecter})

	shots := ""
	if os.Getenv("TURNPIKE_SCREENSHOTS") != "" {
		shots = filepath.Join(testenv.RepoRoot(t), "docs", "paywall")
	}
	shot := func(p *browsertest.Page, name string) {
		t.Helper()
		if shots != "" {
			must(t, p.Screenshot(filepath.Join(shots, name+".png")), "screenshot %s", name)
		}
	}
	b := browsertest.Start(t)

	t.Run("no wallet", func(t *testing.T) {
		p := b.NewPage(t, nil)
		must(t, p.Open(tr.URL("/api/report")), "open paywall")
		if st, err := p.WaitAttr("state", 15*time.Second, "no-wallet"); err != nil {
			t.Fatalf("state %q: %v", st, err)
		}
		if s := p.Text("table"); !strings.Contains(s, "Base Sepolia") || !strings.Contains(s, "per request") {
			t.Errorf("price table %q lacks the network name or 'per request'", s)
		}
		shot(p, "no-wallet")
	})

	// A fresh buyer without tokens, on Ethereum, whose wallet has not added Base
	// Sepolia yet.
	key, err := crypto.GenerateKey()
	must(t, err, "buyer key")
	payer := crypto.PubkeyToAddress(key.PublicKey)
	wallet := browsertest.NewWallet(key, w.chain.RPCURL(), 1)
	wallet.Forget(e2eChainID)
	p := b.NewPage(t, wallet)
	must(t, p.Open(tr.URL("/api/report")), "open paywall")
	if st, err := p.WaitAttr("state", 15*time.Second, "ready"); err != nil {
		t.Fatalf("state %q: %v", st, err)
	}
	shot(p, "ready")
	click := func(p *browsertest.Page, desc, want string) {
		t.Helper()
		must(t, p.Click("#go"), "%s: click", desc)
		st, err := p.WaitAttr("state", 60*time.Second, want, "error", "refused", "paid")
		if err != nil || st != want {
			t.Fatalf("%s: state %q (%v), want %s; status %q", desc, st, err, want, p.Text("#status"))
		}
		t.Logf("%s: %s", desc, p.Text("#status"))
		shot(p, want)
	}
	click(p, "wallet on the wrong chain", "wrong-chain")
	// The page checks the balance before it asks for a signature, so an empty
	// wallet stops at "insufficient" and never sees a signing prompt.
	click(p, "switch, then no tokens", "insufficient")
	if wallet.ChainID() != e2eChainID {
		t.Fatalf("wallet on chain %d after switching, want %d", wallet.ChainID(), e2eChainID)
	}
	must(t, w.chain.Fund(context.Background(), payer, nil, big.NewInt(1_000_000)), "fund buyer")
	wallet.RejectSignatures(true)
	click(p, "decline the signature", "rejected")
	wallet.RejectSignatures(false)

	sellerBefore, payerBefore := w.balance(t, seller), w.balance(t, payer)
	t.Run("refused by the facilitator", func(t *testing.T) {
		rp := b.NewPage(t, wallet)
		must(t, rp.Open(tr.URL("/rej/report")), "open paywall")
		if st, err := rp.WaitAttr("state", 15*time.Second, "ready"); err != nil {
			t.Fatalf("state %q: %v", st, err)
		}
		click(rp, "settlement fails", "refused")
		if s := rp.Text("#status"); !strings.Contains(s, "refused") || !strings.Contains(s, "(") {
			t.Errorf("refusal %q does not give the gate's reason", s)
		}
	})
	if d := new(big.Int).Sub(payerBefore, w.balance(t, payer)); d.Sign() != 0 {
		t.Fatalf("a refused payment moved %s", d)
	}

	click(p, "pay", "paid")
	if s := p.Text("#content"); !strings.Contains(s, paidMarker) {
		t.Fatalf("content shown %q, want the upstream's answer", s)
	}
	tx, err := p.Eval("document.getElementById('receipt').dataset.tx")
	must(t, err, "receipt transaction")
	rcpt, err := w.chain.Client().TransactionReceipt(context.Background(), common.HexToHash(tx))
	must(t, err, "receipt of %s", tx)
	if rcpt.Status != 1 {
		t.Fatalf("settlement %s failed on chain", tx)
	}
	amount, _ := new(big.Int).SetString(price, 10)
	if d := new(big.Int).Sub(payerBefore, w.balance(t, payer)); d.Cmp(amount) != 0 {
		t.Errorf("payer paid %s, want %s", d, amount)
	}
	if d := new(big.Int).Sub(w.balance(t, seller), sellerBefore); d.Cmp(amount) != 0 {
		t.Errorf("seller received %s, want %s", d, amount)
	}
	calls := strings.Join(wallet.Calls(), " ")
	for _, m := range []string{"wallet_switchEthereumChain", "wallet_addEthereumChain", "eth_call", "eth_signTypedData_v4"} {
		if !strings.Contains(calls, m) {
			t.Errorf("the page never called %s: %s", m, calls)
		}
	}
	t.Logf("paid through the paywall: tx %s", tx)
}
