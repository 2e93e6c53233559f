package manifests_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// firstParty is the one image Turnpike builds. It is referenced by tag in the
// manifests (it does not exist before the release that builds it); releases pin it
// with `kustomize edit set image`. Everything else must be pinned by digest: a tag can
// be moved to other content, a digest cannot.
const firstParty = "ghcr.io/turnpike-x402/turnpike"

var digestRef = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$`)

// imageProblem says why ref is not acceptable, or "" when it is.
func imageProblem(ref string) string {
	if ref == "" {
		return "empty image reference"
	}
	if strings.HasPrefix(ref, firstParty+":") || strings.HasPrefix(ref, firstParty+"@") {
		return ""
	}
	if !digestRef.MatchString(ref) {
		return "third-party image not pinned by digest: " + ref
	}
	return ""
}

func TestImageProblem(t *testing.T) {
	cases := []struct {
		desc, ref string
		ok        bool
	}{
		{"tag and digest", "docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0", true},
		{"digest only", "gcr.io/distroless/static-debian12@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639", true},
		{"tag only", "docker.io/library/busybox:1.37.0", false},
		{"no tag at all", "traefik", false},
		{"latest", "traefik:latest", false},
		{"short digest", "busybox@sha256:9db7b599", false},
		{"uppercase digest", "busybox@sha256:9DB7B59979C38555A39DEF84A31FB98B5296952F9E3AFD4F6F11F05B07ADFAB0", false},
		{"first party by tag", firstParty + ":v0.1.0", true},
		{"first-party look-alike", firstParty + "-evil:v1", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			p := imageProblem(c.ref)
			if (p == "") != c.ok {
				t.Fatalf("imageProblem(%q) = %q, want ok=%v", c.ref, p, c.ok)
			}
		})
	}
}

// podImages returns every container and init-container image in a pod spec.
func podImages(spec any) []string {
	var out []string
	for _, field := range []string{"containers", "initContainers", "ephemeralContainers"} {
		for _, c := range list(spec, field) {
			out = append(out, str(c, "image"))
		}
	}
	return out
}

// allImageRefs collects image references from every rendered kustomization, the Traefik
// Helm values and the Dockerfile, keyed by where they were found.
func allImageRefs(t *testing.T) map[string][]string {
	t.Helper()
	refs := map[string][]string{}
	for _, dir := range kustomizations(t) {
		for id, spec := range podSpecs(decode(t, render(t, dir))) {
			refs[dir+": "+id] = podImages(spec)
		}
	}

	raw, err := os.ReadFile("traefik/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatalf("traefik/values.yaml: %v", err)
	}
	// The chart builds registry/repository:tag.
	traefik := str(values, "image", "registry") + "/" + str(values, "image", "repository") + ":" + str(values, "image", "tag")
	refs["traefik/values.yaml: image"] = []string{traefik}
	refs["traefik/values.yaml: initContainers"] = podImages(get(values, "deployment"))
	refs["traefik/values.yaml: additionalContainers"] = func() []string {
		var out []string
		for _, c := range list(values, "deployment", "additionalContainers") {
			out = append(out, str(c, "image"))
		}
		return out
	}()

	df, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(df), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.EqualFold(f[0], "FROM") {
			ref := f[1]
			for _, a := range f[1:] {
				if !strings.HasPrefix(a, "--") {
					ref = a
					break
				}
			}
			refs["Dockerfile"] = append(refs["Dockerfile"], ref)
		}
	}
	return refs
}

func TestImagesPinnedByDigest(t *testing.T) {
	refs := allImageRefs(t)
	var n int
	tags := map[string]bool{}
	for where, rs := range refs {
		for _, r := range rs {
			n++
			if p := imageProblem(r); p != "" {
				t.Errorf("%s: %s", where, p)
			}
			if strings.HasPrefix(r, firstParty+":") {
				tags[r] = true
			}
		}
	}
	if n < 6 {
		t.Fatalf("found only %d image references: the collector is broken", n)
	}
	if len(tags) > 1 {
		t.Errorf("first-party image referenced with different tags: %v", tags)
	}
	if len(refs["Dockerfile"]) == 0 {
		t.Error("no FROM line found in Dockerfile")
	}
}

// `make image` must tag what the manifests run, or an imported image is never used
// and the kubelet tries (and, with no registry access, fails) to pull.
func TestMakeImageTagMatchesManifests(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "mk", "45-images.mk"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^IMAGE \?= (\S+)$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("mk/45-images.mk has no `IMAGE ?= ...` line")
	}
	made := string(m[1])
	var n int
	for where, rs := range allImageRefs(t) {
		for _, r := range rs {
			if strings.HasPrefix(r, firstParty+":") {
				n++
				if r != made {
					t.Errorf("%s runs %s, but `make image` tags %s", where, r, made)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no first-party image reference found in the manifests")
	}
}
