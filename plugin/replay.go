package plugin

import (
	"errors"
	"sync"
	"time"
)

// Replay guard outcomes (sentinels: errors.As is unusable under Yaegi).
var (
	errReplayInFlight = errors.New("authorization is already being used by another request")
	errReplaySettled  = errors.New("authorization was already settled")
	errReplayFull     = errors.New("replay guard is full of live authorizations")
)

// replayGuard remembers EIP-3009 authorizations by (network, payer, nonce) so one
// signed authorization unlocks at most one response: concurrent reuse is refused while
// the first request is in flight, and reuse of a settled one until it expires (after
// validBefore the token contract refuses it anyway). Memory is bounded; only expired
// entries are ever evicted, so a full guard refuses new payments instead of forgetting
// live ones (failing open would allow replays).
type replayGuard struct {
	mu      sync.Mutex
	max     int
	entries map[string]replayEntry
	// lastSweep rate-limits full sweeps: under Yaegi a sweep of a full guard costs
	// milliseconds, so it runs at most once per second.
	lastSweep int64
}

type replayEntry struct {
	settled     bool
	validBefore int64 // unix seconds
}

func newReplayGuard(max int) *replayGuard {
	return &replayGuard{max: max, entries: map[string]replayEntry{}}
}

func (g *replayGuard) grow(max int) {
	g.mu.Lock()
	if max > g.max {
		g.max = max
	}
	g.mu.Unlock()
}

// replayAcquire marks key in flight until released or settled. (Plain functions,
// not methods, on the request path: Yaegi calls methods of interpreted types about
// ten times slower than functions.)
func replayAcquire(g *replayGuard, key string, validBefore int64, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.entries[key]; ok {
		if e.settled {
			return errReplaySettled
		}
		return errReplayInFlight
	}
	if len(g.entries) >= g.max {
		if now.Unix() != g.lastSweep {
			g.lastSweep = now.Unix()
			g.evictExpired(now.Unix())
		}
		if len(g.entries) >= g.max {
			return errReplayFull
		}
	}
	g.entries[key] = replayEntry{validBefore: validBefore}
	return nil
}

// replayRelease forgets an authorization that was not settled, so the buyer may use it
// again (e.g. the upstream failed and nothing was charged).
func replayRelease(g *replayGuard, key string) {
	g.mu.Lock()
	if e, ok := g.entries[key]; ok && !e.settled {
		delete(g.entries, key)
	}
	g.mu.Unlock()
}

// replaySettle keeps the authorization refused until it expires.
func replaySettle(g *replayGuard, key string) {
	g.mu.Lock()
	e := g.entries[key]
	e.settled = true
	g.entries[key] = e
	g.mu.Unlock()
}

// evictExpired runs only when the guard is full; it walks the map in compiled range
// code and removes entries past validBefore. Caller holds mu.
func (g *replayGuard) evictExpired(now int64) {
	for k, e := range g.entries {
		if e.validBefore < now {
			delete(g.entries, k)
		}
	}
}

func (g *replayGuard) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}
