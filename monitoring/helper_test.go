package monitoring

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/demo"
)

// helperEnv makes the test binary act as a second gate process: each Traefik replica
// has its own metrics registry (process-wide in the plugin), so a second replica must
// be a second process.
const helperEnv = "TURNPIKE_MONITORING_GATE_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if err := runGateHelper(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stdout, "ERR", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runGateHelper starts a demo stack, prints "METRICS <url>", then for every "PAY <n>"
// line on in runs the demo script with n paid requests and prints "PAID <charged>".
// It stops when in closes.
func runGateHelper(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "turnpike-gate-helper-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := demo.Start(ctx, demo.Options{Out: io.Discard, Dir: dir})
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(out, "METRICS", st.MetricsURL)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || f[0] != "PAY" {
			return fmt.Errorf("helper: unexpected command %q", sc.Text())
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return err
		}
		rep, err := st.RunScript(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "PAID", rep.Charged)
	}
	return sc.Err()
}

// gateProcess is a helper gate running in its own process.
type gateProcess struct {
	metricsURL string
	stdin      io.WriteCloser
	lines      chan string
}

func startGateProcess(t *testing.T) *gateProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gate helper: %v", err)
	}
	g := &gateProcess{stdin: stdin, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			g.lines <- sc.Text()
		}
		close(g.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line := g.expect(t, "METRICS", 2*time.Minute)
	g.metricsURL = line
	return g
}

// expect waits for a line starting with prefix and returns the rest.
func (g *gateProcess) expect(t *testing.T, prefix string, limit time.Duration) string {
	t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case l, ok := <-g.lines:
			if !ok {
				t.Fatalf("gate helper exited before %s", prefix)
			}
			if strings.HasPrefix(l, prefix+" ") {
				return strings.TrimPrefix(l, prefix+" ")
			}
			if strings.HasPrefix(l, "ERR") {
				t.Fatalf("gate helper: %s", l)
			}
		case <-timeout:
			t.Fatalf("gate helper: no %s line after %s", prefix, limit)
		}
	}
}

func (g *gateProcess) pay(t *testing.T, n int) int {
	t.Helper()
	if _, err := fmt.Fprintf(g.stdin, "PAY %d\n", n); err != nil {
		t.Fatal(err)
	}
	got, err := strconv.Atoi(g.expect(t, "PAID", 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return got
}
