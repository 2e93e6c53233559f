// Package state is the buyer's durable record of authorizations that must never be
// offered to a seller again: every authorization is written here, and flushed to disk,
// BEFORE the request that carries it is sent.
//
// The record is a snapshot file plus a write-ahead journal next to it. A consume is
// one appended journal line and one fsync (about 0.3 ms on a virtio ext4 disk, where
// the temp-file + fsync + rename + directory-fsync cycle costs about 8 ms), so the
// durable write stays off the buyer's latency budget. The snapshot is rewritten with
// that full cycle when the store opens, when the journal grows past a bound, and on
// Close; the journal is emptied only after the new snapshot is durable, and replaying a
// journal over a snapshot that already contains it is harmless (the last operation on
// each key wins), so a crash at any point keeps every record.
//
// A snapshot that does not parse, or a journal line that does not parse and is not the
// torn tail of a crashed write, stops Open with an error and the files are left as
// they are, for inspection.
package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Outcomes of a recorded authorization.
const (
	// Held: written before the paid request; the request may or may not have reached
	// the seller. Treated as spent forever unless the buyer releases it.
	Held = "held"
	// Spent: the seller answered < 400, or said the nonce is already used.
	Spent = "spent"
	// Rejected: the seller refused the authorization itself (bad signature, expired);
	// it can never be used, so it stays out of the pool.
	Rejected = "rejected"
)

// FormatVersion is the snapshot schema version.
const FormatVersion = 1

// DefaultCompactEvery is the journal length (lines) that triggers a snapshot rewrite.
const DefaultCompactEvery = 4096

// Record is what is kept per authorization key.
type Record struct {
	Upstream string `json:"u"`
	Outcome  string `json:"o"`
	At       int64  `json:"t"` // unix seconds of the last change
	Amount   string `json:"a,omitempty"`
}

type snapshot struct {
	Version  int               `json:"version"`
	Consumed map[string]Record `json:"consumed"`
}

// journal line: op is "c" (consume/update) or "r" (release: the key is spendable again).
type entry struct {
	Op  string `json:"op"`
	Key string `json:"k"`
	Record
}

// ErrCorrupt marks a state file that does not parse; the file is kept untouched.
var ErrCorrupt = errors.New("buyer state is corrupt")

// ErrLocked: another process (or another Store in this one) has the state open. Two
// writers would truncate each other's journal and offer the same authorizations
// twice, so the second one is refused before it reads or writes anything.
var ErrLocked = errors.New("buyer state is in use by another buyer")

// Store is the durable set of consumed authorization keys. Safe for concurrent use.
type Store struct {
	path, journalPath string
	compactEvery      int

	mu      sync.Mutex // guards recs, journal writes, seq counters
	recs    map[string]Record
	journal *os.File
	lock    *os.File // holds the flock on path+".lock" until Close
	lines   int      // journal lines since the last snapshot
	written uint64   // sequence number of the last line written to the journal
	closed  bool

	syncMu sync.Mutex // serialises fsyncs; concurrent callers share one (group commit)
	synced uint64     // last sequence number known to be on disk
}

// Options tune Open.
type Options struct {
	CompactEvery int // journal lines before a snapshot rewrite; 0 = DefaultCompactEvery
}

