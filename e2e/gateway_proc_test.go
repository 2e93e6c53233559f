//go:build e2e || bench

package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
)

// turnpikeBinary builds cmd/turnpike once per test process.
var turnpikeBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "turnpike-e2e-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "turnpike")
	build := exec.Command("go", "build", "-o", bin, "./cmd/turnpike")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(out)}
	}
	return bin, nil
})

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "build turnpike: " + e.err.Error() + "\n" + e.out }

// moduleRoot is set by the first startGateway (turnpikeBinary needs no testing.T).
var moduleRoot string

// startGateway builds and starts `turnpike gateway` (the gate compiled natively) in
// front of upstream, configured with the same middleware definition Traefik gets, and
// waits until probe (a paid path) answers 402.
func startGateway(t testing.TB, upstream, probe string, gate map[string]any) (string, int) {
	t.Helper()
	if moduleRoot == "" {
		moduleRoot = testenv.RepoRoot(t)
	}
	bin, err := turnpikeBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "gateway.yml")
	writeJSON(t, conf, newDyn().Plugin("gate", turnpikePlugin, gate).Map())
	addr := testutil.FreeAddr(t)
	cmd := exec.Command(bin, "gateway", "-config", conf, "-listen", addr, "-upstream", upstream)
	logf, err := os.Create(filepath.Join(dir, "gateway.log"))
	must(t, err, "gateway log")
	cmd.Stdout, cmd.Stderr = logf, logf
	must(t, cmd.Start(), "start gateway")
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + probe)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusPaymentRequired {
				break
			}
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(logf.Name())
			conf, _ := os.ReadFile(conf)
			t.Fatalf("turnpike gateway %v did not answer 402 on %s within 20 s (last: %v):\n%s\nconfig:\n%s", cmd.Args, probe, err, data, conf)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "http://" + addr, cmd.Process.Pid
}
