// Package pool hands out pre-signed authorizations one at a time, so that each is
// offered to a seller at most once unless the seller provably did not spend it.
//
// Taking an authorization records it durably in the state store before the caller
// may use it (hold). The caller then confirms it (the seller accepted it), marks it
// consumed (the seller says it was already used, or refused it for good), or releases
// it (the seller answered without spending it). Anything not released stays out of
// the pool forever, including across restarts: a crash between hold and answer costs
// one authorization, never a double spend.
package pool

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/state"
)

// ExpiryMargin: authorizations that stop being valid within this margin are dropped.
const ExpiryMargin = 10 * time.Second

// Errors of Take, for errors.Is.
var (
	// ErrExhausted: the upstream has no usable authorization left.
	ErrExhausted = errors.New("pre-signed authorization pool exhausted")
	// ErrNoMatch: authorizations remain, but none can pay what the seller asks.
	ErrNoMatch = errors.New("no pre-signed authorization pays the seller's requirement")
	// ErrState: the hold could not be written to disk; nothing was spent.
	ErrState = errors.New("cannot record the authorization before spending it")
)

// Pool holds the authorizations of every upstream.
type Pool struct {
	store *state.Store
	now   func() time.Time

	mu     sync.Mutex
	lists  map[string]*list
	leased map[string]bool // keys held in memory by a running request
}

type list struct {
	auths []auth.Auth
	index map[string]int
	next  int // every auth before next is used or expired
}

// New returns an empty pool over store. now may be nil (time.Now).
func New(store *state.Store, now func() time.Time) *Pool {
	if now == nil {
		now = time.Now
	}
	return &Pool{store: store, now: now, lists: map[string]*list{}, leased: map[string]bool{}}
}

// Load replaces the authorizations of every upstream (a config reload). Records and
// running holds are kept: they are keyed by chain identity, not by position.
func (p *Pool) Load(auths map[string][]auth.Auth) {
	lists := make(map[string]*list, len(auths))
	for name, as := range auths {
		l := &list{auths: append([]auth.Auth(nil), as...), index: make(map[string]int, len(as))}
		for i, a := range as {
			l.index[a.Key] = i
		}
		lists[name] = l
	}
	p.mu.Lock()
	p.lists = lists
	p.mu.Unlock()
}

// Lease is one authorization taken from the pool.
type Lease struct {
	Auth     auth.Auth
	Upstream string
	pool     *Pool
	amount   string
	once     sync.Once
}

// Take holds the first usable authorization of upstream that pays accepts it, after
// writing the hold durably. Authorizations that expire within ExpiryMargin are
// skipped for good; not-yet-valid ones are skipped for now.
func (p *Pool) Take(upstream string, pays func(auth.Auth) bool) (*Lease, error) {
	now := p.now()
	p.mu.Lock()
	l := p.lists[upstream]
	if l == nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: upstream %q has no authorizations", ErrExhausted, upstream)
	}
	usable := 0
	pick := -1
	advancing := true
	for i := l.next; i < len(l.auths); i++ {
		a := &l.auths[i]
		if p.leased[a.Key] || p.store.Has(a.Key) || a.ExpiresWithin(now, ExpiryMargin) {
			if advancing {
				l.next = i + 1
			}
			continue
		}
		advancing = false
		if a.NotYetValid(now) {
			continue
		}
		usable++
		if pays(*a) {
			pick = i
			break
		}
	}
	if pick < 0 {
		p.mu.Unlock()
		if usable == 0 {
			return nil, fmt.Errorf("%w: upstream %q", ErrExhausted, upstream)
		}
		return nil, fmt.Errorf("%w: upstream %q", ErrNoMatch, upstream)
	}
	a := l.auths[pick]
	p.leased[a.Key] = true
	p.mu.Unlock()

	if err := p.store.Put(a.Key, state.Record{Upstream: upstream, Outcome: state.Held, Amount: a.Value.String()}); err != nil {
		p.mu.Lock()
		delete(p.leased, a.Key)
		p.rewind(upstream, a.Key)
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %v", ErrState, err)
	}
	return &Lease{Auth: a, Upstream: upstream, pool: p, amount: a.Value.String()}, nil
}

// rewind lets the cursor see key again. Callers hold p.mu.
func (p *Pool) rewind(upstream, key string) {
	if l := p.lists[upstream]; l != nil {
		if i, ok := l.index[key]; ok && i < l.next {
			l.next = i
		}
	}
}

// Confirm records that the seller accepted the payment.
func (l *Lease) Confirm() error { return l.finish(state.Spent) }

// Consumed records that the authorization is used up or unusable (outcome is
// state.Spent or state.Rejected); it never returns to the pool.
func (l *Lease) Consumed(outcome string) error { return l.finish(outcome) }

func (l *Lease) finish(outcome string) error {
	var err error
	l.once.Do(func() {
		err = l.pool.store.Update(l.Auth.Key, state.Record{Upstream: l.Upstream, Outcome: outcome, Amount: l.amount})
		l.pool.mu.Lock()
		delete(l.pool.leased, l.Auth.Key)
		l.pool.mu.Unlock()
	})
	return err
}

// Keep leaves the authorization held for good: the seller may have spent it.
func (l *Lease) Keep() {
	l.once.Do(func() {
		l.pool.mu.Lock()
		delete(l.pool.leased, l.Auth.Key)
		l.pool.mu.Unlock()
	})
}

// Release returns the authorization to the pool: only when the seller provably did
// not spend it. If the release cannot be written it stays held (safe side).
func (l *Lease) Release() error {
	var err error
	l.once.Do(func() {
		err = l.pool.store.Release(l.Auth.Key)
		p := l.pool
		p.mu.Lock()
		delete(p.leased, l.Auth.Key)
		if err == nil {
			p.rewind(l.Upstream, l.Auth.Key)
		}
		p.mu.Unlock()
	})
	return err
}

// Stats describe one upstream's pool.
type Stats struct {
	Total     int `json:"total"`     // authorizations in the auths file
	Remaining int `json:"remaining"` // usable now or later
	InFlight  int `json:"inFlight"`  // held by running requests
	Expired   int `json:"expired"`   // unused and no longer usable
	// From the state (history survives pool reloads):
	Spent    int `json:"spent"`    // confirmed or reported used by the seller
	Held     int `json:"held"`     // sent (or about to be) with no answer recorded: counted as spent
	Rejected int `json:"rejected"` // refused by the seller for good
}

// Stats returns the stats of every upstream that has authorizations or records.
func (p *Pool) Stats() map[string]Stats {
	now := p.now()
	counts := p.store.CountByUpstream()
	out := map[string]Stats{}
	p.mu.Lock()
	for name, l := range p.lists {
		s := Stats{Total: len(l.auths)}
		for i := range l.auths {
			a := &l.auths[i]
			switch {
			case p.leased[a.Key]:
				s.InFlight++
			case p.store.Has(a.Key):
			case a.ExpiresWithin(now, ExpiryMargin):
				s.Expired++
			default:
				s.Remaining++
			}
		}
		out[name] = s
	}
	p.mu.Unlock()
	for name, c := range counts {
		s := out[name]
		s.Spent, s.Held, s.Rejected = c.Spent, c.Held, c.Rejected
		out[name] = s
	}
	return out
}
