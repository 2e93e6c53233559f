package purchase

import (
	"fmt"
	"math/big"
	"math/rand"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestAllowance(t *testing.T) {
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	price := big.NewInt(1000)
	recent := Ledger{TotalSigned: 10, Signings: []Signing{
		{At: now.Add(-25 * time.Hour), Count: 50, Amount: "50000"}, // outside the window
		{At: now.Add(-time.Hour), Count: 10, Amount: "10000"},
	}}
	for _, tc := range []struct {
		desc      string
		caps      Caps
		ledger    Ledger
		remaining int
		want      int
		got       int
		reason    string
	}{
		{desc: "fits", caps: Caps{PoolSize: 10, Price: price}, want: 5, got: 5},
		{desc: "pool holds at most count", caps: Caps{PoolSize: 10, Price: price}, remaining: 7, want: 5, got: 3, reason: "PoolFull"},
		{desc: "pool already over (count lowered)", caps: Caps{PoolSize: 10, Price: price}, remaining: 12, want: 5, got: 0, reason: "PoolFull"},
		{desc: "max total", caps: Caps{PoolSize: 100, MaxTotal: 12, Price: price}, ledger: recent, want: 5, got: 2, reason: "MaxTotalReached"},
		{desc: "rolling window counts only the last 24 h", caps: Caps{PoolSize: 100, MaxSpendPerWindow: big.NewInt(15500), Price: price}, ledger: recent, want: 10, got: 5, reason: "MaxSpendPerDayReached"},
		{desc: "window exhausted", caps: Caps{PoolSize: 100, MaxSpendPerWindow: big.NewInt(10000), Price: price}, ledger: recent, want: 1, got: 0, reason: "MaxSpendPerDayReached"},
		{desc: "huge cap does not overflow", caps: Caps{PoolSize: 100, MaxSpendPerWindow: new(big.Int).Lsh(big.NewInt(1), 200), Price: price}, want: 7, got: 7},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, reason := Allowance(tc.caps, tc.ledger, tc.remaining, tc.want, now)
			if got != tc.got || reason != tc.reason {
				t.Fatalf("Allowance = %d %q, want %d %q", got, reason, tc.got, tc.reason)
			}
		})
	}
}

// casStore models the API server: a read returns a version, a write succeeds only at
// the version it read (the ConfigMap's resourceVersion).
type casStore struct {
	mu      sync.Mutex
	version int
	ledger  Ledger
	pool    int
	history []Signing // every signing ever committed, never pruned
}

func (s *casStore) read() (Ledger, int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := Ledger{TotalSigned: s.ledger.TotalSigned, Signings: append([]Signing(nil), s.ledger.Signings...)}
	return l, s.pool, s.version
}

func (s *casStore) write(version int, l Ledger, pool int, added *Signing) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version != s.version {
		return false
	}
	s.version++
	s.ledger, s.pool = l, pool
	if added != nil {
		s.history = append(s.history, *added)
	}
	return true
}

// TestCapsHoldUnderConcurrentRefills: several reconcilers (say, an old leader and a
// new one) refill the same pool while the buyer spends from it and the clock moves.
// Whatever the interleaving, the pool never holds more than count, no more than
// maxTotal are ever signed, and no rolling 24 h holds more than maxSpendPerDay.
func TestCapsHoldUnderConcurrentRefills(t *testing.T) {
	for _, tc := range []struct {
		desc string
		caps Caps
		seed int64
	}{
		{desc: "all three caps", caps: Caps{PoolSize: 20, MaxTotal: 400, MaxSpendPerWindow: big.NewInt(90_000), Price: big.NewInt(1000)}, seed: 1},
		{desc: "spend cap binds", caps: Caps{PoolSize: 50, MaxSpendPerWindow: big.NewInt(37_000), Price: big.NewInt(1000)}, seed: 2},
		{desc: "total cap binds", caps: Caps{PoolSize: 7, MaxTotal: 60, Price: big.NewInt(3)}, seed: 3},
		{desc: "pool size only", caps: Caps{PoolSize: 5, Price: big.NewInt(1)}, seed: 4},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var clockMu sync.Mutex
			clock := base
			now := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
			advance := func(d time.Duration) { clockMu.Lock(); clock = clock.Add(d); clockMu.Unlock() }

			s := &casStore{}
			var wg sync.WaitGroup
			stop := make(chan struct{})
			violations := make(chan string, 16)
			check := func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				report := func(v string) {
					select { // never block: the first violations are enough
					case violations <- v:
					default:
					}
				}
				if s.pool > tc.caps.PoolSize {
					report(fmt.Sprintf("pool %d over count %d", s.pool, tc.caps.PoolSize))
				}
				if tc.caps.MaxTotal > 0 && s.ledger.TotalSigned > tc.caps.MaxTotal {
					report(fmt.Sprintf("total %d over maxTotal %d", s.ledger.TotalSigned, tc.caps.MaxTotal))
				}
			}
			for w := 0; w < 6; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					rng := rand.New(rand.NewSource(tc.seed*100 + int64(w)))
					for {
						select {
						case <-stop:
							return
						default:
						}
						runtime.Gosched()
						l, pool, v := s.read()
						at := now()
						n, _ := Allowance(tc.caps, l, pool, 1+rng.Intn(tc.caps.PoolSize+3), at)
						if n == 0 {
							continue
						}
						l.Record(at, n, tc.caps.Price)
						added := l.Signings[len(l.Signings)-1]
						s.write(v, l, pool+n, &added)
						check()
					}
				}(w)
			}
			wg.Add(1)
			go func() { // the buyer spends
				defer wg.Done()
				rng := rand.New(rand.NewSource(tc.seed))
				for {
					select {
					case <-stop:
						return
					default:
					}
					l, pool, v := s.read()
					if pool > 0 {
						s.write(v, l, pool-1-rng.Intn(1+pool/2), nil)
					}
					advance(time.Duration(rng.Intn(20)) * time.Minute)
					runtime.Gosched()
				}
			}()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			time.Sleep(300 * time.Millisecond)
			close(stop)
			<-done
			close(violations)
			for v := range violations {
				t.Fatal(v)
			}
			if tc.caps.MaxSpendPerWindow != nil {
				for _, end := range s.history {
					sum := new(big.Int)
					for _, h := range s.history {
						if h.At.After(end.At.Add(-Window)) && !h.At.After(end.At) {
							a, _ := new(big.Int).SetString(h.Amount, 10)
							sum.Add(sum, a)
						}
					}
					if sum.Cmp(tc.caps.MaxSpendPerWindow) > 0 {
						t.Fatalf("signed %s in the 24 h ending %s, cap %s", sum, end.At, tc.caps.MaxSpendPerWindow)
					}
				}
			}
			if len(s.history) == 0 {
				t.Fatal("nothing was ever signed: the test exercised nothing")
			}
			t.Logf("%d signings, %d total signed", len(s.history), s.ledger.TotalSigned)
		})
	}
}
