package facilitator

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// world is a dev chain with the EIP-3009 token deployed, a funded relayer, a funded
// payer and our facilitator served over HTTP against the chain's JSON-RPC.
type world struct {
	chain   *testChain
	asset   common.Address
	relayer *ecdsa.PrivateKey
	payer   *ecdsa.PrivateKey
	payTo   common.Address
	req     x402.Requirements
	fac     *Facilitator
	client  *x402.FacilitatorClient
	now     time.Time
}

func newWorld(t testing.TB) *world {
	t.Helper()
	c := startTestChain(t)
	w := &world{chain: c, asset: c.token, relayer: c.dc.Account(devchain.RoleFacilitator).Key,
		payer: c.dc.Account(devchain.RoleBuyer).Key, payTo: c.dc.Account(devchain.RoleSeller).Address, now: c.now(t)}
	w.req = x402.Requirements{
		Scheme: "exact", Network: "eip155:" + c.chainID.String(), Amount: "10000",
		Asset: c.token.Hex(), PayTo: w.payTo.Hex(), MaxTimeoutSeconds: 60,
		Extra: json.RawMessage(`{"name":"USD Coin","version":"2"}`),
	}
	w.fac, w.client = w.facilitator(t)
	return w
}

// facilitator starts one of our facilitators (a fresh memory) over HTTP.
func (w *world) facilitator(t testing.TB) (*Facilitator, *x402.FacilitatorClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	evm, err := DialEVM(ctx, w.chain.url, w.relayer, EVMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(evm.Close)
	reg := prometheus.NewRegistry()
	f, err := New(Config{Chains: []Chain{evm}, Now: func() time.Time { return w.now }, Registerer: reg, Logger: quietLogger(),
		ReceiptTimeout: 10 * time.Second, ReceiptPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Handler(reg))
	t.Cleanup(srv.Close)
	client, err := x402.NewFacilitatorClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func (w *world) sign(t testing.TB, key *ecdsa.PrivateKey, req x402.Requirements, opts eip3009.PaymentOptions) x402.PaymentPayload {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = w.now
	}
	p, err := eip3009.NewPayment(key, req, &x402.ResourceInfo{URL: "https://seller.example/data"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func request(t testing.TB, p x402.PaymentPayload, req any) x402.VerifyRequest {
	t.Helper()
	pb, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return x402.VerifyRequest{X402Version: p.X402Version, PaymentPayload: pb, PaymentRequirements: rb}
}

func TestEVMVerifyReasons(t *testing.T) {
	w := newWorld(t)
	var now int64 // set per case, just before signing
	broke, _ := crypto.GenerateKey()
	other := w.chain.deployToken(t, "USDC", "2")
	w.chain.mint(t, other, 1_000_000, crypto.PubkeyToAddress(w.payer.PublicKey))
	spent := w.sign(t, w.payer, w.req, eip3009.PaymentOptions{})
	if s, err := w.client.Settle(context.Background(), request(t, spent, w.req)); err != nil || !s.Success {
		t.Fatalf("settle to spend a nonce: %+v %v", s, err)
	}
	withExtra := func(extra string) x402.Requirements { r := w.req; r.Extra = json.RawMessage(extra); return r }
	onAsset := func(a common.Address, extra string) x402.Requirements {
		r := w.req
		r.Asset, r.Extra = a.Hex(), json.RawMessage(extra)
		return r
	}

	for _, tc := range []struct {
		desc    string
		payload func() x402.PaymentPayload
		req     x402.Requirements // zero: w.req
		reason  string
	}{
		{desc: "valid", payload: func() x402.PaymentPayload { return w.sign(t, w.payer, w.req, eip3009.PaymentOptions{}) }},
		{desc: "validBefore = now+6 is valid", payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidBefore: big.NewInt(now + 6)})
		}},
		{desc: "validBefore = now+5", payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidBefore: big.NewInt(now + 5)})
		}, reason: x402.ReasonEVMValidBefore},
		{desc: "validAfter in the future", payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidAfter: big.NewInt(now + 30)})
		}, reason: x402.ReasonEVMValidAfter},
		{desc: "nonce already used (replay)", payload: func() x402.PaymentPayload { return spent }, reason: x402.ReasonEVMNonceUsed},
		{desc: "payer has no tokens", payload: func() x402.PaymentPayload { return w.sign(t, broke, w.req, eip3009.PaymentOptions{}) },
			reason: x402.ReasonEVMInsufficientBalance},
		{desc: "signature by another key", payload: func() x402.PaymentPayload {
			p := w.sign(t, broke, w.req, eip3009.PaymentOptions{})
			p.Payload.Authorization.From = crypto.PubkeyToAddress(w.payer.PublicKey).Hex()
			return p
		}, reason: x402.ReasonEVMSignature},
		{desc: "recipient differs", payload: func() x402.PaymentPayload {
			r := w.req
			r.PayTo = "0x00000000000000000000000000000000000000cc"
			return w.sign(t, w.payer, r, eip3009.PaymentOptions{})
		}, reason: x402.ReasonEVMRecipientMismatch},
		{desc: "value differs", payload: func() x402.PaymentPayload {
			r := w.req
			r.Amount = "9999"
			return w.sign(t, w.payer, r, eip3009.PaymentOptions{})
		}, reason: x402.ReasonEVMValueMismatch},
		{desc: "token name on chain differs", req: withExtra(`{"name":"USDC","version":"2"}`), payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, withExtra(`{"name":"USDC","version":"2"}`), eip3009.PaymentOptions{})
		}, reason: x402.ReasonEVMTokenNameMismatch},
		{desc: "token version on chain differs", req: withExtra(`{"name":"USD Coin","version":"1"}`), payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, withExtra(`{"name":"USD Coin","version":"1"}`), eip3009.PaymentOptions{})
		}, reason: x402.ReasonEVMTokenVersionMismatch},
		{desc: "second token, its own domain: valid", req: onAsset(other, `{"name":"USDC","version":"2"}`), payload: func() x402.PaymentPayload {
			return w.sign(t, w.payer, onAsset(other, `{"name":"USDC","version":"2"}`), eip3009.PaymentOptions{})
		}},
		{desc: "asset is not a contract", req: onAsset(common.HexToAddress("0x00000000000000000000000000000000000000dd"), `{"name":"USDC","version":"2"}`),
			payload: func() x402.PaymentPayload {
				return w.sign(t, w.payer, onAsset(common.HexToAddress("0x00000000000000000000000000000000000000dd"), `{"name":"USDC","version":"2"}`), eip3009.PaymentOptions{})
			}, reason: x402.ReasonEVMEIP3009NotSupported},
		{desc: "network not served", req: func() x402.Requirements { r := w.req; r.Network = "eip155:8453"; return r }(),
			payload: func() x402.PaymentPayload {
				r := w.req
				r.Network = "eip155:8453"
				return w.sign(t, w.payer, r, eip3009.PaymentOptions{})
			}, reason: x402.ReasonInvalidNetwork},
		{desc: "no EIP-712 domain in requirements", req: func() x402.Requirements { r := w.req; r.Extra = nil; return r }(),
			payload: func() x402.PaymentPayload { return w.sign(t, w.payer, w.req, eip3009.PaymentOptions{}) }, reason: x402.ReasonEVMMissingDomain},
	} {
		w.now = w.chain.now(t)
		now = w.now.Unix()
		req := tc.req
		if req.Scheme == "" {
			req = w.req
		}
		got, err := w.client.Verify(context.Background(), request(t, tc.payload(), req))
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if tc.reason == "" {
			if !got.IsValid {
				t.Errorf("%s: got %+v, want valid", tc.desc, got)
			}
			continue
		}
		if got.IsValid || got.InvalidReason != tc.reason {
			t.Errorf("%s: got valid=%v reason=%q (%s), want %q", tc.desc, got.IsValid, got.InvalidReason, got.InvalidMessage, tc.reason)
		}
	}
}

