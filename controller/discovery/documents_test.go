package discovery

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	t0  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	set = render.Settings{PluginName: "turnpike", PublicBaseURL: "https://api.example.com",
		RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes"}
)

func cond(typ string, s metav1.ConditionStatus) metav1.Condition {
	return metav1.Condition{Type: typ, Status: s, Reason: "Test"}
}

// testOffer is an offer whose status says it serves (Ready and RoutePublished True).
func testOffer(name string, created time.Time, mut ...func(*v1alpha1.ServiceOffer)) v1alpha1.ServiceOffer {
	six := int32(6)
	o := v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Generation: 1, CreationTimestamp: metav1.NewTime(created)},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream:    v1alpha1.UpstreamSpec{Service: name, Port: 8080, HealthPath: "/health"},
			Description: "Forecasts for " + name,
			MimeType:    "application/json",
			Payment: v1alpha1.PaymentSpec{
				PayTo: "0x1111111111111111111111111111111111111111", MaxTimeoutSeconds: 300,
				Accepts: []v1alpha1.PaymentOption{{
					Scheme: "exact", Network: "eip155:84532", Amount: "10000",
					Asset: v1alpha1.AssetSpec{Address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", Decimals: &six},
				}},
			},
		},
		Status: v1alpha1.ServiceOfferStatus{
			ObservedGeneration: 1,
			Conditions: []metav1.Condition{
				cond(v1alpha1.ConditionReady, metav1.ConditionTrue),
				cond(v1alpha1.ConditionRoutePublished, metav1.ConditionTrue),
			},
		},
	}
	for _, m := range mut {
		m(&o)
	}
	return o
}

func catalog() Catalog {
	drainAt := metav1.NewTime(t0.Add(-10 * time.Minute))
	return Catalog{
		Now:      t0,
		Settings: set,
		Agent:    Agent{Name: "Configured name", Description: "Configured description"},
		Offers: []v1alpha1.ServiceOffer{
			// Registered, with path rules and its own host.
			testOffer("weather", t0.Add(-48*time.Hour), func(o *v1alpha1.ServiceOffer) {
				o.Spec.Hostnames = []string{"weather.example.com"}
				o.Spec.Paths = []v1alpha1.PathRule{
					{Path: "/health", Free: true},
					{Path: "/bulk/*", Methods: []string{"POST"}, Amount: "250000"},
				}
				o.Spec.Registration = &v1alpha1.RegistrationSpec{Enabled: true, Name: "Weather Agent", Image: "https://img.example/w.png", SupportedTrust: []string{"reputation"}}
				o.Status.Registration = &v1alpha1.RegistrationStatus{AgentID: "42", Registry: "eip155:84532:0x8004A818BFB912233c491871b3d84c89A494BD9e"}
			}),
			// Inference priced per million tokens on a preset network: the documents
			// say how the per-request amount was derived.
			testOffer("llm", t0.Add(-12*time.Hour), func(o *v1alpha1.ServiceOffer) {
				o.Spec.Type = v1alpha1.OfferTypeInference
				o.Spec.Model = &v1alpha1.ModelSpec{Name: "llama3.2:3b", Runtime: v1alpha1.RuntimeOllama}
				o.Spec.Payment.ApproxTokensPerRequest = 1001
				o.Spec.Payment.Accepts = []v1alpha1.PaymentOption{{Network: "base-sepolia", PerMTok: "0.50"}}
				o.Spec.Paths = []v1alpha1.PathRule{{Path: "/v1/embeddings", Price: "0.0001"}}
			}),
			// Draining: still listed, not available.
			testOffer("tides", t0.Add(-24*time.Hour), func(o *v1alpha1.ServiceOffer) {
				o.Spec.DrainAt = &drainAt
				o.Spec.Settlement = v1alpha1.SettleBeforeUpstream
				o.Spec.Registration = &v1alpha1.RegistrationSpec{Enabled: true, SupportedTrust: []string{"crypto-economic", "reputation"}}
				o.Status.Registration = &v1alpha1.RegistrationStatus{AgentID: "42", Registry: "eip155:84532:0x8004A818BFB912233c491871b3d84c89A494BD9e"}
			}),
			// Not ready: left out everywhere.
			testOffer("broken", t0.Add(-72*time.Hour), func(o *v1alpha1.ServiceOffer) {
				o.Status.Conditions = []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionFalse)}
				o.Spec.Registration = &v1alpha1.RegistrationSpec{Enabled: true}
			}),
			// Drain over: left out everywhere.
			testOffer("gone", t0.Add(-72*time.Hour), func(o *v1alpha1.ServiceOffer) {
				old := metav1.NewTime(t0.Add(-2 * time.Hour))
				o.Spec.DrainAt = &old
			}),
			// Being deleted: left out everywhere.
			testOffer("deleting", t0.Add(-time.Hour), func(o *v1alpha1.ServiceOffer) {
				now := metav1.NewTime(t0)
				o.DeletionTimestamp = &now
			}),
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update once): %v", err)
	}
	if string(want) != string(got) {
		t.Fatalf("%s differs from the golden file (go test ./controller/discovery -update rewrites it)\n--- got ---\n%s", name, got)
	}
}

