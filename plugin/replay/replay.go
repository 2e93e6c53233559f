// Package replay is the gate's replay guard: it remembers EIP-3009 authorizations by
// (network, payer, nonce) so one signed authorization unlocks at most one response.
// Standard library only; Yaegi interprets it inside Traefik, so the request path uses
// plain functions (Yaegi calls methods of interpreted types about ten times slower).
package replay

import (
	"errors"
	"sync"
	"time"
)

// Outcomes of Acquire (sentinels: errors.As is unusable under Yaegi).
var (
	ErrInFlight = errors.New("authorization is already being used by another request")
	ErrSettled  = errors.New("authorization was already settled")
	ErrFull     = errors.New("replay guard is full of live authorizations")
)

// Guard refuses concurrent reuse of an authorization while the first request is in
// flight, and reuse of a settled one until it expires (after validBefore the token
// contract refuses it anyway). Memory is bounded; only expired entries are ever
// evicted, so a full guard refuses new payments instead of forgetting live ones
// (failing open would allow replays).
type Guard struct {
	mu      sync.Mutex
	max     int
	entries map[string]entry
	// lastSweep rate-limits full sweeps: under Yaegi a sweep of a full guard costs
	// milliseconds, so it runs at most once per second.
	lastSweep int64
}

type entry struct {
	settled     bool
	validBefore int64 // unix seconds
}

// New returns a guard holding at most max live authorizations (0: none until Grow).
func New(max int) *Guard {
	return &Guard{max: max, entries: map[string]entry{}}
}

// Grow raises the bound to max if it is lower: several gate instances share one
// guard per process, and the largest bound any of them asked for wins. It never
// shrinks, because entries already admitted must stay until they expire.
func Grow(g *Guard, max int) {
	g.mu.Lock()
	if max > g.max {
		g.max = max
	}
	g.mu.Unlock()
}

// Acquire marks key in flight until released or settled.
// (No defer: under Yaegi a defer costs a dozen allocations.)
func Acquire(g *Guard, key string, validBefore int64, now time.Time) error {
	g.mu.Lock()
	if e, ok := g.entries[key]; ok {
		g.mu.Unlock()
		if e.settled {
			return ErrSettled
		}
		return ErrInFlight
	}
	if len(g.entries) >= g.max && !makeRoom(g, now.Unix()) {
		g.mu.Unlock()
		return ErrFull
	}
	g.entries[key] = entry{validBefore: validBefore}
	g.mu.Unlock()
	return nil
}

// makeRoom evicts expired entries of a full guard (at most one sweep per second) and
// reports whether there is room now. The caller holds mu.
func makeRoom(g *Guard, now int64) bool {
	if now != g.lastSweep {
		g.lastSweep = now
		evictExpired(g, now)
	}
	return len(g.entries) < g.max
}

// Release forgets an authorization that was not settled, so the buyer may use it again
// (e.g. the upstream failed and nothing was charged). Settled ones stay.
func Release(g *Guard, key string) {
	g.mu.Lock()
	if e, ok := g.entries[key]; ok && !e.settled {
		delete(g.entries, key)
	}
	g.mu.Unlock()
}

// Settle keeps the authorization refused until it expires.
func Settle(g *Guard, key string) {
	g.mu.Lock()
	e := g.entries[key]
	e.settled = true
	g.entries[key] = e
	g.mu.Unlock()
}

// Max is the current bound.
func Max(g *Guard) int {
	g.mu.Lock()
	n := g.max
	g.mu.Unlock()
	return n
}

// Size is the number of authorizations remembered.
func Size(g *Guard) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}

// evictExpired runs only when the guard is full; it removes entries past validBefore.
// The caller holds mu.
func evictExpired(g *Guard, now int64) {
	for k, e := range g.entries {
		if e.validBefore < now {
			delete(g.entries, k)
		}
	}
}
