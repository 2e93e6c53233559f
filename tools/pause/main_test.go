package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunSignals(t *testing.T) {
	cases := []struct {
		desc      string
		sigs      []os.Signal
		wantReaps int
		wantCode  int
	}{
		{desc: "SIGTERM stops at once", sigs: []os.Signal{syscall.SIGTERM, syscall.SIGCHLD}, wantReaps: 0},
		{desc: "SIGINT stops", sigs: []os.Signal{syscall.SIGINT}, wantReaps: 0},
		{desc: "each SIGCHLD reaps, then SIGTERM stops", sigs: []os.Signal{syscall.SIGCHLD, syscall.SIGCHLD, syscall.SIGTERM}, wantReaps: 2},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			ch := make(chan os.Signal, len(c.sigs))
			for _, s := range c.sigs {
				ch <- s
			}
			close(ch)
			reaps := 0
			code := run(ch, func() []int { reaps++; return nil })
			if code != c.wantCode || reaps != c.wantReaps {
				t.Fatalf("run = %d with %d reaps, want %d with %d", code, reaps, c.wantCode, c.wantReaps)
			}
		})
	}
}

// A child that exits without being waited for stays a zombie until reapAll collects it.
func TestReapAllCollectsZombies(t *testing.T) {
	var pids []int
	for i := 0; i < 3; i++ {
		cmd := exec.Command("true")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, cmd.Process.Pid)
	}
	deadline := time.Now().Add(5 * time.Second)
	got := map[int]bool{}
	for len(got) < len(pids) && time.Now().Before(deadline) {
		for _, p := range reapAll() {
			got[p] = true
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, p := range pids {
		if !got[p] {
			t.Errorf("child %d was not reaped (reaped %v)", p, got)
		}
	}
	if again := reapAll(); len(again) != 0 {
		t.Errorf("reapAll with no exited children = %v, want none", again)
	}
}

// The built binary blocks until SIGTERM and then exits 0, as the kubelet expects of
// a sandbox container.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pause")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("pause exited before any signal: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pause after SIGTERM: %v, want exit 0 (stderr %q)", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("pause still running 5 s after SIGTERM")
	}
	if !strings.Contains(stderr.String(), "exiting") {
		t.Errorf("stderr %q, want the signal it stopped on", stderr.String())
	}
}
