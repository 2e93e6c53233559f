package facilitator

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/turnpike-x402/turnpike/x402"
)

// Phase is where one authorization stands in the claim store.
type Phase string

const (
	// PhaseClaimed: an attempt holds the authorization; nothing was broadcast, so the
	// claim may be released, and it lapses at validBefore.
	PhaseClaimed Phase = "claimed"
	// PhaseBroadcast: a transaction was signed (its hash recorded before it was sent);
	// the outcome is not known yet. Never released and never lapses by itself: only
	// the holding attempt's settle may follow it up.
	PhaseBroadcast Phase = "broadcast"
	// PhaseSettled: the final success answer is recorded.
	PhaseSettled Phase = "settled"
)

// Record is what the store keeps per authorization (chain, asset, from, nonce).
type Record struct {
	// Attempt holds the authorization; "" for a settle that came without an attempt
	// (a third-party resource server, or the authorization was found spent on chain).
	Attempt string `json:"attempt"`
	// Digest is the EIP-712 digest of the authorization that took the record: a
	// different authorization reusing the same nonce is not the same payment.
	Digest string `json:"digest"`
	Phase  Phase  `json:"phase"`
	// ExpiresAt is validBefore (unix seconds): a claimed record is dead after it.
	ExpiresAt int64 `json:"expiresAt"`
	// Txs are the transactions signed for this attempt, oldest first; each is
	// recorded before it is sent.
	Txs []string `json:"txs,omitempty"`
	// Answer is the final settle answer (PhaseSettled).
	Answer *x402.SettleResponse `json:"answer,omitempty"`
	// KeepUntil (unix seconds): the record may be pruned after it (and after
	// ExpiresAt plus the prune margin).
	KeepUntil int64 `json:"keepUntil"`
}

// live reports whether the record still binds the authorization at now.
func (r *Record) live(now time.Time) bool {
	return r.Phase != PhaseClaimed || now.Unix() < r.ExpiresAt
}

func (r *Record) hasTx(tx string) bool {
	for _, t := range r.Txs {
		if t == tx {
			return true
		}
	}
	return false
}

// ErrStoreFull is returned by Update when a new record would exceed the store's
// bound: the caller refuses the payment (never fails open).
var ErrStoreFull = errors.New("claim store is full")

// Store persists claims and settle outcomes per authorization key. Update is the one
// serialization point: fn sees the current record (nil when there is none) and
// returns the record to write (nil: delete; the same pointer unchanged is still
// written). Implementations must run fn atomically with respect to every other
// Update of the same key, and may run it more than once (it must be a pure function
// of its input and what it captured).
type Store interface {
	Get(key string) (*Record, error)
	Update(key string, fn func(cur *Record) (next *Record, err error)) error
	// Prune deletes records past their retention; removed counts claims that lapsed
	// without a broadcast, live counts records still binding an authorization.
	Prune(now time.Time, margin time.Duration) (removed, live int, err error)
	Len() int
	Close() error
}

// errKeep tells Update that fn decided not to write anything.
var errKeep = errors.New("keep")

// MemoryStore is a Store in process memory: claims do not survive a restart.
type MemoryStore struct {
	mu  sync.Mutex
	m   map[string]Record
	max int
}

// NewMemoryStore bounds the store to max records (0: DefaultMaxRecords).
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = DefaultMaxRecords
	}
	return &MemoryStore{m: map[string]Record{}, max: max}
}

// DefaultMaxRecords bounds a store: about 1 KiB a record on disk.
const DefaultMaxRecords = 1_000_000

func (s *MemoryStore) Get(key string) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	if !ok {
		return nil, nil
	}
	return cloneRecord(&r), nil
}

func (s *MemoryStore) Update(key string, fn func(*Record) (*Record, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *Record
	if r, ok := s.m[key]; ok {
		cur = cloneRecord(&r)
	}
	next, err := fn(cur)
	if errors.Is(err, errKeep) {
		return nil
	}
	if err != nil {
		return err
	}
	if next == nil {
		delete(s.m, key)
		return nil
	}
	if cur == nil && len(s.m) >= s.max {
		return ErrStoreFull
	}
	s.m[key] = *cloneRecord(next)
	return nil
}

func (s *MemoryStore) Prune(now time.Time, margin time.Duration) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	removed, live := 0, 0
	for k, r := range s.m {
		switch {
		case prunable(&r, now, margin):
			if r.Phase == PhaseClaimed {
				removed++
			}
			delete(s.m, k)
		case r.Phase != PhaseSettled && r.live(now):
			live++
		}
	}
	return removed, live, nil
}

