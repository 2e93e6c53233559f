//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
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

// TestX402FetchCrossOrigin proves the gate's CORS policy where it matters: in
// Chromium, a page on one origin pays a URL on another (real Traefik with the gate)
// through the official @x402/fetch v2 client, bundled for the browser, signing with
// the wallet injected as window.ethereum. The page must read the 402 and its
// PAYMENT-REQUIRED header, pay, and read the content and the PAYMENT-RESPONSE receipt
// (readable only through Access-Control-Expose-Headers); the transfer must be on
// chain. An offer whose allowOrigins leaves the page's origin out must make the
// browser's fetch fail before anything is signed or moved.
func TestX402FetchCrossOrigin(t *testing.T) {
	bundle := x402BrowserBundle(t)
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address

	open := shopOffer(w.payment(seller))
	closed := routes.Offer{Namespace: "shop", Name: "closed", State: routes.StateActive, PathPrefix: "/closed",
		Payments: []routes.Payment{w.payment(seller)},
		CORS:     &routes.CORS{AllowOrigins: []string{"https://app.example.com"}}}
	up := newUpstream(t)
	tr := startOffers(t, up.URL, gatedOffer{open, w.facURL}, gatedOffer{closed, w.facURL})

	// The page's origin: another listener, so another port, so another origin.
	pageOrigin := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/x402-browser.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(bundle)
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(xoriginPage))
		default:
			http.NotFound(w, r)
		}
	}))
	if o := "http://" + tr.Web; o == pageOrigin {
		t.Fatalf("the page and the gate share the origin %s", o)
	}

	b := browsertest.Start(t)
	key, err := crypto.GenerateKey()
	must(t, err, "buyer key")
	payer := crypto.PubkeyToAddress(key.PublicKey)
	must(t, w.chain.Fund(context.Background(), payer, nil, big.NewInt(1_000_000)), "fund buyer")
	amount, _ := new(big.Int).SetString(price, 10)

	tests := []struct {
		desc  string
		path  string
		check func(t *testing.T, r xoriginResult, wallet *browsertest.Wallet)
		moved *big.Int
	}{
		{desc: "a page on another origin pays with @x402/fetch", path: "/api/report", moved: amount,
			check: func(t *testing.T, r xoriginResult, wallet *browsertest.Wallet) {
				if r.Error != "" || r.Status != http.StatusOK {
					t.Fatalf("status %d, error %s", r.Status, r.Error)
				}
				if len(r.Seen) != 2 || r.Seen[0].Status != http.StatusPaymentRequired || !r.Seen[0].PaymentRequired || r.Seen[1].Status != http.StatusOK {
					t.Errorf("answers the page read %+v, want a 402 with a readable PAYMENT-REQUIRED, then 200", r.Seen)
				}
				if !strings.Contains(r.Body, paidMarker) {
					t.Errorf("body %q lacks the upstream's content", r.Body)
				}
				if r.PaymentResponse == "" {
					t.Fatalf("the page could not read PAYMENT-RESPONSE: Expose-Headers does not work")
				}
				sr := receipt(t, r.PaymentResponse)
				if !sr.Success || !strings.EqualFold(sr.Payer, payer.Hex()) {
					t.Fatalf("receipt %+v", sr)
				}
				checkTransfer(t, w, common.HexToHash(sr.Transaction), payer, seller, amount)
				if n := len(wallet.Signed()); n != 1 {
					t.Errorf("wallet signed %d authorizations, want 1", n)
				}
			}},
		{desc: "an offer that does not list the page's origin is unreadable", path: "/closed/report", moved: new(big.Int),
			check: func(t *testing.T, r xoriginResult, wallet *browsertest.Wallet) {
				// Chromium reports a CORS block to the page as a network error.
				if r.Error == "" || !strings.Contains(r.Error, "Failed to fetch") {
					t.Fatalf("fetch did not fail with a network error: %+v", r)
				}
				if len(r.Seen) != 0 {
					t.Errorf("the page read answers it must not see: %+v", r.Seen)
				}
				if n := len(wallet.Signed()); n != 0 {
					t.Errorf("wallet signed %d authorizations", n)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			wallet := browsertest.NewWallet(key, w.chain.RPCURL(), e2eChainID)
			p := b.NewPage(t, wallet)
			sellerBefore, payerBefore := w.balance(t, seller), w.balance(t, payer)
			must(t, p.Open(pageOrigin+"/?target="+url.QueryEscape(tr.URL(tc.path))), "open the page")
			if st, err := p.WaitAttr("state", 90*time.Second, "done"); err != nil {
				t.Fatalf("state %q: %v", st, err)
			}
			raw, err := p.Eval("window.__result")
			must(t, err, "read the page's result")
			var r xoriginResult
			must(t, json.Unmarshal([]byte(raw), &r), "page result %q", raw)
			t.Logf("page result in %d ms: status %d, answers %+v, error %q", r.MS, r.Status, r.Seen, firstLine(r.Error))
			tc.check(t, r, wallet)
			if d := new(big.Int).Sub(payerBefore, w.balance(t, payer)); d.Cmp(tc.moved) != 0 {
				t.Errorf("payer paid %s, want %s", d, tc.moved)
			}
			if d := new(big.Int).Sub(w.balance(t, seller), sellerBefore); d.Cmp(tc.moved) != 0 {
				t.Errorf("seller received %s, want %s", d, tc.moved)
			}
		})
	}
}

