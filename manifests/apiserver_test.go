package manifests_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// cluster is a real kube-apiserver + etcd (envtest) with the third-party CRDs our
// manifests use, and a kubeconfig for an admin.
type cluster struct {
	kubeconfig string
	kubectl    string
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	apiserver := testenv.Bin(t, "kube-apiserver")
	etcd := testenv.Bin(t, "etcd")
	if filepath.Dir(apiserver) != filepath.Dir(etcd) {
		t.Fatalf("kube-apiserver (%s) and etcd (%s) must share a folder for envtest", apiserver, etcd)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Dir(apiserver),
		CRDDirectoryPaths: []string{
			"crds",
			"testdata/thirdparty-crds/traefik",
			"testdata/thirdparty-crds/gateway-api",
			"testdata/thirdparty-crds/prometheus-operator",
		},
		ErrorIfCRDPathMissing: true,
	}
	if _, err := env.Start(); err != nil {
		t.Fatalf("start envtest control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	admin, err := env.AddUser(envtest.User{Name: "turnpike-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatalf("add admin user: %v", err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	return &cluster{kubeconfig: path, kubectl: kubectl(t)}
}

// run runs kubectl with stdin and returns stdout, stderr and the error.
func (c *cluster) run(stdin []byte, args ...string) (string, string, error) {
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig", c.kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	// kubectl 1.32 against a 1.37 server warns about the version skew on every call.
	var kept []string
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.TrimSpace(l) == "" || strings.Contains(l, "version difference") || strings.Contains(l, "Version Skew") {
			continue
		}
		kept = append(kept, l)
	}
	return out.String(), strings.Join(kept, "\n"), err
}

func (c *cluster) must(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, errs, err := c.run(stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s\n%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

func toYAML(t *testing.T, objs []obj) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(map[string]any(o))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

// TestServerSideValidation sends every rendered object of every kustomization to a real
// kube-apiserver (server-side apply, dry run, strict field validation), with the
// Traefik, Gateway API and Prometheus Operator CRDs installed, then checks the Pod
// Security admission and the RBAC the manifests grant against the real authorizer.
func TestServerSideValidation(t *testing.T) {
	c := startCluster(t)

	rendered := map[string][]obj{}
	var namespaces []obj
	seen := map[string]bool{}
	for _, dir := range kustomizations(t) {
		rendered[dir] = decode(t, render(t, dir))
		for _, o := range rendered[dir] {
			if o.kind() == "Namespace" && !seen[o.name()] {
				seen[o.name()] = true
				namespaces = append(namespaces, o)
			}
		}
	}
	// Namespaced objects can only be dry-run into namespaces that exist.
	c.must(t, toYAML(t, namespaces), "apply", "--server-side", "--field-manager=turnpike-test", "-f", "-")

	for _, dir := range sortedKeys(rendered) {
		t.Run("dry-run "+dir, func(t *testing.T) {
			out, errs, err := c.run(toYAML(t, rendered[dir]), "apply", "--server-side", "--dry-run=server",
				"--validate=strict", "--field-manager=turnpike-test", "-f", "-")
			if err != nil {
				t.Fatalf("server rejected %s: %v\n%s\n%s", dir, err, out, errs)
			}
			if strings.Contains(errs, "Warning") {
				t.Fatalf("server warned on %s:\n%s", dir, errs)
			}
			if n := strings.Count(out, "serverside-applied"); n != len(rendered[dir]) {
				t.Fatalf("%d of %d objects applied:\n%s", n, len(rendered[dir]), out)
			}
		})
	}

	t.Run("pod security", func(t *testing.T) { checkPodSecurity(t, c, rendered) })

	// The RBAC checks need the objects for real.
	c.must(t, toYAML(t, rendered["base"]), "apply", "--server-side", "--field-manager=turnpike-test", "-f", "-")
	t.Run("rbac routes reader", func(t *testing.T) { checkRoutesReader(t, c) })
	t.Run("rbac controller", func(t *testing.T) { checkControllerRBAC(t, c) })
}

// checkPodSecurity creates (dry run) a Pod from every workload's template in its own
// namespace: enforce=restricted rejects a violation outright. A privileged pod must be
// rejected, which proves the admission is active.
func checkPodSecurity(t *testing.T, c *cluster, rendered map[string][]obj) {
	pods := 0
	for _, dir := range sortedKeys(rendered) {
		for _, o := range rendered[dir] {
			if o.kind() != "Deployment" {
				continue
			}
			pod := obj{
				"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]any{"name": o.name() + "-pss", "namespace": o.namespace()},
				"spec":     get(o, "spec", "template", "spec"),
			}
			out, errs, err := c.run(toYAML(t, []obj{pod}), "create", "--dry-run=server", "-f", "-")
			if err != nil || strings.Contains(errs, "PodSecurity") {
				t.Errorf("%s: %s violates the restricted Pod Security Standard: %v\n%s%s", dir, o.id(), err, out, errs)
			}
			pods++
		}
	}
	if pods < 3 {
		t.Fatalf("only %d workloads checked", pods)
	}
	bad := obj{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "privileged", "namespace": "turnpike-system"},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "c", "image": "example.invalid/c@sha256:" + strings.Repeat("0", 64),
			"securityContext": map[string]any{"privileged": true},
		}}},
	}
	if _, errs, err := c.run(toYAML(t, []obj{bad}), "create", "--dry-run=server", "-f", "-"); err == nil || !strings.Contains(errs, "PodSecurity") {
		t.Fatalf("a privileged pod was not refused by Pod Security admission (err=%v): %s", err, errs)
	}
}