func jsonBytes(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestGoldenDocuments(t *testing.T) {
	empty := Catalog{Now: t0, Settings: set, Agent: Agent{Name: "Configured name", Description: "Configured description"}}
	cases := []struct {
		desc, file string
		render     func() []byte
	}{
		{"services.json lists serving offers, draining ones unavailable", "services.json", func() []byte { return jsonBytes(t, catalog().Services()) }},
		{"skill.md tells an agent what to call and how to pay", "skill.md", func() []byte { return []byte(catalog().Skill()) }},
		{"registration file has a web service per registered offer", "agent-registration.json", func() []byte { return jsonBytes(t, catalog().Registration()) }},
		{"no offers: the registration file is a tombstone", "agent-registration-tombstone.json", func() []byte { return jsonBytes(t, empty.Registration()) }},
		{"no offers: skill.md says so", "skill-empty.md", func() []byte { return []byte(empty.Skill()) }},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) { golden(t, c.file, c.render()) })
	}
}

func TestRegistrationSemantics(t *testing.T) {
	f := catalog().Registration()
	if f.Type != RegistrationType || !f.Active || !f.X402Support {
		t.Fatalf("header fields %+v", f)
	}
	if f.Name != "Weather Agent" {
		t.Fatalf("the oldest registered offer's name should win, got %q", f.Name)
	}
	if len(f.Services) != 2 || f.Services[0].Name != "web" || f.Services[0].Endpoint != "https://weather.example.com/services/weather" {
		t.Fatalf("services %+v", f.Services)
	}
	if f.Services[1].DrainEndsAt != "2026-03-01T12:50:00Z" {
		t.Fatalf("draining service must carry drainEndsAt: %+v", f.Services[1])
	}
	if len(f.Registrations) != 1 || string(f.Registrations[0].AgentID) != "42" {
		t.Fatalf("registrations must be deduplicated: %+v", f.Registrations)
	}
	raw := jsonBytes(t, f)
	if !strings.Contains(string(raw), `"agentId": 42`) {
		t.Fatalf("agentId must be a JSON number:\n%s", raw)
	}
	tomb := Catalog{Now: t0}.Registration()
	if tomb.Active || tomb.X402Support || len(tomb.Services) != 0 {
		t.Fatalf("tombstone %+v", tomb)
	}
}

type listReader struct {
	fakeReader
	items []v1alpha1.ServiceOffer
}

func TestHandler(t *testing.T) {
	c := catalog()
	h := &Handler{Reader: &listReader{items: c.Offers}, Settings: set, Agent: c.Agent, Now: func() time.Time { return t0 }}
	cases := []struct {
		desc, method, path string
		wantCode           int
		wantType           string
		wantBody           string
	}{
		{"skill", "GET", PathSkill, 200, "text/markdown; charset=utf-8", "| shop/weather |"},
		{"services", "GET", PathServices, 200, "application/json", `"available": false`},
		{"registration", "GET", PathRegistration, 200, "application/json", `"x402Support": true`},
		{"unknown path", "GET", "/metrics", 404, "application/json", `"not_found"`},
		{"writes refused", "POST", PathSkill, 405, "application/json", `"method_not_allowed"`},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.wantCode || rec.Header().Get("Content-Type") != tc.wantType || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("%d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
		})
	}
	t.Run("reader failure is a 503", func(t *testing.T) {
		h := &Handler{Reader: &listReader{fakeReader: fakeReader{err: http.ErrServerClosed}}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", PathSkill, nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("code %d", rec.Code)
		}
	})
}

func TestRoute(t *testing.T) {
	if Route(RouteSettings{Namespace: "x", Name: "d"}) != nil {
		t.Fatal("no hostnames must mean no route (it would answer on every host)")
	}
	u := Route(RouteSettings{Namespace: "turnpike-system", Name: "turnpike-discovery", Hostnames: []string{"api.example.com"},
		ParentRefs: []v1alpha1.ParentRef{{Namespace: "traefik", Name: "gw"}}, ServiceName: "turnpike-controller", ServicePort: 80})
	hosts, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
	if len(hosts) != 1 || hosts[0] != "api.example.com" {
		t.Fatalf("hostnames %v", hosts)
	}
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	matches := rules[0].(map[string]any)["matches"].([]any)
	var paths []string
	for _, m := range matches {
		p := m.(map[string]any)["path"].(map[string]any)
		if p["type"] != "Exact" {
			t.Fatalf("only exact paths may be routed, got %v", p)
		}
		paths = append(paths, p["value"].(string))
	}
	if strings.Join(paths, ",") != PathSkill+","+PathServices+","+PathRegistration {
		t.Fatalf("paths %v", paths)
	}
}
