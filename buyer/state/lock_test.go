//go:build unix

package state

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLockHelperProcess is not a test: TestSecondWriterIsRefused runs the test binary
// again with STATE_LOCK_HELPER set, so the second Open comes from another process.
func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv("STATE_LOCK_HELPER")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(path, Options{})
	if err != nil {
		os.Stdout.WriteString("ERR " + err.Error() + "\n")
		return
	}
	s.Close()
	os.Stdout.WriteString("OPENED\n")
}

func TestSecondWriterIsRefused(t *testing.T) {
	tests := []struct {
		desc string
		// second opens the state while the first store holds it and returns the error.
		second func(t *testing.T, path string) error
	}{
		{desc: "another process", second: func(t *testing.T, path string) error {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), "STATE_LOCK_HELPER="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			line := string(out)
			if i := strings.Index(line, "ERR "); i >= 0 {
				return errors.New(strings.TrimSpace(strings.SplitN(line[i+4:], "\n", 2)[0]))
			}
			if strings.Contains(line, "OPENED") {
				return nil
			}
			t.Fatalf("helper said %q", out)
			return nil
		}},
		{desc: "a second Store in this process", second: func(t *testing.T, path string) error {
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				return nil
			}
			if !errors.Is(err, ErrLocked) {
				t.Errorf("error %v is not ErrLocked", err)
			}
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "consumed.json")
			first := open(t, path, Options{})
			if err := first.Put("a", Record{Upstream: "u", Outcome: Held}); err != nil {
				t.Fatal(err)
			}
			journal, err := os.ReadFile(path + ".journal")
			if err != nil || len(journal) == 0 {
				t.Fatalf("journal before: %v %q", err, journal)
			}
			err = tc.second(t, path)
			if err == nil {
				t.Fatal("second writer opened a state another buyer holds")
			}
			for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), path + ".lock", "in use"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			after, err := os.ReadFile(path + ".journal")
			if err != nil || !bytes.Equal(after, journal) {
				t.Fatalf("journal changed by the refused writer: %q -> %q (%v)", journal, after, err)
			}
			// The first keeps working.
			if err := first.Put("b", Record{Upstream: "u", Outcome: Held}); err != nil {
				t.Fatalf("first store after the refusal: %v", err)
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			// Once closed, the state can be opened again.
			if err := tc.second(t, path); err != nil {
				t.Fatalf("after Close: %v", err)
			}
			got, err := Read(path)
			if err != nil || len(got) != 2 {
				t.Fatalf("records after reopen: %v %v", got, err)
			}
		})
	}
}
