package manifests_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// Every argument our manifests pass to the turnpike image names a subcommand and flags
// that the binary really has: a renamed flag must fail here, not in a CrashLoopBackOff.
func TestTurnpikeArgsMatchBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "turnpike")
	build := exec.Command("go", "build", "-o", bin, "./cmd/turnpike")
	build.Dir = testenv.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/turnpike: %v\n%s", err, out)
	}

	flagsOf := map[string]map[string]bool{}
	flagLine := regexp.MustCompile(`(?m)^\s+-([a-zA-Z0-9-]+)`)
	knownFlags := func(sub string) map[string]bool {
		if f, ok := flagsOf[sub]; ok {
			return f
		}
		out, err := exec.Command(bin, sub, "-h").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "usage: turnpike "+sub) {
			t.Fatalf("turnpike %s -h (%v) did not print its usage and flags:\n%s", sub, err, out)
		}
		f := map[string]bool{}
		for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
			f[m[1]] = true
		}
		flagsOf[sub] = f
		return f
	}

	type use struct {
		where, sub string
		args       []string
	}
	var uses []use
	for _, dir := range kustomizations(t) {
		for id, spec := range podSpecs(decode(t, render(t, dir))) {
			for _, field := range []string{"containers", "initContainers"} {
				for _, c := range list(spec, field) {
					if !strings.HasPrefix(str(c, "image"), firstParty) {
						continue
					}
					args := strs(list(c, "args"))
					if len(args) == 0 {
						t.Errorf("%s %s: turnpike container without a subcommand", dir, id)
						continue
					}
					uses = append(uses, use{dir + " " + id + " " + str(c, "name"), args[0], args[1:]})
				}
			}
		}
	}
	values := loadYAML(t, "traefik/values.yaml")
	for _, c := range list(values, "deployment", "initContainers") {
		if args := strs(list(c, "args")); strings.HasPrefix(str(c, "image"), firstParty) && len(args) > 0 {
			uses = append(uses, use{"traefik/values.yaml " + str(c, "name"), args[0], args[1:]})
		}
	}
	if len(uses) < 4 {
		t.Fatalf("found only %d turnpike containers", len(uses))
	}
	for _, u := range uses {
		known := knownFlags(u.sub)
		for _, a := range u.args {
			if !strings.HasPrefix(a, "-") {
				t.Errorf("%s: positional argument %q", u.where, a)
				continue
			}
			name := strings.TrimLeft(a, "-")
			if i := strings.IndexByte(name, '='); i >= 0 {
				name = name[:i]
			}
			if !known[name] {
				t.Errorf("%s: turnpike %s has no flag -%s", u.where, u.sub, name)
			}
		}
	}
	_ = os.Remove(bin)
}