func TestEVMSettleAndReplay(t *testing.T) {
	w := newWorld(t)
	payer := crypto.PubkeyToAddress(w.payer.PublicKey)
	before := w.chain.balance(t, w.asset, w.payTo)
	p := w.sign(t, w.payer, w.req, eip3009.PaymentOptions{})
	req := request(t, p, w.req)
	first, err := w.client.Settle(context.Background(), req)
	if err != nil || !first.Success || first.Payer != payer.Hex() || first.Network != w.req.Network {
		t.Fatalf("settle: %+v %v", first, err)
	}
	if got := new(big.Int).Sub(w.chain.balance(t, w.asset, w.payTo), before); got.Int64() != 10000 {
		t.Fatalf("payee received %s, want 10000", got)
	}
	// Replays: the same facilitator, and a restarted one (no memory, finds the log),
	// answer as the first time; nothing moves again; verify refuses.
	if again, err := w.client.Settle(context.Background(), req); err != nil || !reflect.DeepEqual(again, first) {
		t.Fatalf("repeat settle: %+v %v, want %+v", again, err, first)
	}
	_, restarted := w.facilitator(t)
	if again, err := restarted.Settle(context.Background(), req); err != nil || !reflect.DeepEqual(again, first) {
		t.Fatalf("settle on a restarted facilitator: %+v %v, want %+v", again, err, first)
	}
	if v, err := w.client.Verify(context.Background(), req); err != nil || v.IsValid || v.InvalidReason != x402.ReasonEVMNonceUsed {
		t.Fatalf("verify after settle: %+v %v", v, err)
	}
	if n := w.chain.transfers(t, w.asset, payer, w.payTo); n != 1 {
		t.Fatalf("%d transfers, want 1", n)
	}
	// A different authorization reusing the spent nonce is refused, not "found".
	nonce, _ := eip3009.ParseNonce(p.Payload.Authorization.Nonce)
	r2 := w.req
	r2.Amount = "20000"
	p2 := w.sign(t, w.payer, r2, eip3009.PaymentOptions{Nonce: &nonce})
	if s, err := restarted.Settle(context.Background(), request(t, p2, r2)); err != nil || s.Success || s.ErrorReason != x402.ReasonEVMNonceUsed {
		t.Fatalf("other authorization with a spent nonce: %+v %v", s, err)
	}
	// Expired authorizations are refused at settle (nothing broadcast).
	w.now = w.chain.now(t)
	exp := w.sign(t, w.payer, w.req, eip3009.PaymentOptions{ValidBefore: big.NewInt(w.now.Unix() + 5)})
	if s, err := w.client.Settle(context.Background(), request(t, exp, w.req)); err != nil || s.Success || s.ErrorReason != x402.ReasonEVMValidBefore || s.Transaction != "" {
		t.Fatalf("expired settle: %+v %v", s, err)
	}
	// v1 payload on the same chain (CAIP-2 network string, no v1 name for it).
	v1 := x402.RequirementsV1{Scheme: "exact", Network: w.req.Network, MaxAmountRequired: "10000", Resource: "https://s/x",
		PayTo: w.req.PayTo, Asset: w.req.Asset, MaxTimeoutSeconds: 60, Extra: w.req.Extra}
	pv1, err := eip3009.NewPaymentV1(w.payer, v1, eip3009.PaymentOptions{Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := w.client.Settle(context.Background(), request(t, pv1, v1)); err != nil || !s.Success {
		t.Fatalf("v1 settle: %+v %v", s, err)
	}
	if n := w.chain.transfers(t, w.asset, payer, w.payTo); n != 2 {
		t.Fatalf("%d transfers after v1 settle, want 2", n)
	}
}

func TestEVMConcurrentSettleOneTransfer(t *testing.T) {
	w := newWorld(t)
	payer := crypto.PubkeyToAddress(w.payer.PublicKey)
	before := w.chain.balance(t, w.asset, w.payTo)
	req := request(t, w.sign(t, w.payer, w.req, eip3009.PaymentOptions{}), w.req)
	const n = 50
	answers := make([]x402.SettleResponse, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			answers[i], errs[i] = w.client.Settle(context.Background(), req)
		}(i)
	}
	close(start)
	wg.Wait()
	for i := range answers {
		if errs[i] != nil {
			t.Fatalf("settle %d: %v", i, errs[i])
		}
		if !reflect.DeepEqual(answers[i], answers[0]) {
			t.Fatalf("answer %d differs: %+v vs %+v", i, answers[i], answers[0])
		}
	}
	if !answers[0].Success || answers[0].Transaction == "" {
		t.Fatalf("shared answer: %+v", answers[0])
	}
	if got := w.chain.transfers(t, w.asset, payer, w.payTo); got != 1 {
		t.Fatalf("%d Transfer events on chain, want exactly 1", got)
	}
	if got := new(big.Int).Sub(w.chain.balance(t, w.asset, w.payTo), before); got.Int64() != 10000 {
		t.Fatalf("payee received %s, want 10000", got)
	}
}

// Many different authorizations settled at once: the relayer's nonces must neither
// collide nor leave gaps, so every one lands.
func TestEVMConcurrentDistinctSettles(t *testing.T) {
	w := newWorld(t)
	payer := crypto.PubkeyToAddress(w.payer.PublicKey)
	const n = 20
	var wg sync.WaitGroup
	answers := make([]x402.SettleResponse, n)
	for i := 0; i < n; i++ {
		req := request(t, w.sign(t, w.payer, w.req, eip3009.PaymentOptions{}), w.req)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			answers[i], _ = w.client.Settle(context.Background(), req)
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, a := range answers {
		if !a.Success || seen[a.Transaction] {
			t.Fatalf("settle %d: %+v (duplicate tx: %v)", i, a, seen[a.Transaction])
		}
		seen[a.Transaction] = true
	}
	if got := w.chain.transfers(t, w.asset, payer, w.payTo); got != n {
		t.Fatalf("%d transfers, want %d", got, n)
	}
}

// The hand-written EIP-712 hashing in eip3009 agrees with the token contract itself.
func TestEVMDomainMatchesToken(t *testing.T) {
	c := startTestChain(t)
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.eth, c.token)
	info := c.dc.Info().Token
	for _, tc := range []struct {
		desc   string
		call   []byte
		unpack func([]byte) ([32]byte, error)
		want   common.Hash
	}{
		{"TRANSFER_WITH_AUTHORIZATION_TYPEHASH", tok.PackTRANSFERWITHAUTHORIZATIONTYPEHASH(), tok.UnpackTRANSFERWITHAUTHORIZATIONTYPEHASH, eip3009.TransferTypeHash},
		{"RECEIVE_WITH_AUTHORIZATION_TYPEHASH", tok.PackRECEIVEWITHAUTHORIZATIONTYPEHASH(), tok.UnpackRECEIVEWITHAUTHORIZATIONTYPEHASH, eip3009.ReceiveTypeHash},
		{"DOMAIN_SEPARATOR", tok.PackDOMAINSEPARATOR(), tok.UnpackDOMAINSEPARATOR,
			eip3009.Domain{Name: info.Name, Version: info.Version, ChainID: c.chainID, VerifyingContract: c.token}.Separator()},
	} {
		got, err := bind.Call(inst, nil, tc.call, tc.unpack)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if common.Hash(got) != tc.want {
			t.Errorf("%s: contract %x, eip3009 %s", tc.desc, got, tc.want.Hex())
		}
	}
}

// A smart-wallet payer: authorization.from is an ERC-1271 contract; its owner's key
// signs. Verified through isValidSignature and settled through the token's ERC-1271 path.
func TestEVMSmartWalletPayer(t *testing.T) {
	w := newWorld(t)
	owner, _ := crypto.GenerateKey()
	wallet := w.chain.deployWallet(t, crypto.PubkeyToAddress(owner.PublicKey))
	w.chain.mint(t, w.asset, 1_000_000, wallet)
	ctx := context.Background()
	stranger, _ := crypto.GenerateKey()
	if v, err := w.client.Verify(ctx, request(t, w.walletPayment(t, wallet, stranger), w.req)); err != nil || v.IsValid || v.InvalidReason != x402.ReasonEVMSignature {
		t.Fatalf("wallet payment signed by a stranger: %+v %v", v, err)
	}
	req := request(t, w.walletPayment(t, wallet, owner), w.req)
	if v, err := w.client.Verify(ctx, req); err != nil || !v.IsValid || v.Payer != wallet.Hex() {
		t.Fatalf("wallet payment signed by its owner: %+v %v", v, err)
	}
	s, err := w.client.Settle(ctx, req)
	if err != nil || !s.Success {
		t.Fatalf("settle wallet payment: %+v %v", s, err)
	}
	if n := w.chain.transfers(t, w.asset, wallet, w.payTo); n != 1 {
		t.Fatalf("%d transfers from the wallet, want 1", n)
	}
}

// walletPayment builds a v2 payment from a smart wallet, signed by signer's key.
func (w *world) walletPayment(t testing.TB, wallet common.Address, signer *ecdsa.PrivateKey) x402.PaymentPayload {
	t.Helper()
	d, err := eip3009.DomainFor(w.req.Network, w.req.Asset, w.req.Extra)
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := eip3009.RandomNonce()
	a := eip3009.Authorization{From: wallet, To: w.payTo, Value: big.NewInt(10000),
		ValidAfter: big.NewInt(w.now.Unix() - 600), ValidBefore: big.NewInt(w.now.Unix() + 60), Nonce: nonce}
	sig, err := eip3009.Sign(signer, d, eip3009.Transfer, a)
	if err != nil {
		t.Fatal(err)
	}
	accepted := w.req
	return x402.PaymentPayload{X402Version: 2, Accepted: &accepted,
		Payload: x402.ExactEVMPayload{Signature: hexutil.Encode(sig), Authorization: eip3009.ToWire(a)}}
}
