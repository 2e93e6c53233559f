//go:build e2e || bench

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// configMapDir imitates the kubelet's ConfigMap volume: every version of the data is
// written into a fresh hidden directory, `..data` is a symlink to the current one and
// each key is a symlink through `..data`. An update swaps `..data` atomically (a new
// symlink renamed over the old one), which is what the gate's poller must notice.
type configMapDir struct {
	Dir     string
	version int
}

func newConfigMapDir(t testing.TB) *configMapDir {
	t.Helper()
	return &configMapDir{Dir: t.TempDir()}
}

// Path returns the path the gate is configured with for key.
func (c *configMapDir) Path(key string) string { return filepath.Join(c.Dir, key) }

// Write publishes a new version holding files (key → content).
func (c *configMapDir) Write(t testing.TB, files map[string][]byte) {
	t.Helper()
	c.version++
	ts := fmt.Sprintf("..2026_11_27_00_00_00.%04d", c.version)
	if err := os.Mkdir(filepath.Join(c.Dir, ts), 0o755); err != nil {
		t.Fatalf("configmap: %v", err)
	}
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(c.Dir, ts, k), v, 0o644); err != nil {
			t.Fatalf("configmap: %v", err)
		}
	}
	tmp := filepath.Join(c.Dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatalf("configmap: %v", err)
	}
	if err := os.Rename(tmp, filepath.Join(c.Dir, "..data")); err != nil {
		t.Fatalf("configmap: %v", err)
	}
	for k := range files {
		link := filepath.Join(c.Dir, k)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
			t.Fatalf("configmap: %v", err)
		}
	}
}
