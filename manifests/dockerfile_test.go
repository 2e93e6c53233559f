package manifests_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// The image carries the plugin tree that `turnpike install-plugin` hands to Traefik:
// the Dockerfile must copy every package the plugin imports (Yaegi resolves them
// under plugins-local/src), and the manifest Traefik checks.
func TestDockerfileCarriesPluginTree(t *testing.T) {
	root := testenv.RepoRoot(t)
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	copied := map[string]bool{}
	for _, l := range strings.Split(string(df), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || f[0] != "COPY" || strings.HasPrefix(f[1], "--from") {
			continue
		}
		dst := f[len(f)-1]
		for _, src := range f[1 : len(f)-1] {
			if strings.HasPrefix(dst, "/opt/turnpike/plugin") {
				copied[filepath.Clean(src)] = true
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil && src != "bin/turnpike" {
				t.Errorf("Dockerfile copies %s, which does not exist", src)
			}
		}
	}
	for _, must := range []string{"go.mod", ".traefik.yml"} {
		if !copied[must] {
			t.Errorf("Dockerfile does not copy %s into the plugin tree", must)
		}
	}

	list := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./plugin")
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps ./plugin: %v", err)
	}
	const module = "github.com/turnpike-x402/turnpike/"
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, module) {
			// Standard library only is depguard's rule (.golangci.yml, `make lint`),
			// kept beside the code; here only the copy into the image matters.
			continue
		}
		top := strings.SplitN(strings.TrimPrefix(pkg, module), "/", 2)[0]
		if !copied[top] {
			t.Errorf("the plugin imports %s, but the Dockerfile does not copy %s/ into the plugin tree", pkg, top)
		}
	}
}
