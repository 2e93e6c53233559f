package facilitator

import (
	"bufio"
	"context"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/x402"
)

// interopDir prepares a folder holding the interop scripts next to the official npm
// packages that scripts/install-deps.d/50-x402-interop.sh installed (Node resolves
// ESM imports only from node_modules folders above the importing file).
func interopDir(t testing.TB) string {
	t.Helper()
	modules := filepath.Join(testenv.Cache(), "x402-interop", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@x402", "evm")); err != nil {
		t.Fatalf("official x402 npm packages are not installed in %s: run `make test-deps` (scripts/install-deps.d/50-x402-interop.sh)", modules)
	}
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(testenv.RepoRoot(t), "interop")
	for _, f := range []string{"facilitator.mjs", "sign.mjs", "package.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startOfficialFacilitator runs the official TypeScript facilitator against rpcURL with
// the relayer key and returns a client for it.
func startOfficialFacilitator(t testing.TB, dir, rpcURL string, chainID string, relayerKey string) *x402.FacilitatorClient {
	t.Helper()
	node := testenv.Bin(t, "node")
	cmd := exec.Command(node, "facilitator.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RPC_URL="+rpcURL, "CHAIN_ID="+chainID, "RELAYER_KEY="+relayerKey)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start official facilitator: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		var ready struct {
			Listening string `json:"listening"`
		}
		if !ok || json.Unmarshal([]byte(line), &ready) != nil || ready.Listening == "" {
			t.Fatalf("official facilitator did not start: %q, stderr: %s", line, stderr.String())
		}
		c, err := x402.NewFacilitatorClient("http://"+ready.Listening, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.VerifyTimeout, c.SettleTimeout = 30*time.Second, 60*time.Second
		return c
	case <-time.After(60 * time.Second):
		t.Fatalf("official facilitator did not start within 60 s, stderr: %s", stderr.String())
	}
	return nil
}

// officialSign has the official x402 client sign a payment for req.
func officialSign(t testing.TB, dir string, req x402.Requirements, payerKey string) x402.PaymentPayload {
	t.Helper()
	pr := x402.PaymentRequired{X402Version: 2, Resource: x402.ResourceInfo{URL: "https://seller.example/data"}, Accepts: []x402.Requirements{req}}
	in, _ := json.Marshal(pr)
	cmd := exec.Command(testenv.Bin(t, "node"), "sign.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PAYER_KEY="+payerKey)
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("official client sign: %v: %s", err, stderr.String())
	}
	var p x402.PaymentPayload
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("official client output %q: %v", out, err)
	}
	return p
}

func hexKey(w *world, role string) string {
	return hexutil.Encode(crypto.FromECDSA(w.chain.dc.Account(role).Key))
}

