package facilitator

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

func attemptID(i int) string { return fmt.Sprintf("%032x", i+1) }

func claimOf(t testing.TB, ext map[string]json.RawMessage) x402.ClaimInfo {
	t.Helper()
	var c x402.ClaimInfo
	if raw, ok := ext[x402.ExtensionClaim]; ok {
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestClaimProtocol walks the turnpike-claim wire contract step by step on the fake
// chain: each step is one call and the answer it must get.
func TestClaimProtocol(t *testing.T) {
	fx := newFixture()
	a, b := attemptID(1), attemptID(2)
	type step struct {
		desc    string
		call    string // verify, settle, release
		attempt string
		valid   bool   // verify isValid / settle success / release released
		reason  string // invalidReason / errorReason / release reason
	}
	for _, tc := range []struct {
		desc  string
		mutC  func(c *fakeChain)
		steps []step
	}{
		{desc: "claim, idempotent reclaim, others refused, settle, settled refused", steps: []step{
			{"A claims", "verify", a, true, ""},
			{"A again is idempotent", "verify", a, true, ""},
			{"B refused at verify", "verify", b, false, x402.ReasonAuthorizationClaimed},
			{"no header refused while claimed", "verify", "", false, x402.ReasonAuthorizationClaimed},
			{"B refused at settle", "settle", b, false, x402.ReasonAuthorizationClaimed},
			{"no header settle refused while claimed", "settle", "", false, x402.ReasonAuthorizationClaimed},
			{"B cannot release A's claim", "release", b, false, x402.ReasonAuthorizationClaimed},
			{"A settles", "settle", a, true, ""},
			{"A settles again: same answer", "settle", a, true, ""},
			{"B refused: settled", "settle", b, false, x402.ReasonAuthorizationSettled},
			{"B verify refused: settled", "verify", b, false, x402.ReasonAuthorizationSettled},
			{"no header settle refused: settled by an attempt", "settle", "", false, x402.ReasonAuthorizationSettled},
			{"no header verify: chain says used", "verify", "", false, x402.ReasonEVMNonceUsed},
			{"A cannot release a settled one", "release", a, false, x402.ReasonAuthorizationSettled},
		}},
		{desc: "release own claim, then another attempt may claim", steps: []step{
			{"A claims", "verify", a, true, ""},
			{"A releases", "release", a, true, ""},
			{"A releases again: nothing held", "release", a, false, x402.ReasonNotClaimed},
			{"B claims", "verify", b, true, ""},
			{"B settles", "settle", b, true, ""},
		}},
		{desc: "settle without verify claims first", steps: []step{
			{"B settles directly", "settle", b, true, ""},
			{"A refused", "settle", a, false, x402.ReasonAuthorizationSettled},
		}},
		{desc: "no header keeps today's behaviour", steps: []step{
			{"verify", "verify", "", true, ""},
			{"verify again (no claim taken)", "verify", "", true, ""},
			{"settle", "settle", "", true, ""},
			{"settle again: same answer", "settle", "", true, ""},
			{"an attempt is refused afterwards", "verify", a, false, x402.ReasonAuthorizationSettled},
		}},
		{desc: "pending broadcast cannot be released or taken", mutC: func(c *fakeChain) { c.mine = make(chan struct{}) }, steps: []step{
			{"A claims", "verify", a, true, ""},
			{"A settle is pending", "settle", a, false, x402.ReasonSettlementPending},
			{"A cannot release a broadcast", "release", a, false, x402.ReasonSettlementBroadcast},
			{"B refused", "settle", b, false, x402.ReasonAuthorizationClaimed},
			{"A verify again keeps the claim", "verify", a, true, ""},
		}},
		{desc: "revert leaves A a plain claim it may release", mutC: func(c *fakeChain) { c.revert = true }, steps: []step{
			{"A settle reverts", "settle", a, false, x402.ReasonEVMTransactionFailed},
			{"B still refused", "verify", b, false, x402.ReasonAuthorizationClaimed},
			{"A releases", "release", a, true, ""},
		}},
		{desc: "malformed attempts", steps: []step{
			{"uppercase hex", "verify", strings.Repeat("AB", 16), false, x402.ReasonInvalidAttempt},
			{"short", "settle", "abc", false, x402.ReasonInvalidAttempt},
			{"release without attempt", "release", "", false, x402.ReasonInvalidAttempt},
		}},
	} {
		c := newFakeChain(common.HexToAddress(fx.req.Asset))
		if tc.mutC != nil {
			tc.mutC(c)
		}
		f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.ReceiptTimeout = 30 * time.Millisecond })
		bd := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
		var firstTx string
		for _, s := range tc.steps {
			var ok bool
			var reason, tx string
			var ext map[string]json.RawMessage
			switch s.call {
			case "verify":
				v := f.VerifyAttempt(context.Background(), bd, s.attempt)
				ok, reason, ext = v.IsValid, v.InvalidReason, v.Extensions
			case "settle":
				r := f.SettleAttempt(context.Background(), bd, s.attempt)
				ok, reason, ext, tx = r.Success, r.ErrorReason, r.Extensions, r.Transaction
			case "release":
				r := f.Release(context.Background(), bd, s.attempt)
				ok, reason = r.Released, r.Reason
			}
			if ok != s.valid || reason != s.reason {
				t.Errorf("%s / %s: got ok=%v reason=%q, want ok=%v reason=%q", tc.desc, s.desc, ok, reason, s.valid, s.reason)
				continue
			}
			if ok && s.attempt != "" && s.call != "release" {
				if got := claimOf(t, ext); got.Attempt != s.attempt || got.ExpiresAt == 0 {
					t.Errorf("%s / %s: claim extension %+v, want attempt %s", tc.desc, s.desc, got, s.attempt)
				}
			}
			if s.reason == x402.ReasonAuthorizationSettled && s.call == "settle" && tx == "" {
				t.Errorf("%s / %s: settled refusal without the transaction hash", tc.desc, s.desc)
			}
			if s.call == "settle" && tx != "" && firstTx == "" {
				firstTx = tx
			} else if s.call == "settle" && tx != "" && tx != firstTx && tc.mutC == nil {
				t.Errorf("%s / %s: transaction %s, earlier %s", tc.desc, s.desc, tx, firstTx)
			}
		}
		if n := c.submits.Load(); n > 1 {
			t.Errorf("%s: %d broadcasts, want at most 1", tc.desc, n)
		}
	}
}

