package traefikconf

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/turnpike-x402/turnpike/plugin"
)

const dynamicYAML = `
http:
  routers:
    weather:
      rule: PathPrefix(` + "`/services/weather`" + `)
      service: weather
      middlewares: [pay]
  services:
    weather:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:9
  middlewares:
    pay:
      plugin:
        turnpike:
          offer: shop/weather
          ROUTESFILE: /etc/turnpike/routes/routes.json
          facilitatorUrl: http://127.0.0.1:4021
          facilitatorHeaders:
            X-Api-Key: k1
          cdpKeyId: key-1
          cdpKeySecretFile: /etc/cdp/secret
          metricsAddress: 127.0.0.1:9402
          resourceBaseURL: https://api.example.com
          payerHeader: X-Payer
          verifyTimeoutMs: "2500"
          settleTimeoutMs: 45000
          pollIntervalMs: 500
          maxBufferBytes: 1048576
          replayGuardEntries: 5000
          maxValiditySlackSeconds: 30
    other:
      headers:
        customRequestHeaders:
          X-A: b
`

const dynamicTOML = `
[http.middlewares.pay.plugin.turnpike]
  offer = "shop/weather"
  routesConfigMap = "turnpike-system/turnpike-routes"
  facilitatorURL = "http://127.0.0.1:4021"
  settleTimeoutMs = 45000
`

// crdJSON is spec.plugin.turnpike of a Middleware as the CRD provider sees it: every
// number is a JSON number and arrives as float64.
const crdJSON = `{
  "offer": "shop/weather",
  "routesConfigMap": "turnpike-system/turnpike-routes",
  "kubernetesAPIURL": "https://10.0.0.1:443",
  "facilitatorURL": "https://x402.org/facilitator",
  "facilitatorHeaders": {"X-Api-Key": "resolved-from-urn-k8s-secret"},
  "metricsAddress": ":9402",
  "verifyTimeoutMs": 2500,
  "settleTimeoutMs": 45000.0,
  "pollIntervalMs": 500,
  "maxValiditySlackSeconds": 30
}`