// TestInteropOfficialFacilitator: the official TypeScript facilitator, on the same
// devchain JSON-RPC, verifies and settles payments our eip3009 package signed, and
// rejects broken ones with the same reason codes as ours.
func TestInteropOfficialFacilitator(t *testing.T) {
	dir := interopDir(t)
	w := newWorld(t)
	tsRelayer := w.chain.dc.Accounts()[5]
	official := startOfficialFacilitator(t, dir, w.chain.url, w.chain.chainID.String(), hexutil.Encode(crypto.FromECDSA(tsRelayer.Key)))
	ctx := context.Background()

	sup, err := official.Supported(ctx)
	if err != nil || len(sup.Kinds) == 0 || sup.Kinds[0].Network != w.req.Network {
		t.Fatalf("official /supported: %+v %v", sup, err)
	}

	p := w.sign(t, w.payer, w.req, eip3009.PaymentOptions{})
	req := request(t, p, w.req)
	v, err := official.Verify(ctx, req)
	if err != nil || !v.IsValid || !strings.EqualFold(v.Payer, p.Payload.Authorization.From) {
		t.Fatalf("official verify of our payload: %+v %v", v, err)
	}
	before := w.chain.balance(t, w.asset, w.payTo)
	s, err := official.Settle(ctx, req)
	if err != nil || !s.Success || s.Transaction == "" {
		t.Fatalf("official settle of our payload: %+v %v", s, err)
	}
	if got := w.chain.balance(t, w.asset, w.payTo).Sub(w.chain.balance(t, w.asset, w.payTo), before); got.Int64() != 10000 {
		t.Fatalf("payee received %s, want 10000", got)
	}
	// Our facilitator sees the official settlement: settle answers success with the
	// official transaction (found in the logs), verify refuses the spent nonce.
	ours, err := w.client.Settle(ctx, req)
	if err != nil || !ours.Success || !strings.EqualFold(ours.Transaction, s.Transaction) {
		t.Fatalf("our settle after the official one: %+v %v, want tx %s", ours, err, s.Transaction)
	}

	// A smart-wallet payer (ERC-1271): both accept its owner's signature.
	owner, _ := crypto.GenerateKey()
	wallet := w.chain.deployWallet(t, crypto.PubkeyToAddress(owner.PublicKey))
	w.chain.mint(t, w.asset, 1_000_000, wallet)
	walletReq := request(t, w.walletPayment(t, wallet, owner), w.req)
	if v, err := official.Verify(ctx, walletReq); err != nil || !v.IsValid {
		t.Fatalf("official verify of a smart-wallet payment: %+v %v", v, err)
	}
	if v, err := w.client.Verify(ctx, walletReq); err != nil || !v.IsValid {
		t.Fatalf("our verify of a smart-wallet payment: %+v %v", v, err)
	}

	// Reason parity on rejected payments.
	broke, _ := crypto.GenerateKey()
	now := w.chain.now(t).Unix()
	w.now = time.Unix(now, 0)
	// "diagnosed" cases fail only on chain. The official facilitator names their cause
	// with a Multicall3 batch, and the devchain has no Multicall3 at the canonical
	// address, so there it can only say simulation_failed; ours reads the cause in its
	// own JSON-RPC batch and names it.
	for _, tc := range []struct {
		desc      string
		diagnosed bool
		req       func() x402.VerifyRequest
	}{
		{"replay of a settled payment", true, func() x402.VerifyRequest { return req }},
		{"payer without funds", true, func() x402.VerifyRequest {
			return request(t, w.sign(t, broke, w.req, eip3009.PaymentOptions{}), w.req)
		}},
		{"expires within 6 s", false, func() x402.VerifyRequest {
			// Wall clock: the official facilitator's; ours runs on chain time (>= wall).
			return request(t, w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidBefore: bigInt(time.Now().Unix() + 3)}), w.req)
		}},
		{"not valid yet", false, func() x402.VerifyRequest {
			return request(t, w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidAfter: bigInt(now + 120)}), w.req)
		}},
		{"amount differs", false, func() x402.VerifyRequest {
			r := w.req
			r.Amount = "1"
			pp := w.sign(t, w.payer, r, eip3009.PaymentOptions{})
			pp.Accepted = &w.req
			return request(t, pp, w.req)
		}},
		{"payTo differs", false, func() x402.VerifyRequest {
			r := w.req
			r.PayTo = "0x00000000000000000000000000000000000000cc"
			pp := w.sign(t, w.payer, r, eip3009.PaymentOptions{})
			pp.Accepted = &w.req
			return request(t, pp, w.req)
		}},
		{"signature by someone else", false, func() x402.VerifyRequest {
			pp := w.sign(t, broke, w.req, eip3009.PaymentOptions{})
			pp.Payload.Authorization.From = p.Payload.Authorization.From
			return request(t, pp, w.req)
		}},
		{"smart wallet refuses the signature", false, func() x402.VerifyRequest {
			return request(t, w.walletPayment(t, wallet, broke), w.req)
		}},
		{"token version differs", true, func() x402.VerifyRequest {
			r := w.req
			r.Extra = json.RawMessage(`{"name":"USD Coin","version":"3"}`)
			return request(t, w.sign(t, w.payer, r, eip3009.PaymentOptions{}), r)
		}},
	} {
		r := tc.req()
		theirs, err := official.Verify(ctx, r)
		if err != nil {
			t.Fatalf("%s: official verify: %v", tc.desc, err)
		}
		mine, err := w.client.Verify(ctx, r)
		if err != nil {
			t.Fatalf("%s: our verify: %v", tc.desc, err)
		}
		same := theirs.InvalidReason == mine.InvalidReason ||
			tc.diagnosed && theirs.InvalidReason == x402.ReasonEVMSimulationFailed && mine.InvalidReason != x402.ReasonEVMSimulationFailed
		if theirs.IsValid || mine.IsValid || !same {
			t.Errorf("%s: official %v %q, ours %v %q (%s)", tc.desc, theirs.IsValid, theirs.InvalidReason, mine.IsValid, mine.InvalidReason, mine.InvalidMessage)
		}
	}
}

// TestInteropOfficialClient: our facilitator verifies and settles a payment signed by
// the official x402 client.
func TestInteropOfficialClient(t *testing.T) {
	dir := interopDir(t)
	w := newWorld(t)
	ctx := context.Background()
	p := officialSign(t, dir, w.req, hexKey(w, devchain.RoleBuyer))
	if p.X402Version != 2 || p.Accepted == nil || p.Payload.Signature == "" {
		t.Fatalf("official client payload: %+v", p)
	}
	w.now = w.chain.now(t)
	req := request(t, p, w.req)
	v, err := w.client.Verify(ctx, req)
	if err != nil || !v.IsValid {
		t.Fatalf("our verify of the official payload: %+v %v", v, err)
	}
	s, err := w.client.Settle(ctx, req)
	if err != nil || !s.Success {
		t.Fatalf("our settle of the official payload: %+v %v", s, err)
	}
	if n := w.chain.transfers(t, w.asset, w.chain.dc.Account(devchain.RoleBuyer).Address, w.payTo); n != 1 {
		t.Fatalf("%d transfers, want 1", n)
	}
}

func bigInt(v int64) *big.Int { return big.NewInt(v) }
