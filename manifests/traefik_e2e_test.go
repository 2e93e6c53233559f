//go:build e2e

package manifests_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/turnpike-x402/turnpike/internal/filetree"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// traefikBin builds (once per machine) or finds Traefik v3.6.12.
func traefikBin(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(testenv.RepoRoot(t), "scripts", "install-traefik.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/install-traefik.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func loopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

// installPlugin lays out the plugin exactly as `turnpike install-plugin` does from the
// image (the Dockerfile's tree): go.mod, .traefik.yml, plugin/, x402/.
func installPlugin(t *testing.T, workdir string) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	dst := filepath.Join(workdir, "plugins-local", "src", "github.com", "turnpike-x402", "turnpike")
	for _, sub := range []string{"plugin", "x402"} {
		if _, err := filetree.Copy(filepath.Join(root, sub), filepath.Join(dst, sub)); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.mod", ".traefik.yml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

type traefikRun struct {
	web, ping, metrics string
	done               chan error
	log                *bytes.Buffer
}

// runShippedConfig starts Traefik with manifests/traefik/traefik.yml and
// turnpike-dynamic.yml, changed only where a test must: loopback ports, the file
// provider instead of the Kubernetes ones, local paths and upstream.
func runShippedConfig(t *testing.T, workdir, upstream string, mutate func(static map[string]any)) *traefikRun {
	t.Helper()
	r := &traefikRun{web: loopbackAddr(t), ping: loopbackAddr(t), metrics: loopbackAddr(t), done: make(chan error, 1), log: &bytes.Buffer{}}

	doc := routes.Document{Schema: routes.Schema, Generation: 1, Offers: []routes.Offer{{
		Namespace: "shop", Name: "weather", State: routes.StateActive, PathPrefix: "/weather",
		Payments: []routes.Payment{{
			Scheme: "exact", Network: "eip155:84532", Amount: "1000",
			Asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
			MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6,
		}},
	}}}
	if err := doc.Validate(); err != nil {
		t.Fatalf("test routes document: %v", err)
	}
	docJSON, _ := json.Marshal(doc)
	routesFile := filepath.Join(workdir, "routes", routes.DataKey)
	if err := os.MkdirAll(filepath.Dir(routesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(routesFile, docJSON, 0o644); err != nil {
		t.Fatal(err)
	}

	dyn := loadYAML(t, "traefik/turnpike-dynamic.yml")
	cfg := get(dyn, "http", "middlewares", "weather-x402", "plugin", "turnpike").(map[string]any)
	cfg["routesFile"] = routesFile
	cfg["metricsAddress"] = r.metrics
	cfg["facilitatorURL"] = "http://127.0.0.1:1" // never called: no payment is sent
	servers := list(dyn, "http", "services", "weather", "loadBalancer", "servers")
	servers[0].(map[string]any)["url"] = upstream
	writeYAML(t, filepath.Join(workdir, "dynamic.yml"), dyn)

	static := loadYAML(t, "traefik/traefik.yml")
	static["entryPoints"] = map[string]any{
		"web":     map[string]any{"address": r.web},
		"traefik": map[string]any{"address": r.ping},
	}
	static["providers"] = map[string]any{"file": map[string]any{"filename": filepath.Join(workdir, "dynamic.yml")}}
	static["global"] = map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false}
	if mutate != nil {
		mutate(static)
	}
	writeYAML(t, filepath.Join(workdir, "traefik.yml"), static)

	cmd := exec.Command(traefikBin(t), "--configFile="+filepath.Join(workdir, "traefik.yml"))
	cmd.Dir = workdir // plugins-local is relative to the working directory
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
		}
	})
	return r
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func httpGet(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestTraefikWiring starts real Traefik with the static and dynamic files we ship for
// non-Helm installs and the plugin tree the image carries: the gate must load through
// Yaegi, answer 402 on the paid route, and serve its metrics on the configured
// address. With a broken plugin, abortOnPluginFailure must stop Traefik instead of
// letting it route without the gate.
func TestTraefikWiring(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "weather: sunny")
	}))
	defer upstream.Close()

	t.Run("gate loads and charges", func(t *testing.T) {
		dir := t.TempDir()
		installPlugin(t, dir)
		r := runShippedConfig(t, dir, upstream.URL, nil)
		deadline := time.Now().Add(90 * time.Second)
		var status int
		var hdr http.Header
		var body string
		for time.Now().Before(deadline) {
			select {
			case err := <-r.done:
				t.Fatalf("traefik exited: %v\n%s", err, r.log)
			default:
			}
			if s, _, _ := httpGet(t, "http://"+r.ping+"/ping"); s == http.StatusOK {
				status, hdr, body = httpGet(t, "http://"+r.web+"/weather/today")
				if status == http.StatusPaymentRequired {
					break
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		if status != http.StatusPaymentRequired {
			t.Fatalf("GET /weather/today = %d %q, want 402 from the gate\n%s", status, body, r.log)
		}
		if hdr.Get("PAYMENT-REQUIRED") == "" {
			t.Errorf("402 without a PAYMENT-REQUIRED header: %v", hdr)
		}
		if strings.Contains(body, "sunny") {
			t.Fatal("the upstream answered an unpaid request")
		}
		s, _, metrics := httpGet(t, "http://"+r.metrics+"/metrics")
		want := `turnpike_payment_required_total{offer_namespace="shop",offer_name="weather",chain="eip155:84532",asset_symbol="USDC"}`
		if s != http.StatusOK || !strings.Contains(metrics, want) {
			t.Fatalf("metrics listener: %d, missing %s in\n%s", s, want, metrics)
		}
	})

	brokenPlugin := func(t *testing.T) string {
		dir := t.TempDir()
		dst := installPlugin(t, dir)
		if err := os.WriteFile(filepath.Join(dst, "plugin", "zz_broken.go"), []byte("package plugin\n\nfunc broken( {\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	t.Run("broken plugin stops traefik", func(t *testing.T) {
		r := runShippedConfig(t, brokenPlugin(t), upstream.URL, nil)
		select {
		case err := <-r.done:
			if err == nil {
				t.Fatalf("traefik exited 0 with a broken plugin\n%s", r.log)
			}
		case <-time.After(60 * time.Second):
			s, _, body := httpGet(t, "http://"+r.web+"/weather/today")
			t.Fatalf("traefik kept running with a broken plugin (GET /weather/today = %d %q)\n%s", s, body, r.log)
		}
	})

	// Why the shipped file sets abortOnPluginFailure: without it Traefik starts with no
	// plugins at all and keeps serving.
	t.Run("without abortOnPluginFailure traefik runs without the gate", func(t *testing.T) {
		r := runShippedConfig(t, brokenPlugin(t), upstream.URL, func(static map[string]any) {
			get(static, "experimental").(map[string]any)["abortOnPluginFailure"] = false
		})
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case err := <-r.done:
				t.Fatalf("traefik exited (%v): the default changed, revisit this test\n%s", err, r.log)
			default:
			}
			if s, _, _ := httpGet(t, "http://"+r.ping+"/ping"); s == http.StatusOK {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("traefik neither served nor exited\n%s", r.log)
	})
}