// TestClaimRaceFake: 50 attempts verify then settle one authorization at once; one
// is served, one broadcast, everyone else refused.
func TestClaimRaceFake(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.submitDelay = 20 * time.Millisecond
	for _, st := range []struct {
		desc  string
		store func(t *testing.T) Store
	}{
		{"memory", func(t *testing.T) Store { return NewMemoryStore(0) }},
		{"bbolt", func(t *testing.T) Store { return openBolt(t, filepath.Join(t.TempDir(), "s.db"), 0) }},
	} {
		c.submits.Store(0)
		f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.Store = st.store(t) })
		bd := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
		wins, settles := raceAttempts(t, 50, func(i int) (bool, bool, string) {
			v := f.VerifyAttempt(context.Background(), bd, attemptID(i))
			if !v.IsValid {
				return false, false, v.InvalidReason
			}
			s := f.SettleAttempt(context.Background(), bd, attemptID(i))
			return true, s.Success, s.ErrorReason
		})
		if wins != 1 || settles != 1 || c.submits.Load() != 1 {
			t.Errorf("%s: %d verified, %d settled, %d broadcasts; want 1 each", st.desc, wins, settles, c.submits.Load())
		}
	}
}

// raceAttempts runs n attempts at once and checks every loser got a claim reason.
func raceAttempts(t *testing.T, n int, run func(i int) (verified, settled bool, reason string)) (wins, settles int) {
	t.Helper()
	type res struct {
		v, s   bool
		reason string
	}
	out := make([]res, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			v, s, r := run(i)
			out[i] = res{v, s, r}
		}(i)
	}
	close(start)
	wg.Wait()
	for i, r := range out {
		if r.v {
			wins++
		}
		if r.s {
			settles++
			continue
		}
		if r.reason != x402.ReasonAuthorizationClaimed && r.reason != x402.ReasonAuthorizationSettled {
			t.Errorf("attempt %d: refused with %q, want a claim reason", i, r.reason)
		}
	}
	return wins, settles
}

