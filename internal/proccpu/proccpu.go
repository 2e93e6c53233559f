// Package proccpu measures the CPU time a running process spends between two
// samples, from /proc, to the nanosecond where Linux allows it.
//
// /proc/<pid>/stat counts utime+stime in clock ticks (10 ms): over a benchmark round
// of a few thousand cheap requests that is a resolution of a few microseconds per
// request, as large as the differences make bench reads. Each thread's
// /proc/<pid>/task/<tid>/schedstat holds its time on CPU in nanoseconds; their sum
// is the process's, except for threads that exited between the samples, whose time
// schedstat no longer shows. Used then falls back to the ticks, which keep it.
package proccpu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// tick is the length of a clock tick (USER_HZ is 100 on every Linux architecture Go
// supports).
const tick = 10 * time.Millisecond

// Sample is what a process had used at one moment.
type Sample struct {
	// Ticks is utime+stime of the process, dead threads included.
	Ticks int64
	// Threads is each live thread's time on CPU in nanoseconds; nil when schedstat
	// is not available (a kernel without CONFIG_SCHED_INFO).
	Threads map[int]int64
}

// Read samples process pid.
func Read(pid int) (Sample, error) { return readAt("/proc", pid) }

// readAt reads pid's files under root, a /proc mount.
func readAt(root string, pid int) (Sample, error) {
	dir := filepath.Join(root, strconv.Itoa(pid))
	ticks, err := statTicks(filepath.Join(dir, "stat"))
	if err != nil {
		return Sample{}, err
	}
	s := Sample{Ticks: ticks}
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		return s, nil // ticks only
	}
	threads := make(map[int]int64, len(tasks))
	for _, e := range tasks {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ns, err := schedstatNanos(filepath.Join(dir, "task", e.Name(), "schedstat"))
		if errors.Is(err, os.ErrNotExist) {
			if _, statErr := os.Stat(filepath.Join(dir, "task", e.Name())); statErr != nil {
				continue // the thread exited while we listed them
			}
			return s, nil // the kernel keeps no schedstat: ticks only
		}
		if err != nil {
			return Sample{}, err
		}
		threads[tid] = ns
	}
	s.Threads = threads
	return s, nil
}

// Used is the CPU time the process spent from a to b, and whether it is exact: the
// sum of its threads' times when every thread of a is still in b, else (a thread
// exited and took its time with it, its id was reused, or schedstat is missing) the
// difference of the ticks.
func Used(a, b Sample) (time.Duration, bool) {
	byTicks := time.Duration(b.Ticks-a.Ticks) * tick
	if a.Threads == nil || b.Threads == nil {
		return byTicks, false
	}
	for tid, v := range a.Threads {
		if w, ok := b.Threads[tid]; !ok || w < v {
			return byTicks, false
		}
	}
	var ns int64
	for tid, v := range b.Threads {
		ns += v - a.Threads[tid] // a thread born after a started from 0
	}
	return time.Duration(ns), true
}

// statTicks reads utime+stime (fields 14 and 15) from a /proc/<pid>/stat file.
func statTicks(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read cpu ticks: %w", err)
	}
	// The command name (field 2) may hold spaces and parentheses: the fields
	// after it are split from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("%s: no command name in %q", path, s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is f[11], stime f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: %d fields after the command name, want at least 13", path, len(f))
	}
	u, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: utime: %w", path, err)
	}
	st, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: stime: %w", path, err)
	}
	return u + st, nil
}

// schedstatNanos reads a thread's time on CPU, the first of the three numbers in its
// schedstat file.
func schedstatNanos(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(data))
	if len(f) != 3 {
		return 0, fmt.Errorf("%s: %q is not three numbers", path, data)
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: time on cpu: %w", path, err)
	}
	return ns, nil
}
