package offers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// modelServer answers every health path, and lists the examples' model the way
// Ollama (/api/tags) and OpenAI-compatible servers (/v1/models) do.
func modelServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/tags":
			_, _ = w.Write([]byte(`{"models":[{"name":"llama3.2:3b","model":"llama3.2:3b"}]}`))
		case "/v1/models":
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"llama3.2:3b","object":"model"}]}`))
		default:
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// readExample decodes one file of manifests/examples/offers strictly (a key the CRD
// does not have fails here before the API server would drop it).
func readExample(t *testing.T, file string) *v1alpha1.ServiceOffer {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "manifests", "examples", "offers", file))
	if err != nil {
		t.Fatal(err)
	}
	var o v1alpha1.ServiceOffer
	if err := yaml.UnmarshalStrict(raw, &o); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &o
}

// TestExampleOffers applies the example ServiceOffers to a real API server (its
// OpenAPI and CEL validation, its defaults) and runs the controller on them: each
// becomes Ready, and the routes document carries exactly the amounts the decimal
// and per-million-token prices mean, on CAIP-2 networks with the presets' USDC.
func TestExampleOffers(t *testing.T) {
	cp := startControlPlane(t)
	up := modelServer(t)
	// In its own process: a second in-process manager would clash with
	// TestController's controller names.
	startChild(t, cp, up.URL, "examples")
	ctx := context.Background()
	const ns = "examples"
	cp.namespace(t, ns)

	type wantPayment struct {
		network, asset, amount string
		pricing                *x402.Pricing
	}
	baseSepolia := x402.Presets[1].USDC.Address
	arbSepolia, _ := x402.PresetByName("arbitrum-sepolia")
	tests := []struct {
		desc, file, name string
		port             int32
		wantPrice        string
		want             []wantPayment
		wantPath         map[string]string // path pattern -> first option's amount
	}{
		{desc: "HTTP API with a decimal price and a priced path", file: "http-api.yaml", name: "weather-api", port: 8080,
			wantPrice: "0.01 USDC",
			want:      []wantPayment{{"eip155:84532", baseSepolia, "10000", &x402.Pricing{Model: x402.PricingPerRequest, Price: "0.01"}}},
			wantPath:  map[string]string{"/bulk/*": "250000"}},
		{desc: "inference priced per million tokens", file: "inference.yaml", name: "llama", port: 11434,
			wantPrice: "0.5 USDC/MTok (≈0.0005 USDC/request)",
			want:      []wantPayment{{"eip155:84532", baseSepolia, "500", &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "0.50", ApproxTokensPerRequest: 1000}}}},
		{desc: "agent payable on two networks", file: "agent.yaml", name: "research-agent", port: 8000,
			wantPrice: "0.05 USDC",
			want: []wantPayment{
				{"eip155:84532", baseSepolia, "50000", &x402.Pricing{Model: x402.PricingPerRequest, Price: "0.05"}},
				{"eip155:421614", arbSepolia.USDC.Address, "50000", &x402.Pricing{Model: x402.PricingPerRequest, Price: "0.05"}},
			}},
	}
	for _, tc := range tests {
		o := readExample(t, tc.file)
		if o.Name != tc.name {
			t.Fatalf("%s: name %q, want %q", tc.file, o.Name, tc.name)
		}
		o.Namespace = ns
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: o.Spec.Upstream.Service},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: tc.port}}}}
		if err := cp.c.Create(ctx, svc); err != nil {
			t.Fatalf("%s: Service: %v", tc.file, err)
		}
		if err := cp.c.Create(ctx, o); err != nil {
			t.Fatalf("%s: the API server refused the example: %v", tc.file, err)
		}
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := cp.condition(t, ns, tc.name, v1alpha1.ConditionReady, metav1.ConditionTrue, "")
			if o.Status.Price != tc.wantPrice {
				t.Errorf("status.price %q, want %q", o.Status.Price, tc.wantPrice)
			}
			var e *routes.Offer
			testutil.EventuallyNoError(t, 10*time.Second, "offer in the routes document", func() error {
				if e = findOffer(cp.routesDoc(t), ns, tc.name); e == nil {
					return os.ErrNotExist
				}
				return nil
			})
			if len(e.Payments) != len(tc.want) {
				t.Fatalf("%d payments, want %d: %+v", len(e.Payments), len(tc.want), e.Payments)
			}
			for i, w := range tc.want {
				p := e.Payments[i]
				if p.Network != w.network || p.Asset != w.asset || p.Amount != w.amount || p.AssetDecimals != 6 || p.AssetSymbol != "USDC" {
					t.Errorf("payments[%d] = %+v, want %s %s %s", i, p, w.network, w.asset, w.amount)
				}
				if p.Pricing == nil || *p.Pricing != *w.pricing {
					t.Errorf("payments[%d].pricing = %+v, want %+v", i, p.Pricing, *w.pricing)
				}
			}
			for _, r := range e.Paths {
				if want, ok := tc.wantPath[r.Pattern]; ok {
					if len(r.Payments) == 0 || r.Payments[0].Amount != want {
						t.Errorf("path %s payments %+v, want amount %s", r.Pattern, r.Payments, want)
					}
					delete(tc.wantPath, r.Pattern)
				}
			}
			if len(tc.wantPath) > 0 {
				t.Errorf("paths missing from the document: %v", tc.wantPath)
			}
		})
	}

	// What a seller gets wrong is refused with a reason and a message saying what to
	// write; the offer stays out of the routes document.
	refusals := []struct {
		desc, name string
		mut        func(*v1alpha1.ServiceOffer)
		wantReason string
		wantMsg    string
	}{
		{desc: "x402.org facilitator on Base mainnet", name: "mainnet-x402org", wantReason: render.ReasonFacilitatorTestnetOnly, wantMsg: "test networks only",
			mut: func(o *v1alpha1.ServiceOffer) {
				o.Spec.Payment.Accepts[0].Network = "base"
				o.Spec.Facilitator = &v1alpha1.FacilitatorSpec{Provider: v1alpha1.FacilitatorX402Org}
			}},
		{desc: "misspelt network name", name: "typo-network", wantReason: render.ReasonUnknownNetwork, wantMsg: "base-sepolia",
			mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Network = "base-sepolia-testnet" }},
		{desc: "chain without a preset and no asset", name: "no-asset", wantReason: render.ReasonAssetRequired, wantMsg: "asset.address",
			mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Network = "eip155:1337" }},
		{desc: "price finer than a USDC unit", name: "too-fine", wantReason: render.ReasonInvalidPrice, wantMsg: "0.0000001",
			mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Price = "0.0000001" }},
		{desc: "cdp without an API key Secret", name: "cdp-no-key", wantReason: render.ReasonFacilitatorCredentials, wantMsg: "secretName",
			mut: func(o *v1alpha1.ServiceOffer) {
				o.Spec.Facilitator = &v1alpha1.FacilitatorSpec{Provider: v1alpha1.FacilitatorCDP}
			}},
	}
	for _, tc := range refusals {
		o := readExample(t, "http-api.yaml")
		o.Namespace, o.Name = ns, tc.name
		o.Spec.Path = "/services/" + tc.name
		tc.mut(o)
		if err := cp.c.Create(ctx, o); err != nil {
			t.Fatalf("%s: the API server refused it (the controller should explain instead): %v", tc.desc, err)
		}
	}
	for _, tc := range refusals {
		t.Run(tc.desc, func(t *testing.T) {
			o := cp.condition(t, ns, tc.name, v1alpha1.ConditionReady, metav1.ConditionFalse, tc.wantReason)
			for _, c := range o.Status.Conditions {
				if c.Type == v1alpha1.ConditionReady && !strings.Contains(c.Message, tc.wantMsg) {
					t.Errorf("Ready message %q does not say %q", c.Message, tc.wantMsg)
				}
			}
			if findOffer(cp.routesDoc(t), ns, tc.name) != nil {
				t.Error("a refused offer is in the routes document")
			}
		})
	}
}