func openBolt(t testing.TB, path string, max int) *BoltStore {
	t.Helper()
	s, err := OpenBoltStore(path, max, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestClaimPersistence: claims, a pending broadcast and final answers survive a
// restart on the same state file; the pending one is reconciled from the chain by
// its own attempt only.
func TestClaimPersistence(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	c.mine = make(chan struct{})
	path := filepath.Join(t.TempDir(), "state.db")
	a, b := attemptID(1), attemptID(2)
	pending := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	claimed := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)

	s1, err := OpenBoltStore(path, 0, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f1 := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.Store = s1; cfg.ReceiptTimeout = 20 * time.Millisecond })
	if v := f1.VerifyAttempt(context.Background(), claimed, a); !v.IsValid {
		t.Fatalf("claim: %+v", v)
	}
	first := f1.SettleAttempt(context.Background(), pending, a)
	if first.ErrorReason != x402.ReasonSettlementPending || first.Transaction == "" {
		t.Fatalf("pending settle: %+v", first)
	}
	f1.Close()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openBolt(t, path, 0)
	f2 := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.Store = s2; cfg.ReceiptTimeout = time.Second })
	for _, tc := range []struct {
		desc   string
		do     func() (bool, string)
		ok     bool
		reason string
	}{
		{"claim survives: B refused", func() (bool, string) {
			v := f2.VerifyAttempt(context.Background(), claimed, b)
			return v.IsValid, v.InvalidReason
		}, false, x402.ReasonAuthorizationClaimed},
		{"claim survives: A still holds it", func() (bool, string) {
			v := f2.VerifyAttempt(context.Background(), claimed, a)
			return v.IsValid, v.InvalidReason
		}, true, ""},
		{"pending: B refused before it is mined", func() (bool, string) {
			s := f2.SettleAttempt(context.Background(), pending, b)
			return s.Success, s.ErrorReason
		}, false, x402.ReasonAuthorizationClaimed},
		{"pending: A reconciles the same transaction once mined", func() (bool, string) {
			close(c.mine)
			s := f2.SettleAttempt(context.Background(), pending, a)
			if s.Transaction != first.Transaction {
				return false, "different transaction " + s.Transaction
			}
			return s.Success, s.ErrorReason
		}, true, ""},
		{"settled: B refused with the transaction", func() (bool, string) {
			s := f2.SettleAttempt(context.Background(), pending, b)
			return s.Success, s.ErrorReason
		}, false, x402.ReasonAuthorizationSettled},
	} {
		ok, reason := tc.do()
		if ok != tc.ok || reason != tc.reason {
			t.Errorf("%s: ok=%v reason=%q, want ok=%v %q", tc.desc, ok, reason, tc.ok, tc.reason)
		}
	}
	if n := c.submits.Load(); n != 1 {
		t.Fatalf("%d broadcasts, want 1", n)
	}
	// A second process on the same state file is refused with a clear error.
	if _, err := OpenBoltStore(path, 0, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second open: %v", err)
	}
}

