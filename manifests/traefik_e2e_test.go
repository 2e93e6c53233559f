//go:build e2e

package manifests_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// runShippedConfig starts Traefik with manifests/traefik/traefik.yml and
// turnpike-dynamic.yml, changed only where a test must (internal/traefiktest: loopback
// ports, the file provider instead of the Kubernetes ones) and here: local routes file
// and upstream. mutate, when set, edits the shipped static file first.
func runShippedConfig(t *testing.T, gate traefiktest.Plugin, upstream string, mutate func(static map[string]any), expectExit bool) (tr *traefiktest.Traefik, metricsAddr string) {
	t.Helper()
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
	routesFile := filepath.Join(t.TempDir(), routes.DataKey)
	if err := os.WriteFile(routesFile, docJSON, 0o644); err != nil {
		t.Fatal(err)
	}

	metricsAddr = testutil.FreeAddr(t)
	dyn := loadYAML(t, "traefik/turnpike-dynamic.yml")
	cfg := get(dyn, "http", "middlewares", "weather-x402", "plugin", "turnpike").(map[string]any)
	cfg["routesFile"] = routesFile
	cfg["metricsAddress"] = metricsAddr
	cfg["facilitatorURL"] = "http://127.0.0.1:1" // never called: no payment is sent
	servers := list(dyn, "http", "services", "weather", "loadBalancer", "servers")
	servers[0].(map[string]any)["url"] = upstream

	static := loadYAML(t, "traefik/traefik.yml")
	if mutate != nil {
		mutate(static)
	}
	tr = traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{gate}, Static: static, Dynamic: dyn, ExpectExit: expectExit})
	return tr, metricsAddr
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
		tr, metricsAddr := runShippedConfig(t, traefiktest.Gate(), upstream.URL, nil, false)
		var hdr http.Header
		var body string
		testutil.Eventually(t, 30*time.Second, "402 from the gate on /weather/today", func() string {
			var status int
			status, hdr, body = httpGet(t, tr.URL("/weather/today"))
			if status != http.StatusPaymentRequired {
				return fmt.Sprintf("%d %q", status, body)
			}
			return ""
		})
		if hdr.Get("PAYMENT-REQUIRED") == "" {
			t.Errorf("402 without a PAYMENT-REQUIRED header: %v", hdr)
		}
		if strings.Contains(body, "sunny") {
			t.Fatal("the upstream answered an unpaid request")
		}
		s, _, metrics := httpGet(t, "http://"+metricsAddr+"/metrics")
		want := `turnpike_payment_required_total{offer_namespace="shop",offer_name="weather",chain="eip155:84532",asset_symbol="USDC"}`
		if s != http.StatusOK || !strings.Contains(metrics, want) {
			t.Fatalf("metrics listener: %d, missing %s in\n%s", s, want, metrics)
		}
	})

	brokenGate := traefiktest.Gate()
	brokenGate.Files = map[string]string{"plugin/zz_broken.go": "package plugin\n\nfunc broken( {\n"}

	t.Run("broken plugin stops traefik", func(t *testing.T) {
		tr, _ := runShippedConfig(t, brokenGate, upstream.URL, nil, true)
		if err := tr.ExitErr(); err == nil {
			t.Fatalf("traefik exited 0 with a broken plugin\n%s", tr.Diagnostics())
		}
	})

	// Why the shipped file sets abortOnPluginFailure: without it Traefik starts with no
	// plugins at all and keeps serving (the harness fails the test if it exits).
	t.Run("without abortOnPluginFailure traefik runs without the gate", func(t *testing.T) {
		tr, _ := runShippedConfig(t, brokenGate, upstream.URL, func(static map[string]any) {
			get(static, "experimental").(map[string]any)["abortOnPluginFailure"] = false
		}, false)
		if !tr.Alive() {
			t.Fatalf("traefik exited (%v): the default changed, revisit this test\n%s", tr.ExitErr(), tr.Diagnostics())
		}
	})
}
