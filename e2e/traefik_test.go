//go:build e2e || bench

package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/traefiktest"
)

// The local plugins the suites load: the gate, and a trivial one-header plugin
// (e2e/testdata/benchheader) that measures what any Yaegi plugin costs.
const (
	turnpikePlugin    = traefiktest.GateName
	benchHeaderModule = "github.com/turnpike-x402/benchheader"
	benchHeaderPlugin = "benchheader"
	benchFloorModule  = "github.com/turnpike-x402/benchfloor"
	benchFloorPlugin  = "benchfloor"
)

// benchFloor is the least an interpreted x402 plugin can do (e2e/testdata/benchfloor):
// the floor under the gate's 402 and paid rows in make bench.
func benchFloor() traefiktest.Plugin {
	return traefiktest.Plugin{Name: benchFloorPlugin, Module: benchFloorModule, Src: filepath.Join("testdata", "benchfloor")}
}

func benchHeader() traefiktest.Plugin {
	return traefiktest.Plugin{Name: benchHeaderPlugin, Module: benchHeaderModule, Src: filepath.Join("testdata", "benchheader")}
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// serve runs h on a loopback listener until the test ends and returns its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}