// TestClaimStoreFull: at its bound the store refuses new claims (never fails open)
// and keeps serving the ones it holds.
func TestClaimStoreFull(t *testing.T) {
	fx := newFixture()
	for _, st := range []struct {
		desc  string
		store func(t *testing.T) Store
	}{
		{"memory", func(t *testing.T) Store { return NewMemoryStore(2) }},
		{"bbolt", func(t *testing.T) Store { return openBolt(t, filepath.Join(t.TempDir(), "s.db"), 2) }},
	} {
		c := newFakeChain(common.HexToAddress(fx.req.Asset))
		f := newTestFacilitator(t, c, fx.now, func(cfg *Config) { cfg.Store = st.store(t) })
		var bodies [][]byte
		for i := 0; i < 3; i++ {
			bodies = append(bodies, body(2, fx.payment(eip3009.PaymentOptions{}), fx.req))
		}
		for i, bd := range bodies[:2] {
			if v := f.VerifyAttempt(context.Background(), bd, attemptID(i)); !v.IsValid {
				t.Fatalf("%s: claim %d: %+v", st.desc, i, v)
			}
		}
		if v := f.VerifyAttempt(context.Background(), bodies[2], attemptID(2)); v.IsValid || v.InvalidReason != x402.ReasonClaimStoreFull {
			t.Errorf("%s: third claim: %+v, want %s", st.desc, v, x402.ReasonClaimStoreFull)
		}
		if s := f.SettleAttempt(context.Background(), bodies[2], attemptID(2)); s.Success || s.ErrorReason != x402.ReasonClaimStoreFull {
			t.Errorf("%s: third settle: %+v, want %s", st.desc, s, x402.ReasonClaimStoreFull)
		}
		if s := f.Settle(context.Background(), bodies[2]); s.Success || s.ErrorReason != x402.ReasonClaimStoreFull {
			t.Errorf("%s: third settle without attempt: %+v, want %s", st.desc, s, x402.ReasonClaimStoreFull)
		}
		if s := f.SettleAttempt(context.Background(), bodies[0], attemptID(0)); !s.Success {
			t.Errorf("%s: held claim settles when full: %+v", st.desc, s)
		}
		if n := c.submits.Load(); n != 1 {
			t.Errorf("%s: %d broadcasts, want 1", st.desc, n)
		}
	}
}

// TestClaimPrune: a claim past validBefore + margin is pruned and counted expired;
// a settled answer is kept for its retention.
func TestClaimPrune(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	clock := fx.now
	var mu sync.Mutex
	store := NewMemoryStore(0)
	f := newTestFacilitator(t, c, fx.now, func(cfg *Config) {
		cfg.Store = store
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	})
	claimed := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	settled := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	if v := f.VerifyAttempt(context.Background(), claimed, attemptID(0)); !v.IsValid {
		t.Fatal(v)
	}
	if s := f.SettleAttempt(context.Background(), settled, attemptID(1)); !s.Success {
		t.Fatal(s)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Hour) // past validBefore (now+60 s) + margin, within Remember
	mu.Unlock()
	f.Prune()
	if n := store.Len(); n != 1 {
		t.Fatalf("%d records after prune, want 1 (the settled answer)", n)
	}
	if s := f.SettleAttempt(context.Background(), settled, attemptID(1)); !s.Success {
		t.Fatalf("settled answer after prune: %+v", s)
	}
}