// xoriginPage runs the bundled client on load against ?target= and leaves what it
// read in window.__result.
const xoriginPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>cross-origin x402</title>
<script src="/x402-browser.js"></script></head>
<body><pre id="out">paying…</pre>
<script>
const target = new URL(location.href).searchParams.get("target");
window.turnpikePay(target).then((r) => {
  window.__result = JSON.stringify(r);
  document.getElementById("out").textContent = window.__result;
  document.documentElement.dataset.state = "done";
});
</script></body></html>`

// xoriginResult is what window.turnpikePay (e2e/clients/browser.mjs) returns.
type xoriginResult struct {
	Status          int    `json:"status"`
	PaymentResponse string `json:"paymentResponse"`
	Body            string `json:"body"`
	Error           string `json:"error"`
	MS              int    `json:"ms"`
	Seen            []struct {
		Status          int  `json:"status"`
		PaymentRequired bool `json:"paymentRequired"`
	} `json:"seen"`
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// erc20Transfer is the topic of Transfer(address,address,uint256).
var erc20Transfer = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// checkTransfer asserts that tx succeeded and moved exactly amount of the dev token
// from payer to seller, and nothing else of it.
func checkTransfer(t *testing.T, w *chainWorld, tx common.Hash, payer, seller common.Address, amount *big.Int) {
	t.Helper()
	rcpt, err := w.chain.Client().TransactionReceipt(context.Background(), tx)
	must(t, err, "receipt of %s", tx)
	if rcpt.Status != 1 {
		t.Fatalf("settlement %s failed on chain", tx)
	}
	var moves []string
	for _, l := range rcpt.Logs {
		if l.Address != w.info.Token.Address || len(l.Topics) != 3 || l.Topics[0] != erc20Transfer {
			continue
		}
		from, to := common.BytesToAddress(l.Topics[1].Bytes()), common.BytesToAddress(l.Topics[2].Bytes())
		moves = append(moves, from.Hex()+">"+to.Hex()+":"+new(big.Int).SetBytes(l.Data).String())
	}
	want := payer.Hex() + ">" + seller.Hex() + ":" + amount.String()
	if len(moves) != 1 || moves[0] != want {
		t.Errorf("token transfers in %s: %v, want [%s]", tx, moves, want)
	}
}

// x402BrowserBundle bundles e2e/clients/browser.mjs (the official @x402/fetch, @x402/evm
// and viem from e2e/clients/package-lock.json) for the browser with the esbuild that
// lock pins, once per entry file, into the clients' cache folder. No CDN is involved.
func x402BrowserBundle(t *testing.T) []byte {
	t.Helper()
	if _, err := browsertest.Chromium(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir := npmClients(t)
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "e2e", "clients", "browser.mjs"))
	must(t, err, "read browser.mjs")
	sum := sha256.Sum256(src)
	out := filepath.Join(dir, "x402-browser-"+hex.EncodeToString(sum[:6])+".js")
	if b, err := os.ReadFile(out); err == nil && len(b) > 0 {
		return b
	}
	// The entry must sit next to node_modules for esbuild to resolve the packages.
	entry, err := os.CreateTemp(dir, ".browser-*.mjs")
	must(t, err, "stage browser.mjs")
	defer os.Remove(entry.Name())
	_, err = entry.Write(src)
	must(t, err, "stage browser.mjs")
	must(t, entry.Close(), "stage browser.mjs")
	tmp := out + ".tmp"
	// .bin/esbuild is the native binary or npm's node shim for it; either runs as is.
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "esbuild"), entry.Name(), "--bundle", "--format=iife", "--platform=browser", "--target=chrome110",
		"--minify", "--log-level=warning", "--outfile="+tmp)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	must(t, os.Rename(tmp, out), "keep the bundle")
	b, err := os.ReadFile(out)
	must(t, err, "read the bundle")
	t.Logf("bundled @x402/fetch for the browser: %d bytes", len(b))
	return b
}