// Open loads the state at path (a missing file is an empty state), replays the journal
// and writes a fresh snapshot, so every later run starts from one durable file. It
// first takes an exclusive lock on path+".lock" and fails with ErrLocked (naming the
// holder's pid) when another buyer has the state open; nothing is read or truncated
// before the lock is held.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("state path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	s, err := openLocked(path, opts)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// openLocked does the work of Open once the lock is held.
func openLocked(path string, opts Options) (*Store, error) {
	s := &Store{path: path, journalPath: path + ".journal", compactEvery: opts.CompactEvery, recs: map[string]Record{}}
	if s.compactEvery <= 0 {
		s.compactEvery = DefaultCompactEvery
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.writeSnapshot(); err != nil {
		return nil, err
	}
	j, err := os.OpenFile(s.journalPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state journal: %w", err)
	}
	if err := j.Sync(); err != nil {
		j.Close()
		return nil, fmt.Errorf("sync state journal: %w", err)
	}
	s.journal = j
	return s, nil
}

func (s *Store) load() error {
	raw, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read state %s: %w", s.path, err)
	default:
		var snap snapshot
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&snap); err != nil {
			return fmt.Errorf("%w: %s does not parse (%v); it is kept for inspection: move it away only if no authorization it lists can still be spent", ErrCorrupt, s.path, err)
		}
		if snap.Version != FormatVersion {
			return fmt.Errorf("%w: %s has version %d, this buyer reads version %d; it is kept for inspection", ErrCorrupt, s.path, snap.Version, FormatVersion)
		}
		for k, r := range snap.Consumed {
			if k == "" || !validOutcome(r.Outcome) {
				return fmt.Errorf("%w: %s has an invalid record %q (%+v); it is kept for inspection", ErrCorrupt, s.path, k, r)
			}
			s.recs[k] = r
		}
	}
	return s.replayJournal()
}

func (s *Store) replayJournal() error {
	f, err := os.Open(s.journalPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open state journal %s: %w", s.journalPath, err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A last line without its newline is a write that a crash cut short. Its
			// request was never sent (the send waits for the fsync), so it is dropped.
			return nil
		}
		if err != nil {
			return fmt.Errorf("read state journal %s: %w", s.journalPath, err)
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil || e.Key == "" || (e.Op != "c" && e.Op != "r") || (e.Op == "c" && !validOutcome(e.Outcome)) {
			return fmt.Errorf("%w: %s line %d does not parse (%q); it is kept for inspection", ErrCorrupt, s.journalPath, n, bytes.TrimSpace(line))
		}
		if e.Op == "r" {
			delete(s.recs, e.Key)
		} else {
			s.recs[e.Key] = e.Record
		}
	}
}

func validOutcome(o string) bool { return o == Held || o == Spent || o == Rejected }

// writeSnapshot writes every record to path with temp file, fsync, rename and a
// directory fsync, so the file on disk is always either the old or the new snapshot.
// Callers hold s.mu (or own s exclusively).
func (s *Store) writeSnapshot() error {
	raw, err := json.Marshal(snapshot{Version: FormatVersion, Consumed: s.recs})
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := WriteFileAtomic(s.path, raw, 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// WriteFileAtomic replaces path with data durably: temp file in the same directory,
// fsync, rename, fsync of the directory.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Has reports whether key is recorded (held, spent or rejected).
func (s *Store) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.recs[key]
	return ok
}

// Get returns the record of key.
func (s *Store) Get(key string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[key]
	return r, ok
}

// Put records key with rec durably: when Put returns nil the record survives a crash.
// Concurrent Puts share fsyncs. On error the in-memory set is left as it was.
func (s *Store) Put(key string, rec Record) error {
	if rec.At == 0 {
		rec.At = time.Now().Unix()
	}
	return s.apply(entry{Op: "c", Key: key, Record: rec}, true)
}

// Update changes the record of key without waiting for the disk: used to turn held
// into spent, which changes nothing about safety (both keep the key out of the pool).
// It is flushed by the next durable write or Close.
func (s *Store) Update(key string, rec Record) error {
	if rec.At == 0 {
		rec.At = time.Now().Unix()
	}
	return s.apply(entry{Op: "c", Key: key, Record: rec}, false)
}

// Release removes key durably, making the authorization spendable again. Only for
// authorizations the seller provably did not spend.
func (s *Store) Release(key string) error {
	return s.apply(entry{Op: "r", Key: key}, true)
}

func (s *Store) apply(e entry, durable bool) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode state entry: %w", err)
	}
	line = append(line, '\n')

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("state store is closed")
	}
	prev, had := s.recs[e.Key]
	if _, err := s.journal.Write(line); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("append state journal: %w", err)
	}
	s.written++
	seq := s.written
	s.lines++
	if e.Op == "r" {
		delete(s.recs, e.Key)
	} else {
		s.recs[e.Key] = e.Record
	}
	s.mu.Unlock()

	if !durable {
		return nil
	}
	if err := s.sync(seq); err != nil {
		// Undo in memory. The line may still reach the disk; for a consume that only
		// makes the buyer more careful, for a release it only keeps a key out of use.
		s.mu.Lock()
		if e.Op == "r" {
			if had {
				s.recs[e.Key] = prev
			}
		} else if had {
			s.recs[e.Key] = prev
		} else {
			delete(s.recs, e.Key)
		}
		s.mu.Unlock()
		return err
	}
	s.maybeCompact()
	return nil
}