func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemoryStore) Close() error { return nil }

// prunable: a claim is kept until validBefore + margin (so a late settle still gets
// authorization_claimed rather than a fresh claim by someone else); a broadcast or
// settled record until its retention ends too.
func prunable(r *Record, now time.Time, margin time.Duration) bool {
	if now.Unix() < r.ExpiresAt+int64(margin/time.Second) {
		return false
	}
	return r.Phase == PhaseClaimed || now.Unix() >= r.KeepUntil
}

func cloneRecord(r *Record) *Record {
	c := *r
	c.Txs = append([]string(nil), r.Txs...)
	if r.Answer != nil {
		a := *r.Answer
		c.Answer = &a
	}
	return &c
}

var boltBucket = []byte("authorizations")

// BoltStore is a Store in a bbolt file, fsynced on every commit: a claim or a
// transaction hash is on disk before the facilitator answers or broadcasts.
// Concurrent updates are group-committed (bbolt Batch), one fsync for many.
type BoltStore struct {
	db  *bolt.DB
	max int

	mu sync.Mutex
	n  int // records, tracked to enforce max without a scan
}

// OpenBoltStore opens (creating) the state file at path. A second process on the
// same file fails after lockTimeout with an error that says so.
func OpenBoltStore(path string, max int, lockTimeout time.Duration) (*BoltStore, error) {
	if max <= 0 {
		max = DefaultMaxRecords
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("claim store %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("claim store %s is locked by another process (another facilitator on the same -state file?); waited %s: %w", path, lockTimeout, err)
		}
		return nil, fmt.Errorf("open claim store %s: %w", path, err)
	}
	// Group commit: concurrent claims share one fsync; a lone one waits at most 1 ms.
	db.MaxBatchDelay = time.Millisecond
	s := &BoltStore{db: db, max: max}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(boltBucket)
		if err != nil {
			return err
		}
		s.n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("claim store %s: %w", path, err)
	}
	return s, nil
}

func (s *BoltStore) Get(key string) (*Record, error) {
	var out *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(boltBucket).Get([]byte(key))
		if v == nil {
			return nil
		}
		out = new(Record)
		return json.Unmarshal(v, out)
	})
	if err != nil {
		return nil, fmt.Errorf("claim store read: %w", err)
	}
	return out, nil
}

func (s *BoltStore) Update(key string, fn func(*Record) (*Record, error)) error {
	var delta int
	err := s.db.Batch(func(tx *bolt.Tx) error {
		delta = 0 // Batch may run this function again
		b := tx.Bucket(boltBucket)
		var cur *Record
		if v := b.Get([]byte(key)); v != nil {
			cur = new(Record)
			if err := json.Unmarshal(v, cur); err != nil {
				return fmt.Errorf("decode record %q: %w", key, err)
			}
		}
		next, err := fn(cur)
		if errors.Is(err, errKeep) {
			return nil
		}
		if err != nil {
			return err
		}
		if next == nil {
			if cur != nil {
				delta = -1
				return b.Delete([]byte(key))
			}
			return nil
		}
		if cur == nil {
			s.mu.Lock()
			full := s.n >= s.max
			s.mu.Unlock()
			if full {
				return ErrStoreFull
			}
			delta = 1
		}
		v, err := json.Marshal(next)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		if errors.Is(err, ErrStoreFull) {
			return err
		}
		return fmt.Errorf("claim store write: %w", err)
	}
	if delta != 0 {
		s.mu.Lock()
		s.n += delta
		s.mu.Unlock()
	}
	return nil
}

func (s *BoltStore) Prune(now time.Time, margin time.Duration) (int, int, error) {
	removed, live, deleted := 0, 0, 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		removed, live, deleted = 0, 0, 0
		c := tx.Bucket(boltBucket).Cursor()
		for k, v := c.First(); k != nil; {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode record %q: %w", k, err)
			}
			if prunable(&r, now, margin) {
				if r.Phase == PhaseClaimed {
					removed++
				}
				deleted++
				at := append([]byte(nil), k...)
				if err := c.Delete(); err != nil {
					return err
				}
				k, v = c.Seek(at) // Delete moves the cursor; Seek lands on the next key
				continue
			}
			if r.Phase != PhaseSettled && r.live(now) {
				live++
			}
			k, v = c.Next()
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("claim store prune: %w", err)
	}
	s.mu.Lock()
	s.n -= deleted
	s.mu.Unlock()
	return removed, live, nil
}

func (s *BoltStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *BoltStore) Close() error { return s.db.Close() }
