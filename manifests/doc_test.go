// Package manifests_test checks the install manifests: every kustomization renders,
// the CRD list matches what controller-gen wrote, workloads keep the restricted
// security posture, RBAC stays least-privilege, third-party images are pinned by digest,
// and (against a real kube-apiserver) every rendered object passes server-side
// validation with the Traefik, Gateway API and Prometheus Operator CRDs installed.
package manifests_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// obj is one decoded Kubernetes object.
type obj map[string]any

func (o obj) kind() string      { return str(o, "kind") }
func (o obj) name() string      { return str(o, "metadata", "name") }
func (o obj) namespace() string { return str(o, "metadata", "namespace") }
func (o obj) id() string        { return o.kind() + " " + o.namespace() + "/" + o.name() }

// get walks nested maps; a missing step yields nil.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			if o, ok2 := v.(obj); ok2 {
				m = o
			} else {
				return nil
			}
		}
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...string) []any {
	l, _ := get(v, path...).([]any)
	return l
}

// kustomizations lists every folder under manifests/ holding a kustomization, except
// test data. The root needs the generated CRDs.
func kustomizations(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "kustomization.yaml" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	return dirs
}

func kubectl(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("kubectl"); err == nil {
		return p
	}
	return testenv.Bin(t, "kubectl")
}

// render runs `kubectl kustomize dir`.
func render(t *testing.T, dir string) []byte {
	t.Helper()
	cmd := exec.Command(kubectl(t), "kustomize", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	return out
}

// decode splits a multi-document YAML stream into objects.
func decode(t *testing.T, stream []byte) []obj {
	t.Helper()
	var out []obj
	for _, doc := range splitYAML(stream) {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("decode YAML: %v\n%s", err, doc)
		}
		var o obj
		if err := json.Unmarshal(j, &o); err != nil {
			t.Fatalf("decode JSON: %v", err)
		}
		if o == nil {
			continue
		}
		out = append(out, o)
	}
	return out
}

func splitYAML(stream []byte) [][]byte {
	var docs [][]byte
	var cur []string
	flush := func() {
		d := strings.TrimSpace(strings.Join(cur, "\n"))
		if d != "" {
			docs = append(docs, []byte(d+"\n"))
		}
		cur = nil
	}
	for _, l := range strings.Split(string(stream), "\n") {
		if l == "---" || strings.HasPrefix(l, "--- ") {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return docs
}

func findObj(objs []obj, kind, namespace, name string) obj {
	for _, o := range objs {
		if o.kind() == kind && o.namespace() == namespace && o.name() == name {
			return o
		}
	}
	return nil
}
