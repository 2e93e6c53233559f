package crddesc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

func TestUnwrap(t *testing.T) {
	cases := []struct {
		desc, in, want string
	}{
		{"one line stays", "price in USDC.", "price in USDC."},
		{"wrapped paragraph joins", "drainAt starts a drain:\nthe offer is no longer\nadvertised.", "drainAt starts a drain: the offer is no longer advertised."},
		{"paragraph break kept", "first line\nwrapped.\n\nsecond paragraph\nwrapped.", "first line wrapped.\n\nsecond paragraph wrapped."},
		{"list items keep their breaks", "kinds:\n- http\n- inference\n  continued", "kinds:\n- http\n- inference\n  continued"},
		{"numbered items keep their breaks", "order:\n1. route\n2. gate", "order:\n1. route\n2. gate"},
		{"a number in running text joins", "wait\n30 seconds", "wait 30 seconds"},
		{"indented block kept", "example:\n    a: 1\n    b: 2", "example:\n    a: 1\n    b: 2"},
	}
	for _, c := range cases {
		if got := Unwrap(c.in); got != c.want {
			t.Errorf("%s: Unwrap(%q) = %q, want %q", c.desc, c.in, got, c.want)
		}
	}
}

// TestCRDDescriptionsNotHardWrapped: every description in manifests/crds is one line
// per paragraph (scripts/controller-gen.sh runs tools/crddesc), so `kubectl explain`
// wraps it to the terminal instead of printing the Go comment's 80-column breaks.
func TestCRDDescriptionsNotHardWrapped(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "manifests", "crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs found (%v)", err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal([]byte(strings.TrimPrefix(string(b), "---\n")), &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		Descriptions(doc, "", func(path, d string) string {
			checked++
			if u := Unwrap(d); u != d {
				t.Errorf("%s%s: description has a line break inside a paragraph (run scripts/controller-gen.sh):\n%s", filepath.Base(f), path, d)
			}
			return d
		})
	}
	if checked < 20 {
		t.Fatalf("only %d descriptions found: the walk is broken", checked)
	}
}
