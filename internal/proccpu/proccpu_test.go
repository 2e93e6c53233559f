package proccpu

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeProc writes a /proc tree for pid 42: its stat with the given ticks split as
// utime and stime, and one schedstat per thread (nil threads: no task directory;
// a negative value: a task directory without schedstat).
func fakeProc(t *testing.T, comm string, utime, stime int64, threads map[int]int64) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "42")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Fields 3-13 before utime, then stime and a few more, as the kernel writes them.
	stat := "42 (" + comm + ") S 1 42 42 0 -1 4194560 100 0 0 0 " +
		strconv.FormatInt(utime, 10) + " " + strconv.FormatInt(stime, 10) + " 0 0 20 0 7 0 123\n"
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	for tid, ns := range threads {
		td := filepath.Join(dir, "task", strconv.Itoa(tid))
		if err := os.MkdirAll(td, 0o755); err != nil {
			t.Fatal(err)
		}
		if ns < 0 {
			continue
		}
		line := strconv.FormatInt(ns, 10) + " 5000 17\n"
		if err := os.WriteFile(filepath.Join(td, "schedstat"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadAt(t *testing.T) {
	tests := []struct {
		desc      string
		comm      string
		threads   map[int]int64
		wantTicks int64
		want      map[int]int64 // nil: ticks only
	}{
		{desc: "every thread's schedstat", comm: "traefik", threads: map[int]int64{42: 1_500_000, 43: 25}, wantTicks: 12, want: map[int]int64{42: 1_500_000, 43: 25}},
		{desc: "a command name with spaces and parentheses", comm: "a) (b c", threads: map[int]int64{42: 7}, wantTicks: 12, want: map[int]int64{42: 7}},
		{desc: "no task directory", comm: "x", wantTicks: 12},
		{desc: "a kernel without schedstat", comm: "x", threads: map[int]int64{42: -1}, wantTicks: 12},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			root := fakeProc(t, tc.comm, 5, 7, tc.threads)
			s, err := readAt(root, 42)
			if err != nil {
				t.Fatal(err)
			}
			if s.Ticks != tc.wantTicks {
				t.Errorf("ticks %d, want %d", s.Ticks, tc.wantTicks)
			}
			if (s.Threads == nil) != (tc.want == nil) || len(s.Threads) != len(tc.want) {
				t.Fatalf("threads %v, want %v", s.Threads, tc.want)
			}
			for tid, ns := range tc.want {
				if s.Threads[tid] != ns {
					t.Errorf("thread %d: %d ns, want %d", tid, s.Threads[tid], ns)
				}
			}
		})
	}
}

func TestReadAtRefusesBrokenFiles(t *testing.T) {
	tests := []struct {
		desc, file, content, wantErr string
	}{
		{desc: "stat without a command name", file: "stat", content: "42 S 1 2 3\n", wantErr: "no command name"},
		{desc: "stat cut short", file: "stat", content: "42 (x) S 1 42 42 0 -1 4194560 100 0 0\n", wantErr: "want at least 13"},
		{desc: "utime not a number", file: "stat", content: "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 u 7 0\n", wantErr: "utime"},
		{desc: "schedstat not three numbers", file: "task/42/schedstat", content: "12 34\n", wantErr: "not three numbers"},
		{desc: "schedstat time not a number", file: "task/42/schedstat", content: "x 1 2\n", wantErr: "time on cpu"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			root := fakeProc(t, "x", 5, 7, map[int]int64{42: 1})
			if err := os.WriteFile(filepath.Join(root, "42", tc.file), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := readAt(root, 42)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
	if _, err := readAt(t.TempDir(), 42); err == nil {
		t.Fatal("a process that does not exist was read")
	}
}

func TestUsed(t *testing.T) {
	tests := []struct {
		desc      string
		a, b      Sample
		want      time.Duration
		wantExact bool
	}{
		{desc: "the threads' nanoseconds", a: Sample{Ticks: 10, Threads: map[int]int64{1: 100, 2: 50}}, b: Sample{Ticks: 10, Threads: map[int]int64{1: 1100, 2: 80}}, want: 1030, wantExact: true},
		{desc: "a thread born between the samples counts from zero", a: Sample{Ticks: 1, Threads: map[int]int64{1: 100}}, b: Sample{Ticks: 2, Threads: map[int]int64{1: 200, 3: 40}}, want: 140, wantExact: true},
		{desc: "a thread that exited: the ticks", a: Sample{Ticks: 10, Threads: map[int]int64{1: 100, 2: 50}}, b: Sample{Ticks: 13, Threads: map[int]int64{1: 200}}, want: 30 * time.Millisecond},
		{desc: "a thread id reused: the ticks", a: Sample{Ticks: 10, Threads: map[int]int64{1: 100, 2: 5000}}, b: Sample{Ticks: 11, Threads: map[int]int64{1: 200, 2: 10}}, want: 10 * time.Millisecond},
		{desc: "no schedstat: the ticks", a: Sample{Ticks: 10}, b: Sample{Ticks: 14}, want: 40 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			got, exact := Used(tc.a, tc.b)
			if got != tc.want || exact != tc.wantExact {
				t.Fatalf("Used = %v, %v; want %v, %v", got, exact, tc.want, tc.wantExact)
			}
		})
	}
}

// Against this process: the nanosecond figure agrees with the kernel's ticks for a
// known burst of work, and resolves what the ticks cannot.
func TestReadsThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	a, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.Threads == nil {
		t.Skip("this kernel keeps no schedstat")
	}
	if _, ok := a.Threads[os.Getpid()]; !ok {
		t.Fatalf("the main thread %d is not among %v", os.Getpid(), a.Threads)
	}
	// Lock the spinning goroutine to its thread, which then stays alive after it
	// (a locked thread exits only when its goroutine returns still locked).
	runtime.LockOSThread()
	spin := time.Now()
	x := 0
	for time.Since(spin) < 300*time.Millisecond {
		x++
	}
	runtime.UnlockOSThread()
	b, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	used, exact := Used(a, b)
	if !exact {
		t.Skipf("a thread exited during the spin (%d loops); the ticks say %v", x, used)
	}
	byTicks := time.Duration(b.Ticks-a.Ticks) * tick
	// The ticks are within a tick or two per thread of the truth; the spin itself is
	// at least 300 ms on a CPU unless the machine took it away.
	slack := time.Duration(len(b.Threads)+2) * tick
	if used < 100*time.Millisecond || used > byTicks+slack || used < byTicks-slack {
		t.Fatalf("threads used %v, ticks say %v (%d threads)", used, byTicks, len(b.Threads))
	}
	if used%tick == 0 {
		t.Fatalf("used %v is a whole number of ticks: not nanoseconds", used)
	}
}
