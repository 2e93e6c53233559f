package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func open(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// die drops a store the way a killed process does: the kernel closes its files (and
// so releases the flock), nothing is compacted.
func die(s *Store) {
	s.journal.Close()
	s.lock.Close()
}

func TestPutReleaseSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "consumed.json")
	s := open(t, path, Options{})
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put(k, Record{Upstream: "u", Outcome: Held}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Update("a", Record{Upstream: "u", Outcome: Spent}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release("b"); err != nil {
		t.Fatal(err)
	}
	// No Close: the process "dies" here. The journal must carry everything durable.
	die(s)
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a"].Outcome != Spent || got["c"].Outcome != Held {
		t.Fatalf("after crash: %+v, want a=spent c=held", got)
	}
	s2 := open(t, path, Options{})
	defer s2.Close()
	if !s2.Has("a") || s2.Has("b") || !s2.Has("c") {
		t.Fatalf("reopened keys %v", s2.Keys())
	}
	if c := s2.CountByUpstream()["u"]; c.Spent != 1 || c.Held != 1 {
		t.Fatalf("counts %+v", c)
	}
	// Reopen compacted the journal into the snapshot.
	if st, err := os.Stat(path + ".journal"); err != nil || st.Size() != 0 {
		t.Fatalf("journal after open: %v size %d", err, st.Size())
	}
}

func TestCompactionKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "consumed.json")
	s := open(t, path, Options{CompactEvery: 7})
	for i := 0; i < 50; i++ {
		if err := s.Put(fmt.Sprintf("k%02d", i), Record{Upstream: "u", Outcome: Held}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			if err := s.Release(fmt.Sprintf("k%02d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 40 {
		t.Fatalf("got %d records, want 40", len(got))
	}
	for i := 0; i < 50; i++ {
		_, ok := got[fmt.Sprintf("k%02d", i)]
		if ok == (i%5 == 0) {
			t.Fatalf("key k%02d present=%v", i, ok)
		}
	}
	s.Close()
}

func TestJournalReplayOverSnapshotIsIdempotent(t *testing.T) {
	// A crash between writing a snapshot and emptying the journal replays lines the
	// snapshot already holds; the last operation per key must still win.
	dir := t.TempDir()
	path := filepath.Join(dir, "consumed.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"consumed":{"a":{"u":"u","o":"held","t":1},"c":{"u":"u","o":"spent","t":1}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	journal := `{"op":"c","k":"a","u":"u","o":"held","t":1}
{"op":"c","k":"b","u":"u","o":"held","t":1}
{"op":"r","k":"b"}
{"op":"c","k":"c","u":"u","o":"spent","t":1}
`
	if err := os.WriteFile(path+".journal", []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a"].Outcome != Held || got["c"].Outcome != Spent {
		t.Fatalf("got %+v", got)
	}
}

func TestCorruptStateStopsStartupAndIsKept(t *testing.T) {
	for _, tc := range []struct {
		desc, snapshot, journal, want string
	}{
		{desc: "snapshot is not JSON", snapshot: `{"version":1,"consumed":{`, want: "does not parse"},
		{desc: "snapshot from another version", snapshot: `{"version":9,"consumed":{}}`, want: "version 9"},
		{desc: "snapshot with unknown outcome", snapshot: `{"version":1,"consumed":{"a":{"u":"u","o":"maybe"}}}`, want: "invalid record"},
		{desc: "snapshot with unknown field", snapshot: `{"version":1,"consumed":{},"extra":1}`, want: "does not parse"},
		{desc: "journal line in the middle is garbage", snapshot: `{"version":1,"consumed":{}}`, journal: "{\"op\":\"c\",\"k\":\"a\",\"u\":\"u\",\"o\":\"held\"}\nGARBAGE\n{\"op\":\"r\",\"k\":\"a\"}\n", want: "line 2"},
		{desc: "journal line with unknown op", journal: "{\"op\":\"x\",\"k\":\"a\"}\n", want: "line 1"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "consumed.json")
			if tc.snapshot != "" {
				if err := os.WriteFile(path, []byte(tc.snapshot), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.journal != "" {
				if err := os.WriteFile(path+".journal", []byte(tc.journal), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Open(path, Options{})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "kept for inspection") {
				t.Fatalf("Open error %v, want ErrCorrupt mentioning %q", err, tc.want)
			}
			if tc.snapshot != "" {
				if raw, _ := os.ReadFile(path); string(raw) != tc.snapshot {
					t.Fatalf("snapshot was changed to %q", raw)
				}
			}
			if tc.journal != "" {
				if raw, _ := os.ReadFile(path + ".journal"); string(raw) != tc.journal {
					t.Fatalf("journal was changed to %q", raw)
				}
			}
		})
	}
}

func TestTornJournalTailIsDropped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "consumed.json")
	journal := "{\"op\":\"c\",\"k\":\"a\",\"u\":\"u\",\"o\":\"held\"}\n{\"op\":\"c\",\"k\":\"b\",\"u\":"
	if err := os.WriteFile(path+".journal", []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, path, Options{})
	defer s.Close()
	if !s.Has("a") || s.Has("b") {
		t.Fatalf("keys %v, want only a", s.Keys())
	}
}

func TestConcurrentPutsAreAllDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "consumed.json")
	s := open(t, path, Options{CompactEvery: 64})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if err := s.Put(fmt.Sprintf("g%d-%d", g, i), Record{Upstream: "u", Outcome: Held}); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 320 {
		t.Fatalf("durable records %d, want 320", len(got))
	}
	s.Close()
}

func TestWriteFailureUndoesInMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "consumed.json")
	s := open(t, path, Options{})
	if err := s.Put("a", Record{Upstream: "u", Outcome: Held}); err != nil {
		t.Fatal(err)
	}
	s.journal.Close() // every later write fails
	if err := s.Put("b", Record{Upstream: "u", Outcome: Held}); err == nil {
		t.Fatal("Put on a closed journal succeeded")
	}
	if s.Has("b") {
		t.Fatal("a failed Put left the key recorded in memory")
	}
	if err := s.Release("a"); err == nil {
		t.Fatal("Release on a closed journal succeeded")
	}
	if !s.Has("a") {
		t.Fatal("a failed Release dropped the key")
	}
}
