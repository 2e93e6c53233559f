// Package answers keeps what a paid request was answered, keyed by its authorization,
// so a retry of a settled payment gets its answer again instead of an error ("paid
// means served, or told the truth"). Standard library only; Yaegi interprets it inside
// Traefik, so it exposes plain functions (methods of interpreted types are slow).
//
// The cache is per process: with several gate replicas, a retry that lands on another
// replica does not find the answer (docs/gate.md says so).
package answers

import (
	"net/http"
	"sync"
)

// States of an entry.
const (
	// Pending: the settle outcome is unknown and being reconciled.
	Pending = iota
	// Settled: the payment settled; Receipt is set.
	Settled
	// Failed: reconciliation got a definite refusal; Receipt holds it. Whether the
	// first call moved money is unknown, so the authorization stays refused.
	Failed
)

// Entry is one paid request's answer. Entries are values: Get returns a copy, the
// cache's own copy changes only through the functions below.
type Entry struct {
	// Request names what was paid for (method and request URI): a retry for another
	// request is refused.
	Request string
	State   int
	// Receipt is the encoded settle response (PAYMENT-RESPONSE value) once settled.
	Receipt string
	// Kept: Status, Header and Body hold the complete answer (settle after, within
	// the buffer). Not kept: a stream, or an answer larger than the buffer.
	Kept   bool
	Status int
	Header http.Header
	Body   []byte
	// Served: the upstream answered a request for this payment (always true for a
	// kept answer). A settle-before request whose settle outcome was unknown never
	// reached the upstream; its first retry after settlement is served.
	Served bool
	// ValidBefore (unix seconds) ends the entry's life: the authorization is void then.
	ValidBefore int64

	size int
}

// Cache is bounded by total bytes (bodies and a fixed overhead per entry) and by
// time; when full, the oldest entries go first.
type Cache struct {
	mu      sync.Mutex
	max     int
	total   int
	entries map[string]*Entry
	order   []string // insertion order, oldest first; may hold keys already gone
	// lastEvict (unix seconds) rate-limits sweeps of expired entries.
	lastEvict int64
}

// entryOverhead approximates what an entry holds besides its body (key, headers,
// receipt), so many small entries are bounded too.
const entryOverhead = 1024

// New returns a cache holding at most maxBytes.
func New(maxBytes int) *Cache {
	return &Cache{max: maxBytes, entries: map[string]*Entry{}}
}

// Grow raises the bound to maxBytes if it is lower (the largest bound asked for wins).
func Grow(c *Cache, maxBytes int) {
	c.mu.Lock()
	if maxBytes > c.max {
		c.max = maxBytes
	}
	c.mu.Unlock()
}

// Put stores (or replaces) the entry for key; the cache owns e afterwards, evicting expired then oldest entries to
// stay within the bound. An entry larger than the whole bound is not kept: its body is
// dropped and only the receipt is remembered.
func Put(c *Cache, key string, e *Entry, now int64) {
	e.size = entryOverhead + len(e.Body)
	if e.size > c.max {
		dropAnswer(e)
	}
	c.mu.Lock()
	if old, ok := c.entries[key]; ok {
		c.total -= old.size
	} else {
		c.order = append(c.order, key)
	}
	c.entries[key] = e
	c.total += e.size
	// Expired entries are swept at most once per second (an interpreted loop);
	// going over the bound always evicts.
	if c.total > c.max || now != c.lastEvict {
		c.lastEvict = now
		evict(c, now)
	}
	c.mu.Unlock()
}

// dropAnswer keeps only the outcome of an entry too large to keep whole. (Out of Put:
// under Yaegi a call allocates every value slot of its function, those of branches
// not taken included.)
func dropAnswer(e *Entry) {
	e.Kept = false
	e.Header = nil
	e.Body = nil
	e.size = entryOverhead
}

// evict drops expired entries from the front and the oldest ones while over the
// bound; the caller holds mu.
func evict(c *Cache, now int64) {
	i := 0
	for i < len(c.order) {
		k := c.order[i]
		e, ok := c.entries[k]
		if ok && c.total <= c.max && e.ValidBefore >= now {
			break
		}
		if ok {
			delete(c.entries, k)
			c.total -= e.size
		}
		i++
	}
	if i > 0 {
		c.order = c.order[i:]
	}
}

// Get returns a copy of the live entry for key.
func Get(c *Cache, key string, now int64) (Entry, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok || e.ValidBefore < now {
		c.mu.Unlock()
		return Entry{}, false
	}
	out := *e
	c.mu.Unlock()
	return out, true
}

// Resolve marks a pending entry settled with its receipt (reconciliation succeeded).
func Resolve(c *Cache, key, receipt string) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		e.State = Settled
		e.Receipt = receipt
	}
	c.mu.Unlock()
}

// Fail marks a pending entry failed with the encoded refusal.
func Fail(c *Cache, key, receipt string) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		e.State = Failed
		e.Receipt = receipt
	}
	c.mu.Unlock()
}

// TakeServe marks a settled, not yet served entry served and reports whether this
// caller may serve it (exactly one caller may).
func TakeServe(c *Cache, key string) bool {
	c.mu.Lock()
	e, ok := c.entries[key]
	ok = ok && e.State == Settled && !e.Served
	if ok {
		e.Served = true
	}
	c.mu.Unlock()
	return ok
}

// Delete forgets key.
func Delete(c *Cache, key string) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		delete(c.entries, key)
		c.total -= e.size
	}
	c.mu.Unlock()
}

// Bytes is the accounted size of the cache.
func Bytes(c *Cache) int {
	c.mu.Lock()
	n := c.total
	c.mu.Unlock()
	return n
}
