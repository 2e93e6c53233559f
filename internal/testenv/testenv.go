// Package testenv finds the real binaries and packages that integration tests run
// (Traefik, kube-apiserver, etcd, node clients). They are installed by scripts/ into
// $TURNPIKE_BIN; a missing one fails the test with the command that installs it,
// because an integration test that silently skips proves nothing.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Cache is the folder the install scripts build into.
func Cache() string {
	if d := os.Getenv("TURNPIKE_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "turnpike-cache")
	}
	return filepath.Join(home, ".cache", "turnpike")
}

// BinDir is the folder that holds the built tools.
func BinDir() string {
	if d := os.Getenv("TURNPIKE_BIN"); d != "" {
		return d
	}
	return filepath.Join(Cache(), "bin")
}

// Bin returns the path of tool name from $TURNPIKE_BIN (or PATH), failing t when it is
// not installed.
func Bin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(BinDir(), name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("%s is not installed in %s: run `make test-deps` (scripts/install-test-deps.sh)", name, BinDir())
	return ""
}

// RepoRoot returns the module root, found by walking up to go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// TraefikDocs is the folder holding Traefik v3.6.12's whole CRD bundle
// (kubernetes-crd-definition-v1.yml) and its documented RBAC (kubernetes-crd-rbac.yml,
// kubernetes-gateway-rbac.yml); GatewayAPICRDs the folder of Gateway API v1.4.0's
// standard-channel CRDs. Both are copied into the
// cache by scripts/install-deps.d/30-thirdparty-crds.sh; a test never reads them from
// the Go module cache, which only an unrelated build may have filled.
func TraefikDocs(t testing.TB) string {
	t.Helper()
	return cached(t, filepath.Join("crds", "traefik-v3.6.12"))
}

// TraefikCRDs is the CRD bundle in TraefikDocs.
func TraefikCRDs(t testing.TB) string {
	t.Helper()
	return filepath.Join(TraefikDocs(t), "kubernetes-crd-definition-v1.yml")
}

// GatewayAPICRDs: see TraefikDocs.
func GatewayAPICRDs(t testing.TB) string {
	t.Helper()
	return cached(t, filepath.Join("crds", "gateway-api-v1.4.0"))
}

func cached(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Cache(), rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not installed: run `make test-deps` (scripts/install-test-deps.sh): %v", p, err)
	}
	return p
}

// Traefik returns the Traefik binary the suites run, building it on first use through
// scripts/install-traefik.sh (the script `make e2e` runs), so a bare `go test -tags e2e`
// works on a fresh machine too; later calls find the cached build at once.
func Traefik(t testing.TB) string {
	t.Helper()
	script := filepath.Join(RepoRoot(t), "scripts", "install-traefik.sh")
	out, err := exec.Command("bash", script).Output()
	if err != nil {
		t.Fatalf("scripts/install-traefik.sh: %v", err)
	}
	p := strings.TrimSpace(string(out))
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		t.Fatalf("scripts/install-traefik.sh printed %q, which is not a binary: %v", p, err)
	}
	return p
}
