package pool_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/buyer/pool"
	"github.com/turnpike-x402/turnpike/buyer/state"
)

func parsed(t *testing.T, ps []auth.PreSigned) []auth.Auth {
	t.Helper()
	out := make([]auth.Auth, 0, len(ps))
	for _, p := range ps {
		a, err := auth.Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func anyAuth(auth.Auth) bool { return true }

func newPool(t *testing.T, auths []auth.Auth, now func() time.Time) (*pool.Pool, *state.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "consumed.json")
	st, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := pool.New(st, now)
	p.Load(map[string][]auth.Auth{"u": auths})
	return p, st, path
}

func TestTakeIsFIFOAndDurableBeforeUse(t *testing.T) {
	key := buyertest.Key(t)
	as := parsed(t, buyertest.Sign(t, key, buyertest.Requirement(), 3, time.Hour))
	p, st, path := newPool(t, as, nil)

	l1, err := p.Take("u", anyAuth)
	if err != nil || l1.Auth.Key != as[0].Key {
		t.Fatalf("first take %v %v", l1, err)
	}
	recs, err := state.Read(path)
	if err != nil || recs[as[0].Key].Outcome != state.Held {
		t.Fatalf("hold not on disk when Take returned: %v %v", recs, err)
	}
	l2, _ := p.Take("u", anyAuth)
	if l2.Auth.Key != as[1].Key {
		t.Fatal("second take is not the second authorization")
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	if st.Has(as[0].Key) {
		t.Fatal("released key still recorded")
	}
	l3, _ := p.Take("u", anyAuth)
	if l3.Auth.Key != as[0].Key {
		t.Fatal("a released authorization did not come back first")
	}
	if err := l2.Confirm(); err != nil {
		t.Fatal(err)
	}
	l3.Keep()
	l4, _ := p.Take("u", anyAuth)
	if l4.Auth.Key != as[2].Key {
		t.Fatal("third take")
	}
	_ = l4.Consumed(state.Rejected)
	if _, err := p.Take("u", anyAuth); !errors.Is(err, pool.ErrExhausted) {
		t.Fatalf("empty pool: %v", err)
	}
	s := p.Stats()["u"]
	if s.Remaining != 0 || s.Spent != 1 || s.Held != 1 || s.Rejected != 1 || s.Total != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestRecordsSurviveReloadAndRestart(t *testing.T) {
	key := buyertest.Key(t)
	as := parsed(t, buyertest.Sign(t, key, buyertest.Requirement(), 4, time.Hour))
	path := filepath.Join(t.TempDir(), "consumed.json")
	st, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := pool.New(st, nil)
	p.Load(map[string][]auth.Auth{"u": as})
	l, _ := p.Take("u", anyAuth)
	_ = l.Confirm()
	held, _ := p.Take("u", anyAuth) // in flight when the process dies
	_ = held
	// Reload with the same file: nothing recorded comes back.
	p.Load(map[string][]auth.Auth{"u": as})
	next, _ := p.Take("u", anyAuth)
	if next.Auth.Key != as[2].Key {
		t.Fatalf("after reload took %s, want the third", next.Auth.ID)
	}
	// "Crash": a new store and pool over the files as the dead process left them,
	// without Close. The files are copied to where the new process opens them: the
	// first store still holds the state lock, which only its process's death frees.
	path = crashCopy(t, path)
	st2, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	p2 := pool.New(st2, nil)
	p2.Load(map[string][]auth.Auth{"u": as})
	got, err := p2.Take("u", anyAuth)
	if err != nil || got.Auth.Key != as[3].Key {
		t.Fatalf("after restart took %v (%v), want only the fourth", got, err)
	}
	if _, err := p2.Take("u", anyAuth); !errors.Is(err, pool.ErrExhausted) {
		t.Fatalf("want exhausted, got %v", err)
	}
}

func TestExpiryAndMatching(t *testing.T) {
	key := buyertest.Key(t)
	short := parsed(t, buyertest.Sign(t, key, buyertest.Requirement(), 2, 5*time.Second))
	long := parsed(t, buyertest.Sign(t, key, buyertest.Requirement(), 1, time.Hour))
	p, _, _ := newPool(t, append(short, long...), nil)
	if _, err := p.Take("u", func(auth.Auth) bool { return false }); !errors.Is(err, pool.ErrNoMatch) {
		t.Fatalf("nothing pays: %v, want ErrNoMatch", err)
	}
	l, err := p.Take("u", anyAuth)
	if err != nil || l.Auth.Key != long[0].Key {
		t.Fatalf("took %v %v, want the long-lived one (the others expire within 10 s)", l, err)
	}
	if s := p.Stats()["u"]; s.Expired != 2 || s.InFlight != 1 {
		t.Fatalf("stats %+v", s)
	}
	if _, err := p.Take("nobody", anyAuth); !errors.Is(err, pool.ErrExhausted) {
		t.Fatalf("unknown upstream: %v", err)
	}
}

func TestConcurrentTakesNeverShareAnAuthorization(t *testing.T) {
	key := buyertest.Key(t)
	const n = 60
	as := parsed(t, buyertest.Sign(t, key, buyertest.Requirement(), n, time.Hour))
	p, _, _ := newPool(t, as, nil)
	var mu sync.Mutex
	seen := map[string]int{}
	exhausted := 0
	var wg sync.WaitGroup
	for g := 0; g < 12; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				l, err := p.Take("u", anyAuth)
				if errors.Is(err, pool.ErrExhausted) {
					mu.Lock()
					exhausted++
					mu.Unlock()
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[l.Auth.Key]++
				mu.Unlock()
				if i%3 == 0 {
					_ = l.Release() // comes back; may be taken again, never concurrently
					mu.Lock()
					seen[l.Auth.Key]--
					mu.Unlock()
				} else {
					_ = l.Confirm()
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for k, c := range seen {
		if c > 1 {
			t.Fatalf("authorization %s confirmed %d times", k, c)
		}
		total += c
	}
	if total > n {
		t.Fatalf("%d confirmations from a pool of %d", total, n)
	}
	if total+exhausted == 0 {
		t.Fatal("nothing happened")
	}
}

// crashCopy copies the state files next to path (all but the lock file) into a fresh
// folder and returns the state path there.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dst, filepath.Base(path))
}
