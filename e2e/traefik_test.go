//go:build e2e || bench

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// CPUTicks returns utime+stime of the process in clock ticks (/proc/<pid>/stat fields
// 14 and 15). USER_HZ is 100 on every Linux architecture Go supports.
func CPUTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after it are split
	// from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime is field 14 → f[11], stime field 15 → f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return u + st, nil
}

// ticksPerSecond is USER_HZ.
const ticksPerSecond = 100

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
