package erc8004_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/identity"
	"github.com/turnpike-x402/turnpike/controller/erc8004"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/devchain/devchaintest"
)

// One chain for the package; every test uses its own accounts and nonces.
// The tests read chain time only; no need to throttle blocks to the clock.
var shared = devchaintest.Shared{Options: devchain.Options{MaxDrift: time.Hour}}

func chain(t *testing.T) *devchain.Chain { return shared.Chain(t) }

func TestMain(m *testing.M) { shared.Main(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// freshOwner returns a funded key that has never registered.
func freshOwner(t *testing.T, c *devchain.Chain) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fund(ctxT(t), crypto.PubkeyToAddress(key.PublicKey), big.NewInt(1e18), nil); err != nil {
		t.Fatal(err)
	}
	return key
}

func newRegistrar(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey) *erc8004.Registrar {
	t.Helper()
	r, err := erc8004.New(ctxT(t), c.Client(), devchain.RegistryAddress(), key, erc8004.Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// registeredEvents counts Registered logs of owner over the whole chain.
func registeredEvents(t *testing.T, c *devchain.Chain, owner common.Address) []*identity.IdentityRegistryRegistered {
	t.Helper()
	reg := identity.NewIdentityRegistry()
	logs, err := c.Client().FilterLogs(ctxT(t), ethereum.FilterQuery{
		FromBlock: big.NewInt(0),
		Addresses: []common.Address{devchain.RegistryAddress()},
		Topics:    [][]common.Hash{{reg.GetABI().Events["Registered"].ID}, nil, {common.BytesToHash(owner.Bytes())}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []*identity.IdentityRegistryRegistered
	for i := range logs {
		ev, err := reg.UnpackRegisteredEvent(&logs[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

var errCrash = errors.New("injected crash")

func TestCrashBetweenSigningAndBroadcast(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key := freshOwner(t, c)
	owner := crypto.PubkeyToAddress(key.PublicKey)
	r := newRegistrar(t, c, key)

	// Run 1 signs, persists, and "crashes" before sending.
	var stored erc8004.SignedTx
	_, err := r.Register(ctx, "https://seller.example/.well-known/agent-registration.json",
		func(_ context.Context, stx erc8004.SignedTx) error { stored = stx; return errCrash })
	if !errors.Is(err, errCrash) {
		t.Fatalf("Register with a failing persist = %v, want the persist error", err)
	}
	if stored.Raw == "" || stored.Kind != erc8004.KindRegister || stored.From != owner.Hex() || stored.ChainID != 1337 {
		t.Fatalf("persisted tx %+v", stored)
	}
	if n := len(registeredEvents(t, c, owner)); n != 0 {
		t.Fatalf("%d Registered events before any broadcast", n)
	}
	if nonce, _ := c.Client().NonceAt(ctx, owner, nil); nonce != 0 {
		t.Fatalf("nonce %d: something was sent", nonce)
	}

	// Run 2 (a new process) has only the raw bytes from the status; it resumes twice.
	rebuilt, err := erc8004.SignedTxFromRaw(stored.Raw)
	if err != nil || rebuilt != stored {
		t.Fatalf("SignedTxFromRaw = %+v, %v; want %+v", rebuilt, err, stored)
	}
	r2 := newRegistrar(t, c, key)
	res, err := r2.Resume(ctx, rebuilt)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	again, err := r2.Resume(ctx, stored)
	if err != nil {
		t.Fatalf("second resume: %v", err)
	}
	if err := r2.Broadcast(ctx, stored); err != nil {
		t.Fatalf("re-broadcast of a mined transaction: %v", err)
	}
	if res.AgentID == nil || again.AgentID.Cmp(res.AgentID) != 0 || res.TxHash.Hex() != stored.Hash {
		t.Fatalf("results differ: %+v vs %+v", res, again)
	}
	// A later Register adopts the existing agent instead of sending.
	got, err := r2.Register(ctx, "https://other.example/x.json", func(context.Context, erc8004.SignedTx) error {
		t.Error("persist called although the owner is registered")
		return nil
	})
	if err != nil || got.AgentID.Cmp(res.AgentID) != 0 {
		t.Fatalf("Register after recovery = %+v, %v", got, err)
	}
	evs := registeredEvents(t, c, owner)
	if len(evs) != 1 || evs[0].AgentId.Cmp(res.AgentID) != 0 ||
		evs[0].AgentURI != "https://seller.example/.well-known/agent-registration.json" {
		t.Fatalf("Registered events %+v, want exactly one", evs)
	}
}

func TestCrashAfterBroadcastBeforeAwait(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key := freshOwner(t, c)
	r := newRegistrar(t, c, key)
	stx, existing, err := r.PrepareRegister(ctx, "https://a.example/agent.json")
	if err != nil || existing != nil {
		t.Fatalf("prepare: %v %v", existing, err)
	}
	if err := r.Broadcast(ctx, stx); err != nil {
		t.Fatal(err)
	}
	// Restart: a new registrar has only the stored transaction.
	res, err := newRegistrar(t, c, key).Resume(ctx, stx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(registeredEvents(t, c, r.Owner())); n != 1 {
		t.Fatalf("%d Registered events, want 1", n)
	}
	found, err := r.Lookup(ctx)
	if err != nil || found == nil || found.AgentID.Cmp(res.AgentID) != 0 {
		t.Fatalf("Lookup = %+v, %v", found, err)
	}
	// Preparing again is refused with the existing agent.
	_, existing, err = r.PrepareRegister(ctx, "https://a.example/agent.json")
	if !errors.Is(err, erc8004.ErrAlreadyRegistered) || existing == nil || existing.AgentID.Cmp(res.AgentID) != 0 {
		t.Fatalf("second prepare = %v, %v", existing, err)
	}
}

func TestConcurrentRegistrations(t *testing.T) {
	c := chain(t)
	for _, tc := range []struct {
		desc      string
		instances int // separate Registrars = separate controller processes
		callers   int
	}{
		{desc: "one registrar, many goroutines", instances: 1, callers: 6},
		{desc: "many registrars with the same key (leader change)", instances: 6, callers: 6},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ctx := ctxT(t)
			key := freshOwner(t, c)
			regs := make([]*erc8004.Registrar, tc.instances)
			for i := range regs {
				regs[i] = newRegistrar(t, c, key)
			}
			var wg sync.WaitGroup
			results := make([]erc8004.Registration, tc.callers)
			errs := make([]error, tc.callers)
			start := make(chan struct{})
			for i := 0; i < tc.callers; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					results[i], errs[i] = regs[i%tc.instances].Register(ctx, "https://c.example/agent.json",
						func(context.Context, erc8004.SignedTx) error { return nil })
				}(i)
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("caller %d: %v", i, err)
				}
				if results[i].AgentID.Cmp(results[0].AgentID) != 0 {
					t.Fatalf("caller %d got agent %s, caller 0 got %s", i, results[i].AgentID, results[0].AgentID)
				}
			}
			if evs := registeredEvents(t, c, crypto.PubkeyToAddress(key.PublicKey)); len(evs) != 1 {
				t.Fatalf("%d Registered events, want exactly 1", len(evs))
			}
		})
	}
}

func TestSetAgentURI(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key := freshOwner(t, c)
	r := newRegistrar(t, c, key)
	reg, err := r.Register(ctx, "https://old.example/agent.json", func(context.Context, erc8004.SignedTx) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var persisted []erc8004.SignedTx
	persist := func(_ context.Context, stx erc8004.SignedTx) error { persisted = append(persisted, stx); return nil }
	sent, err := r.EnsureURI(ctx, reg.AgentID, "https://new.example/agent.json", persist)
	if err != nil || !sent {
		t.Fatalf("EnsureURI = %v, %v", sent, err)
	}
	if len(persisted) != 1 || persisted[0].Kind != erc8004.KindSetAgentURI {
		t.Fatalf("persisted %+v", persisted)
	}
	// The URIUpdated event is what Await reports, read back from the receipt.
	res, err := r.Await(ctx, persisted[0])
	if err != nil {
		t.Fatal(err)
	}
	if res.AgentID.Cmp(reg.AgentID) != 0 || res.AgentURI != "https://new.example/agent.json" {
		t.Fatalf("URIUpdated result %+v", res)
	}
	rcpt, err := c.Client().TransactionReceipt(ctx, res.TxHash)
	if err != nil {
		t.Fatal(err)
	}
	reg8004 := identity.NewIdentityRegistry()
	var updated *identity.IdentityRegistryURIUpdated
	for _, l := range rcpt.Logs {
		if ev, err := reg8004.UnpackURIUpdatedEvent(l); err == nil {
			updated = ev
		}
	}
	if updated == nil || updated.UpdatedBy != r.Owner() || updated.NewURI != "https://new.example/agent.json" {
		t.Fatalf("URIUpdated event %+v", updated)
	}
	uri, err := r.AgentURI(ctx, reg.AgentID)
	if err != nil || uri != "https://new.example/agent.json" {
		t.Fatalf("tokenURI = %q, %v", uri, err)
	}
	sent, err = r.EnsureURI(ctx, reg.AgentID, "https://new.example/agent.json", persist)
	if err != nil || sent || len(persisted) != 1 {
		t.Fatalf("EnsureURI with the current URI sent=%v err=%v", sent, err)
	}
	// Someone else's key cannot change it.
	other := newRegistrar(t, c, freshOwner(t, c))
	if _, err := other.PrepareSetAgentURI(ctx, reg.AgentID, "https://evil.example"); err == nil ||
		!strings.Contains(err.Error(), "Not authorized") {
		t.Fatalf("setAgentURI by a stranger: %v", err)
	}
}

func TestSupersededTransaction(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key := freshOwner(t, c)
	r := newRegistrar(t, c, key)
	stx, _, err := r.PrepareRegister(ctx, "https://s.example/agent.json")
	if err != nil {
		t.Fatal(err)
	}
	// Another transaction of the owner takes the nonce first.
	head, _ := c.Client().HeaderByNumber(ctx, nil)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
		ChainID: c.ChainID(), Nonce: stx.Nonce, GasTipCap: big.NewInt(1e9),
		GasFeeCap: new(big.Int).Add(big.NewInt(1e9), new(big.Int).Mul(head.BaseFee, big.NewInt(2))),
		Gas:       21000, To: &common.Address{1}, Value: big.NewInt(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Client().SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := r.Broadcast(ctx, stx); !errors.Is(err, erc8004.ErrSuperseded) {
		t.Fatalf("Broadcast = %v, want ErrSuperseded", err)
	}
	if _, err := r.Await(ctx, stx); !errors.Is(err, erc8004.ErrSuperseded) {
		t.Fatalf("Await = %v, want ErrSuperseded", err)
	}
	raw, _ := tx.MarshalBinary()
	if _, err := erc8004.SignedTxFromRaw(hexutil.Encode(raw)); err == nil {
		t.Fatal("SignedTxFromRaw accepted a plain transfer as a registry transaction")
	}
	if n := len(registeredEvents(t, c, r.Owner())); n != 0 {
		t.Fatalf("%d Registered events", n)
	}
}

func TestStoredTransactionIsChecked(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	r := newRegistrar(t, c, freshOwner(t, c))
	stx, _, err := r.PrepareRegister(ctx, "https://v.example/agent.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc   string
		mutate func(s *erc8004.SignedTx)
		want   string
	}{
		{desc: "hash does not match the bytes", mutate: func(s *erc8004.SignedTx) { s.Hash = common.Hash{1}.Hex() }, want: "does not match"},
		{desc: "raw is not hex", mutate: func(s *erc8004.SignedTx) { s.Raw = "zz" }, want: "stored transaction"},
		{desc: "raw truncated", mutate: func(s *erc8004.SignedTx) { s.Raw = s.Raw[:40] }, want: "stored transaction"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			bad := stx
			tc.mutate(&bad)
			if err := r.Broadcast(ctx, bad); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Broadcast = %v, want %q", err, tc.want)
			}
			if _, err := r.Await(ctx, bad); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Await = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := erc8004.New(ctx, c.Client(), common.Address{0x42}, freshOwner(t, c), erc8004.Options{}); err == nil {
		t.Fatal("New accepted a registry address without code")
	}
}

func TestTokenDomain(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	name, version, decimals, err := erc8004.ReadTokenDomain(ctx, c.Client(), devchain.TokenAddress())
	if err != nil || name != "USD Coin" || version != "2" || decimals != 6 {
		t.Fatalf("ReadTokenDomain = %q %q %d %v", name, version, decimals, err)
	}
	for _, tc := range []struct {
		desc   string
		asset  common.Address
		want   erc8004.TokenDomain
		reason string // "" = match, "read" = a read error
	}{
		{desc: "matches", asset: devchain.TokenAddress(), want: erc8004.TokenDomain{Name: "USD Coin", Version: "2", Decimals: 6}},
		{desc: "decimals not given", asset: devchain.TokenAddress(), want: erc8004.TokenDomain{Name: "USD Coin", Version: "2"}},
		{desc: "Base Sepolia style name", asset: devchain.TokenAddress(), want: erc8004.TokenDomain{Name: "USDC", Version: "2"}, reason: erc8004.ReasonTokenNameMismatch},
		{desc: "wrong version", asset: devchain.TokenAddress(), want: erc8004.TokenDomain{Name: "USD Coin", Version: "1"}, reason: erc8004.ReasonTokenVersionMismatch},
		{desc: "wrong decimals", asset: devchain.TokenAddress(), want: erc8004.TokenDomain{Name: "USD Coin", Version: "2", Decimals: 18}, reason: erc8004.ReasonTokenDecimalsMismatch},
		{desc: "not a token", asset: devchain.RegistryAddress(), want: erc8004.TokenDomain{Name: "USD Coin", Version: "2"}, reason: "read"},
		{desc: "no code", asset: common.Address{0x99}, want: erc8004.TokenDomain{Name: "USD Coin", Version: "2"}, reason: "read"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			err := erc8004.VerifyTokenDomain(ctx, c.Client(), tc.asset, tc.want)
			var mm *erc8004.DomainMismatchError
			switch tc.reason {
			case "":
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
			case "read":
				if err == nil || errors.As(err, &mm) {
					t.Fatalf("want a read error, got %v", err)
				}
			default:
				if !errors.As(err, &mm) || mm.Reason != tc.reason {
					t.Fatalf("error %v, want reason %s", err, tc.reason)
				}
			}
		})
	}
}

func TestLookupRanges(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key := freshOwner(t, c)
	reg, err := newRegistrar(t, c, key).Register(ctx, "https://l.example/agent.json",
		func(context.Context, erc8004.SignedTx) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	// More blocks after the registration, so chunks have to walk past it.
	_ = freshOwner(t, c)
	_ = freshOwner(t, c)
	for _, tc := range []struct {
		desc  string
		opts  erc8004.Options
		found bool
	}{
		{desc: "one query from genesis", opts: erc8004.Options{}, found: true},
		{desc: "chunks of 2 blocks", opts: erc8004.Options{LookupChunk: 2}, found: true},
		{desc: "chunk of 1 block starting at the registration", opts: erc8004.Options{LookupChunk: 1, LookupFromBlock: reg.Block}, found: true},
		{desc: "starting after the registration", opts: erc8004.Options{LookupFromBlock: reg.Block + 1}, found: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r, err := erc8004.New(ctx, c.Client(), devchain.RegistryAddress(), key, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Lookup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if (got != nil) != tc.found || (got != nil && got.AgentID.Cmp(reg.AgentID) != 0) {
				t.Fatalf("Lookup = %+v, want found=%v agent %s", got, tc.found, reg.AgentID)
			}
		})
	}
}
