package manifests_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// cluster is a real kube-apiserver + etcd (envtest) with the third-party CRDs our
// manifests use, and a kubeconfig for an admin.
type cluster struct {
	kubeconfig string
	kubectl    string
	apiURL     string
	caData     []byte
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
	cfg := admin.Config()
	return &cluster{kubeconfig: path, kubectl: kubectl(t), apiURL: strings.TrimSuffix(cfg.Host, "/"), caData: cfg.CAData}
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
	t.Run("gate reads routes as traefik", func(t *testing.T) { checkGateWithTraefikToken(t, c) })
}

// checkGateWithTraefikToken runs the real gate (compiled natively) with a token of
// Traefik's service account: it must load the routes document from the ConfigMap and
// follow updates through its list+watch, which only the field selector lets through
// the name-restricted Role. The same gate with a token of an unbound account must not.
func checkGateWithTraefikToken(t *testing.T, c *cluster) {
	for _, ns := range []string{"traefik", "elsewhere"} {
		c.must(t, nil, "create", "namespace", ns)
		c.must(t, nil, "-n", ns, "create", "serviceaccount", "traefik")
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, c.caData, 0o600); err != nil {
		t.Fatal(err)
	}
	writeRoutes := func(amount string) {
		doc := fmt.Sprintf(`{"schema":%q,"generation":%s,"offers":[{"namespace":"shop","name":"weather","state":"active","pathPrefix":"/weather",`+
			`"payments":[{"scheme":"exact","network":"eip155:84532","amount":%q,"asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e",`+
			`"payTo":"0x209693Bc6afc0C5328bA36FaF03C514EF312287C","maxTimeoutSeconds":60,"eip712Name":"USDC","eip712Version":"2","assetSymbol":"USDC","assetDecimals":6}]}]}`,
			routes.Schema, amount, amount)
		cm := obj{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "turnpike-routes", "namespace": "turnpike-system"},
			"data":     map[string]any{routes.DataKey: doc}}
		c.must(t, toYAML(t, []obj{cm}), "apply", "--server-side", "--force-conflicts", "--field-manager=turnpike-test", "-f", "-")
	}
	writeRoutes("1000")

	// Each gate reaches the apiserver through its own forwarder: the plugin shares one
	// watch per process for the same ConfigMap and API URL (as one Traefik process
	// does), and closing the forwarder ends the gate's watch, which would otherwise
	// outlive the test and hold up the apiserver's shutdown.
	gate := func(t *testing.T, ns string) http.Handler {
		apiURL := forward(t, c.apiURL)
		tok := strings.TrimSpace(c.must(t, nil, "-n", ns, "create", "token", "traefik", "--duration=10m"))
		tokFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokFile, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := plugin.CreateConfig()
		cfg.Offer = "shop/weather"
		cfg.RoutesConfigMap = "turnpike-system/turnpike-routes"
		cfg.KubernetesAPIURL = apiURL
		cfg.KubernetesTokenFile = tokFile
		cfg.KubernetesCAFile = caFile
		cfg.FacilitatorURL = "http://127.0.0.1:1" // never called: no payment is sent
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		h, err := plugin.New(ctx, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			t.Error("the upstream was reached without payment")
		}), cfg, "gate-"+ns)
		if err != nil {
			t.Fatalf("plugin.New: %v", err)
		}
		return h
	}
	challenge := func(h http.Handler) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://api.example/weather/today", nil))
		return rec.Code, rec.Header().Get("PAYMENT-REQUIRED")
	}
	waitChallenge := func(t *testing.T, h http.Handler, amount string) {
		deadline := time.Now().Add(20 * time.Second)
		var code int
		var hdr string
		for time.Now().Before(deadline) {
			code, hdr = challenge(h)
			if code == http.StatusPaymentRequired {
				raw, err := x402.DecodeHeaderBytes(hdr, 0)
				if err == nil && strings.Contains(string(raw), `"amount":"`+amount+`"`) {
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no 402 asking %s after 20s (last %d, %q)", amount, code, hdr)
	}

	t.Run("bound account loads and follows the document", func(t *testing.T) {
		h := gate(t, "traefik")
		waitChallenge(t, h, "1000")
		writeRoutes("2500")
		waitChallenge(t, h, "2500")
	})
	t.Run("unbound account gets nothing", func(t *testing.T) {
		logs := &testenv.Buffer{}
		log.SetOutput(logs)
		defer log.SetOutput(os.Stderr)
		h := gate(t, "elsewhere")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && !strings.Contains(logs.String(), "HTTP 403") {
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), "HTTP 403") {
			t.Fatalf("the gate's watch was not refused with 403:\n%s", logs.String())
		}
		if code, _ := challenge(h); code == http.StatusPaymentRequired || code < 400 {
			t.Fatalf("gate without RBAC answered %d, want a refusal (routes not loaded)", code)
		}
	})
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
		{"get", "services", "shop", true},
		{"create", "events", "shop", true},
		{"create", "configmaps", "turnpike-system", true},
		{"update", "leases.coordination.k8s.io", "turnpike-system", true},
		{"create", "serviceoffers.x402.turnpike.dev", "shop", false},
		{"create", "configmaps", "shop", false},
		{"get", "secrets", "turnpike-system", false},
		{"get", "secrets", "shop", false},
		{"create", "services", "shop", false},
		// Upstream Services are read one GET at a time, never cached cluster-wide.
		{"list", "services", "shop", false},
		// The controller patches offers and server-side applies its children; it never
		// updates them whole.
		{"update", "serviceoffers.x402.turnpike.dev", "shop", false},
		{"update", "middlewares.traefik.io", "shop", false},
		{"delete", "configmaps", "turnpike-system", false},
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

// forward relays TCP connections from a new loopback port to target's host:port until
// the test ends, then closes them all. It returns target's URL with the new port.
func forward(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", u.Host)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return u.Scheme + "://" + ln.Addr().String()
}