const traefikSA = "system:serviceaccount:traefik:traefik"

// checkRoutesReader proves Traefik's service account reaches exactly the routes
// ConfigMap, including list and watch narrowed by the metadata.name field selector the
// plugin sends, and nothing else.
func checkRoutesReader(t *testing.T, c *cluster) {
	for _, name := range []string{"turnpike-routes", "something-else"} {
		c.must(t, nil, "-n", "turnpike-system", "create", "configmap", name, "--from-literal=routes.json={}")
	}
	base := "/api/v1/namespaces/turnpike-system/configmaps"
	cases := []struct {
		desc  string
		args  []string
		allow bool
	}{
		{"get the routes ConfigMap", []string{"get", "--raw", base + "/turnpike-routes"}, true},
		{"list narrowed to the routes ConfigMap", []string{"get", "--raw", base + "?fieldSelector=metadata.name%3Dturnpike-routes"}, true},
		{"watch narrowed to the routes ConfigMap", []string{"get", "--raw", base + "?fieldSelector=metadata.name%3Dturnpike-routes&watch=true&timeoutSeconds=1"}, true},
		{"list every ConfigMap", []string{"get", "--raw", base}, false},
		{"watch every ConfigMap", []string{"get", "--raw", base + "?watch=true&timeoutSeconds=1"}, false},
		{"get another ConfigMap", []string{"get", "--raw", base + "/something-else"}, false},
		{"update the routes ConfigMap", []string{"-n", "turnpike-system", "label", "configmap", "turnpike-routes", "x=y"}, false},
		{"read ConfigMaps elsewhere", []string{"get", "--raw", "/api/v1/namespaces/default/configmaps/turnpike-routes"}, false},
		{"read Secrets", []string{"get", "--raw", "/api/v1/namespaces/turnpike-system/secrets"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			out, errs, err := c.run(nil, append([]string{"--as", traefikSA}, tc.args...)...)
			if tc.allow && err != nil {
				t.Fatalf("refused: %v\n%s", err, errs)
			}
			if !tc.allow {
				if err == nil {
					t.Fatalf("allowed, want forbidden:\n%s", out)
				}
				if !strings.Contains(strings.ToLower(errs), "forbidden") {
					t.Fatalf("failed, but not with forbidden: %s", errs)
				}
			}
		})
	}
}

func checkControllerRBAC(t *testing.T, c *cluster) {
	sa := "system:serviceaccount:turnpike-system:turnpike-controller"
	cases := []struct {
		verb, resource, namespace string
		allow                     bool
	}{
		{"watch", "serviceoffers.x402.turnpike.dev", "shop", true},
		{"patch", "serviceoffers.x402.turnpike.dev/status", "shop", true},
		{"update", "purchaserequests.x402.turnpike.dev/status", "shop", true},
		{"create", "middlewares.traefik.io", "shop", true},
		{"delete", "ingressroutes.traefik.io", "shop", true},
		{"create", "httproutes.gateway.networking.k8s.io", "shop", true},
		{"list", "services", "shop", true},
		{"create", "events", "shop", true},
		{"create", "configmaps", "turnpike-system", true},
		{"update", "leases.coordination.k8s.io", "turnpike-system", true},
		{"create", "serviceoffers.x402.turnpike.dev", "shop", false},
		{"create", "configmaps", "shop", false},
		{"get", "secrets", "turnpike-system", false},
		{"get", "secrets", "shop", false},
		{"create", "services", "shop", false},
		{"create", "pods", "turnpike-system", false},
		{"update", "leases.coordination.k8s.io", "kube-system", false},
		{"create", "gateways.gateway.networking.k8s.io", "shop", false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %s in %s", tc.verb, tc.resource, tc.namespace), func(t *testing.T) {
			out, _, _ := c.run(nil, "auth", "can-i", tc.verb, tc.resource, "-n", tc.namespace, "--as", sa)
			got := strings.TrimSpace(out) == "yes"
			if got != tc.allow {
				t.Fatalf("can-i = %q, want allow=%v", strings.TrimSpace(out), tc.allow)
			}
		})
	}
}