func TestDecodeLikeTraefik(t *testing.T) {
	dir := t.TempDir()
	yamlPath := filepath.Join(dir, "dynamic.yml")
	tomlPath := filepath.Join(dir, "dynamic.toml")
	if err := os.WriteFile(yamlPath, []byte(dynamicYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tomlPath, []byte(dynamicTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := func(path, mw string) func(t *testing.T) map[string]any {
		return func(t *testing.T) map[string]any {
			raw, _, err := LoadPluginConf(path, mw, "turnpike")
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
	}
	tests := []struct {
		desc string
		raw  func(t *testing.T) map[string]any
		want func() *plugin.Config
	}{
		{desc: "YAML file provider (mixed key case, a number as string)", raw: fromFile(yamlPath, ""), want: func() *plugin.Config {
			c := plugin.CreateConfig()
			c.Offer = "shop/weather"
			c.RoutesFile = "/etc/turnpike/routes/routes.json"
			c.FacilitatorURL = "http://127.0.0.1:4021"
			c.FacilitatorHeaders = map[string]string{"X-Api-Key": "k1"}
			c.CDPKeyID = "key-1"
			c.CDPKeySecretFile = "/etc/cdp/secret"
			c.MetricsAddress = "127.0.0.1:9402"
			c.ResourceBaseURL = "https://api.example.com"
			c.PayerHeader = "X-Payer"
			c.VerifyTimeoutMs = 2500
			c.SettleTimeoutMs = 45000
			c.PollIntervalMs = 500
			c.MaxBufferBytes = 1048576
			c.ReplayGuardEntries = 5000
			c.MaxValiditySlackSeconds = 30
			return c
		}},
		{desc: "TOML file provider", raw: fromFile(tomlPath, "pay"), want: func() *plugin.Config {
			c := plugin.CreateConfig()
			c.Offer = "shop/weather"
			c.RoutesConfigMap = "turnpike-system/turnpike-routes"
			c.FacilitatorURL = "http://127.0.0.1:4021"
			c.SettleTimeoutMs = 45000
			return c
		}},
		{desc: "Kubernetes CRD (numbers as float64)", raw: func(t *testing.T) map[string]any {
			raw, err := FromCRDJSON([]byte(crdJSON))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := raw["settleTimeoutMs"].(float64); !ok {
				t.Fatalf("CRD numbers must arrive as float64, got %T", raw["settleTimeoutMs"])
			}
			return raw
		}, want: func() *plugin.Config {
			c := plugin.CreateConfig()
			c.Offer = "shop/weather"
			c.RoutesConfigMap = "turnpike-system/turnpike-routes"
			c.KubernetesAPIURL = "https://10.0.0.1:443"
			c.FacilitatorURL = "https://x402.org/facilitator"
			c.FacilitatorHeaders = map[string]string{"X-Api-Key": "resolved-from-urn-k8s-secret"}
			c.MetricsAddress = ":9402"
			c.VerifyTimeoutMs = 2500
			c.SettleTimeoutMs = 45000
			c.PollIntervalMs = 500
			c.MaxValiditySlackSeconds = 30
			return c
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			cfg := plugin.CreateConfig()
			if err := Decode(tc.raw(t), cfg); err != nil {
				t.Fatal(err)
			}
			if want := tc.want(); !reflect.DeepEqual(cfg, want) {
				t.Fatalf("decoded\n%+v\nwant\n%+v", cfg, want)
			}
			// And New() accepts it offline (the catalog analyzer's check).
			cfg.MetricsAddress = ""
			if _, err := plugin.New(context.Background(), http.NotFoundHandler(), cfg, "t"); err != nil {
				t.Fatalf("New: %v", err)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := write("two.yml", "http:\n  middlewares:\n    a:\n      plugin:\n        turnpike: {offer: a/b}\n    b:\n      plugin:\n        turnpike: {offer: c/d}\n")
	tests := []struct {
		desc    string
		run     func() error
		wantErr string
	}{
		{desc: "duration strings do not decode into ms ints", run: func() error {
			return Decode(map[string]any{"verifyTimeoutMs": "10s"}, plugin.CreateConfig())
		}, wantErr: "VerifyTimeoutMs"},
		{desc: "a map where a string belongs", run: func() error {
			return Decode(map[string]any{"offer": map[string]any{"a": 1}}, plugin.CreateConfig())
		}, wantErr: "Offer"},
		{desc: "bad JSON", run: func() error { _, err := FromCRDJSON([]byte("{")); return err }, wantErr: "JSON"},
		{desc: "unknown extension", run: func() error { _, _, err := LoadPluginConf(write("x.ini", ""), "", "turnpike"); return err }, wantErr: ".toml"},
		{desc: "no middlewares", run: func() error { _, _, err := LoadPluginConf(write("e.yml", "http: {}\n"), "", "turnpike"); return err }, wantErr: "http"},
		{desc: "ambiguous middleware", run: func() error { _, _, err := LoadPluginConf(two, "", "turnpike"); return err }, wantErr: "name one"},
		{desc: "named middleware missing", run: func() error { _, _, err := LoadPluginConf(two, "zzz", "turnpike"); return err }, wantErr: "no middleware"},
		{desc: "other plugin", run: func() error { _, _, err := LoadPluginConf(two, "a", "other"); return err }, wantErr: "does not use plugin"},
		{desc: "a misspelt key reaches New() and is refused by name", run: func() error {
			raw, _, err := LoadPluginConf(write("typo.yml", "http:\n  middlewares:\n    a:\n      plugin:\n        turnpike: {offer: a/b, routesFile: /r.json, facilitatorURL: 'http://f', verifyTimeoutMS: 1, settleTimoutMs: 5}\n"), "", "turnpike")
			if err != nil {
				return err
			}
			c := plugin.CreateConfig()
			if err := Decode(raw, c); err != nil {
				return err
			}
			if c.VerifyTimeoutMs != 1 {
				return fmt.Errorf("keys differing only in case must still match: verifyTimeoutMs = %d", c.VerifyTimeoutMs)
			}
			_, err = plugin.New(context.Background(), http.NotFoundHandler(), c, "t")
			return err
		}, wantErr: `unknown key "settleTimoutMs"`},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
	t.Run("empty map keeps defaults", func(t *testing.T) {
		c := plugin.CreateConfig()
		if err := Decode(nil, c); err != nil || !reflect.DeepEqual(c, plugin.CreateConfig()) {
			t.Fatalf("%v %+v", err, c)
		}
	})
}

// TestManifest checks .traefik.yml the way Traefik and the plugin catalog do: the
// required fields, an import under the module path whose last element is the package
// name, and testData that decodes with Traefik's settings into a Config with which
// New() succeeds offline well within the analyzer's 10 s.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", ".traefik.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		DisplayName string         `yaml:"displayName"`
		Type        string         `yaml:"type"`
		Import      string         `yaml:"import"`
		Summary     string         `yaml:"summary"`
		TestData    map[string]any `yaml:"testData"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.DisplayName == "" || m.Summary == "" || m.TestData == nil || m.Type != "middleware" {
		t.Fatalf("manifest misses required fields: %+v", m)
	}
	if m.Import != "github.com/turnpike-x402/turnpike/plugin" || path.Base(m.Import) != "plugin" {
		t.Fatalf("import %q must be the plugin package (package name = last element)", m.Import)
	}
	cfg := plugin.CreateConfig()
	if err := Decode(m.TestData, cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := plugin.New(ctx, http.NotFoundHandler(), cfg, "catalog"); err != nil {
		t.Fatalf("New with testData: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("New took %s", d)
	}
}