// sync makes every journal line up to seq durable. One fsync covers every line
// written before it, so callers that queue behind a running fsync often find their
// line already synced.
func (s *Store) sync(seq uint64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.synced >= seq {
		return nil
	}
	s.mu.Lock()
	upto := s.written
	j := s.journal
	s.mu.Unlock()
	if err := j.Sync(); err != nil {
		return fmt.Errorf("sync state journal: %w", err)
	}
	s.synced = upto
	return nil
}

// maybeCompact rewrites the snapshot and empties the journal once it is long. Paid
// requests wait for it (a few ms every compactEvery consumes).
func (s *Store) maybeCompact() {
	s.mu.Lock()
	need := s.lines >= s.compactEvery && !s.closed
	s.mu.Unlock()
	if need {
		_ = s.Compact()
	}
}

// Compact writes a snapshot of every record and empties the journal.
func (s *Store) Compact() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("state store is closed")
	}
	if err := s.writeSnapshot(); err != nil {
		return err
	}
	// The snapshot holds everything the journal said; only now may the journal go.
	if err := s.journal.Truncate(0); err != nil {
		return fmt.Errorf("truncate state journal: %w", err)
	}
	if _, err := s.journal.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind state journal: %w", err)
	}
	if err := s.journal.Sync(); err != nil {
		return fmt.Errorf("sync state journal: %w", err)
	}
	s.lines = 0
	s.synced = s.written
	return nil
}

// Close writes a final snapshot and closes the journal.
func (s *Store) Close() error {
	err := s.Compact()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return err
	}
	s.closed = true
	if cerr := s.journal.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if s.lock != nil {
		// Last: a new buyer may take over only after the final snapshot is written.
		if cerr := s.lock.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	return err
}

// Counts are per-upstream totals of recorded keys by outcome.
type Counts struct {
	Held, Spent, Rejected int
}

// CountByUpstream returns the number of records per upstream and outcome.
func (s *Store) CountByUpstream() map[string]Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Counts{}
	for _, r := range s.recs {
		c := out[r.Upstream]
		switch r.Outcome {
		case Held:
			c.Held++
		case Spent:
			c.Spent++
		case Rejected:
			c.Rejected++
		}
		out[r.Upstream] = c
	}
	return out
}

// Keys returns every recorded key, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.recs))
	for k := range s.recs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Snapshot returns a copy of every record.
func (s *Store) Snapshot() map[string]Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Record, len(s.recs))
	for k, r := range s.recs {
		out[k] = r
	}
	return out
}

// Read returns the records at path (snapshot plus journal) without changing any file:
// for tests and for inspecting a stopped buyer's state.
func Read(path string) (map[string]Record, error) {
	s := &Store{path: path, journalPath: path + ".journal", recs: map[string]Record{}}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s.recs, nil
}

// KeysOf returns the recorded keys of one upstream, sorted.
func (s *Store) KeysOf(upstream string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k, r := range s.recs {
		if r.Upstream == upstream {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