// TestClaimHTTP: the wire format over HTTP: header, extensions, /release, /supported.
func TestClaimHTTP(t *testing.T) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	f := newTestFacilitator(t, c, fx.now, nil)
	srv := httptest.NewServer(f.Handler(nil))
	defer srv.Close()
	bd := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	post := func(path, attempt string, out any) {
		t.Helper()
		r, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(string(bd)))
		if attempt != "-" {
			r.Header.Set(x402.HeaderAttempt, attempt)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	a := attemptID(7)
	var v x402.VerifyResponse
	post("/verify", "", &v)
	if v.IsValid || v.InvalidReason != x402.ReasonInvalidAttempt {
		t.Errorf("empty attempt header: %+v", v)
	}
	post("/verify", a, &v)
	if got := claimOf(t, v.Extensions); !v.IsValid || got.Attempt != a || got.ExpiresAt != fx.now.Unix()+60 {
		t.Errorf("claim over HTTP: %+v %+v", v, got)
	}
	var rel x402.ReleaseResponse
	post("/release", "-", &rel)
	if rel.Released || rel.Reason != x402.ReasonInvalidAttempt {
		t.Errorf("release without header: %+v", rel)
	}
	post("/release", a, &rel)
	if !rel.Released {
		t.Errorf("release: %+v", rel)
	}
	sup := f.Supported()
	if len(sup.Extensions) != 1 || sup.Extensions[0] != x402.ExtensionClaim {
		t.Errorf("supported extensions: %v", sup.Extensions)
	}
}

// TestEVMClaimRace: on the dev chain, 50 attempts verify and settle one
// authorization concurrently through our facilitator backed by bbolt: exactly one
// settle succeeds, exactly one Transfer lands, every other attempt is refused with
// authorization_claimed or authorization_settled.
func TestEVMClaimRace(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	evm, err := DialEVM(ctx, w.chain.url, w.relayer, EVMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer evm.Close()
	f, err := New(Config{Chains: []Chain{evm}, Now: func() time.Time { return w.now }, Logger: quietLogger(),
		ReceiptTimeout: 10 * time.Second, ReceiptPoll: 20 * time.Millisecond,
		Store: openBolt(t, filepath.Join(t.TempDir(), "state.db"), 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	payer := crypto.PubkeyToAddress(w.payer.PublicKey)
	before := w.chain.balance(t, w.asset, w.payTo)
	req := request(t, w.sign(t, w.payer, w.req, eip3009.PaymentOptions{}), w.req)
	bd, _ := json.Marshal(req)
	wins, settles := raceAttempts(t, 50, func(i int) (bool, bool, string) {
		v := f.VerifyAttempt(context.Background(), bd, attemptID(i))
		if !v.IsValid {
			return false, false, v.InvalidReason
		}
		s := f.SettleAttempt(context.Background(), bd, attemptID(i))
		return true, s.Success, s.ErrorReason
	})
	if wins != 1 || settles != 1 {
		t.Fatalf("%d verified, %d settled; want 1 and 1", wins, settles)
	}
	if n := w.chain.transfers(t, w.asset, payer, w.payTo); n != 1 {
		t.Fatalf("%d Transfer events, want 1", n)
	}
	if got := new(big.Int).Sub(w.chain.balance(t, w.asset, w.payTo), before); got.Int64() != 10000 {
		t.Fatalf("payee received %s, want 10000", got)
	}
}

// BenchmarkVerifyClaim is one verify that takes a claim, chain faked out, with the
// in-memory store and with bbolt (fsync per commit, group-committed).
//
//	go test -run '^$' -bench BenchmarkVerifyClaim -count 3 ./facilitator/
func BenchmarkVerifyClaim(b *testing.B) {
	for _, st := range []struct {
		desc  string
		store func(b *testing.B) Store
	}{
		{"memory", func(b *testing.B) Store { return NewMemoryStore(0) }},
		{"bbolt", func(b *testing.B) Store { return openBolt(b, filepath.Join(b.TempDir(), "s.db"), 0) }},
	} {
		b.Run(st.desc, func(b *testing.B) {
			fx := newFixture()
			c := newFakeChain(common.HexToAddress(fx.req.Asset))
			f, err := New(Config{Chains: []Chain{c}, Now: func() time.Time { return fx.now }, Logger: quietLogger(), Store: st.store(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			// Every iteration claims a fresh authorization (signed before the timer).
			b.StopTimer()
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
			}
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				if v := f.VerifyAttempt(context.Background(), bodies[i], attemptID(i)); !v.IsValid {
					b.Fatalf("%+v", v)
				}
			}
		})
	}
}
