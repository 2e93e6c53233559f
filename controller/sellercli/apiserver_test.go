package sellercli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/sellercli"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
)

const payTo = "0x1111111111111111111111111111111111111111"

// TestSellerCLIAgainstAPIServer runs sell, offers and drain against a real
// kube-apiserver with the generated CRDs: what they write must pass the API's
// validation, keep other managers' fields, and read back as the seller expects.
func TestSellerCLIAgainstAPIServer(t *testing.T) {
	cl := kubetest.Start(t)
	cl.Namespace(t, "shop")
	cl.Namespace(t, "lab")
	ctx := context.Background()
	c := cl.Client

	run := func(t *testing.T, f func(ctx context.Context, stdout, stderr *bytes.Buffer, args []string) error, args ...string) (string, string, error) {
		t.Helper()
		var out, errb bytes.Buffer
		err := f(ctx, &out, &errb, append(args, "--kubeconfig", cl.Kubeconfig))
		return out.String(), errb.String(), err
	}
	sell := func(ctx context.Context, o, e *bytes.Buffer, a []string) error {
		return sellercli.RunSell(ctx, o, e, a)
	}
	offers := func(ctx context.Context, o, e *bytes.Buffer, a []string) error {
		return sellercli.RunOffers(ctx, o, e, a)
	}
	drain := func(ctx context.Context, o, e *bytes.Buffer, a []string) error {
		return sellercli.RunDrain(ctx, o, e, a)
	}
	get := func(t *testing.T, ns, name string) *v1alpha1.ServiceOffer {
		t.Helper()
		var so v1alpha1.ServiceOffer
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &so); err != nil {
			t.Fatal(err)
		}
		return &so
	}
	sellWeather := func(price string, extra ...string) []string {
		return append([]string{"http", "weather", "-n", "shop", "--upstream", "weather:8080", "--price", price,
			"--network", "base-sepolia", "--pay-to", payTo}, extra...)
	}

	t.Run("sell creates the offer", func(t *testing.T) {
		out, errOut, err := run(t, sell, sellWeather("0.01", "--register")...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut, "no Service weather in namespace shop") {
			t.Errorf("no note about the missing Service: %q", errOut)
		}
		if !strings.Contains(out, "serviceoffer shop/weather created") || !strings.Contains(out, "/services/weather") {
			t.Errorf("stdout: %s", out)
		}
		so := get(t, "shop", "weather")
		a := so.Spec.Payment.Accepts
		if so.Spec.Type != "http" || so.Spec.Upstream.Service != "weather" || so.Spec.Upstream.Port != 8080 ||
			len(a) != 1 || a[0].Price != "0.01" || a[0].Network != "base-sepolia" || so.Spec.Payment.PayTo != payTo || !so.RegistrationEnabled() {
			t.Fatalf("spec: %+v", so.Spec)
		}
		if so.Spec.Upstream.HealthPath != "/health" {
			t.Errorf("the API server's defaults were not applied: healthPath %q", so.Spec.Upstream.HealthPath)
		}
	})

	t.Run("sell again updates the price and keeps another manager's field", func(t *testing.T) {
		// kubectl edit: an ordinary update by another field manager.
		patch := []byte(`{"spec":{"description":"Forecasts by the hour"}}`)
		if err := c.Patch(ctx, &v1alpha1.ServiceOffer{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "weather"}},
			client.RawPatch(types.MergePatchType, patch), client.FieldOwner("kubectl-edit")); err != nil {
			t.Fatal(err)
		}
		out, _, err := run(t, sell, sellWeather("0.02", "--register")...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "serviceoffer shop/weather configured") {
			t.Errorf("stdout: %s", out)
		}
		so := get(t, "shop", "weather")
		if so.Spec.Payment.Accepts[0].Price != "0.02" {
			t.Errorf("price %q, want 0.02", so.Spec.Payment.Accepts[0].Price)
		}
		if so.Spec.Description != "Forecasts by the hour" {
			t.Errorf("sell clobbered kubectl's description: %q", so.Spec.Description)
		}
		managers := map[string]bool{}
		for _, m := range so.ManagedFields {
			managers[m.Manager] = true
		}
		if !managers[sellercli.FieldManager] || !managers["kubectl-edit"] {
			t.Errorf("managers %v", managers)
		}
	})

	t.Run("sell drops what its flags no longer say", func(t *testing.T) {
		if _, _, err := run(t, sell, sellWeather("0.02")...); err != nil {
			t.Fatal(err)
		}
		so := get(t, "shop", "weather")
		if so.RegistrationEnabled() {
			t.Error("registration still enabled after sell without --register")
		}
		if so.Spec.Description != "Forecasts by the hour" {
			t.Errorf("description %q", so.Spec.Description)
		}
	})

	t.Run("sell -o yaml prints and writes nothing", func(t *testing.T) {
		out, _, err := run(t, sell, "inference", "llm", "-n", "shop", "--upstream", "http://ollama:11434/", "--per-mtok", "0.5",
			"--tokens-per-request", "2000", "--model", "llama3.2:3b", "--runtime", "ollama", "--network", "base", "--pay-to", payTo, "-o", "yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"kind: ServiceOffer", "name: llm", "perMTok: \"0.5\"", "approxTokensPerRequest: 2000", "runtime: ollama", "basePath: /"} {
			if !strings.Contains(out, want) {
				t.Errorf("yaml lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "status") || strings.Contains(out, "creationTimestamp") || strings.Contains(out, "{}") {
			t.Errorf("yaml carries empty fields:\n%s", out)
		}
		err = c.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "llm"}, &v1alpha1.ServiceOffer{})
		if !apierrors.IsNotFound(err) {
			t.Fatalf("-o yaml wrote the offer (get: %v)", err)
		}
	})

	t.Run("sell creates an inference offer the API accepts", func(t *testing.T) {
		cl.Service(t, "lab", "ollama", 11434)
		_, errOut, err := run(t, sell, "inference", "llm", "-n", "lab", "--upstream", "http://ollama:11434/", "--per-mtok", "0.5",
			"--tokens-per-request", "2000", "--model", "llama3.2:3b", "--runtime", "ollama", "--network", "eip155:8453", "--pay-to", payTo,
			"--upstream-secret", "ollama-key:token", "--upstream-secret-prefix", "Bearer ", "--facilitator", "cdp", "--cdp-secret", "cdp")
		if err != nil {
			t.Fatal(err)
		}
		if errOut != "" {
			t.Errorf("stderr with the Service present: %q", errOut)
		}
		so := get(t, "lab", "llm")
		if so.Spec.Model == nil || so.Spec.Model.Name != "llama3.2:3b" || so.Spec.Payment.Accepts[0].PerMTok != "0.5" ||
			so.Spec.Payment.ApproxTokensPerRequest != 2000 || so.Spec.Upstream.Auth == nil || so.Spec.Upstream.Auth.Header != "Authorization" ||
			so.Spec.Facilitator == nil || so.Spec.Facilitator.CDP == nil || so.Spec.Facilitator.CDP.KeyIDKey != "keyId" {
			t.Fatalf("spec: %+v", so.Spec)
		}
	})

	t.Run("the API server's refusal is shown", func(t *testing.T) {
		_, _, err := run(t, sell, sellWeather("0.02", "--description", strings.Repeat("x", 1100))...)
		if err == nil || !strings.Contains(err.Error(), "spec.description") || !strings.Contains(err.Error(), "1024") {
			t.Fatalf("want the API server's validation message, got %v", err)
		}
		if get(t, "shop", "weather").Spec.Description != "Forecasts by the hour" {
			t.Error("a refused apply changed the offer")
		}
	})

	// What the controller would report, so offers has something to show.
	so := get(t, "shop", "weather")
	so.Status.Endpoint = "/services/weather"
	so.Status.URL = "https://shop.example/services/weather"
	so.Status.Price = "0.02 USDC"
	so.Status.Registration = &v1alpha1.RegistrationStatus{Phase: "Registered", AgentID: "42"}
	meta.SetStatusCondition(&so.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
		Reason: "UpstreamUnhealthy", Message: "GET /health: 503"})
	if err := c.Status().Update(ctx, so); err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	for i := 0; i < 3; i++ {
		metrics.Charge(reg.Series("shop", "weather", "eip155:84532", "USDC"), big.NewInt(20000), 6, time.Now())
	}
	gate := httptest.NewServer(reg.Handler())
	defer gate.Close()
	gone := httptest.NewServer(reg.Handler())
	gone.Close()

	t.Run("offers lists with revenue", func(t *testing.T) {
		out, errOut, err := run(t, offers, "-n", "shop", "--metrics-url", gate.URL+"/metrics")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"NAME", "REVENUE", "weather", "https://shop.example/services/weather", "0.02 USDC on base-sepolia",
			"False (UpstreamUnhealthy)", "Registered agent 42", "0.06 USDC (3 req)"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "llm") || strings.Contains(out, "NAMESPACE") {
			t.Errorf("-n shop listed another namespace:\n%s", out)
		}
		if errOut != "" {
			t.Errorf("stderr: %s", errOut)
		}
	})

	t.Run("offers -o json", func(t *testing.T) {
		out, _, err := run(t, offers, "-A", "-o", "json", "--metrics-url", gate.URL+"/metrics")
		if err != nil {
			t.Fatal(err)
		}
		var rows []sellercli.OfferRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if len(rows) != 2 || rows[0].Name != "llm" || rows[1].Name != "weather" {
			t.Fatalf("rows %+v", rows)
		}
		llm, w := rows[0], rows[1]
		if llm.Type != "inference" || llm.Model != "llama3.2:3b" || llm.Price != "0.5/Mtok" || llm.Ready != "Unknown" || llm.Revenue == nil || len(llm.Revenue) != 0 {
			t.Errorf("llm row %+v", llm)
		}
		if w.AgentID != "42" || w.ReadyReason != "UpstreamUnhealthy" || w.ReadyMessage != "GET /health: 503" || w.Draining ||
			len(w.Revenue) != 1 || w.Revenue[0].Amount != "0.06" || w.Revenue[0].Requests != 3 {
			t.Errorf("weather row %+v", w)
		}
	})

	t.Run("offers with unreachable metrics still lists", func(t *testing.T) {
		out, errOut, err := run(t, offers, "-A", "--metrics-url", gone.URL+"/metrics")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut, "note: revenue unknown") {
			t.Errorf("stderr: %q", errOut)
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			if !strings.HasSuffix(strings.TrimSpace(line), " -") || !strings.HasPrefix(line, "lab") && !strings.HasPrefix(line, "shop") {
				t.Errorf("want NAMESPACE first and revenue -: %q", line)
			}
		}
	})

	t.Run("drain, drain --now, drain --cancel", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		out, _, err := run(t, drain, "weather", "-n", "shop", "--grace", "30m")
		if err != nil {
			t.Fatal(err)
		}
		so := get(t, "shop", "weather")
		if so.Spec.DrainAt == nil || so.Spec.DrainAt.Time.Before(before.Truncate(time.Second)) || so.DrainGrace() != 30*time.Minute {
			t.Fatalf("drainAt %v grace %v", so.Spec.DrainAt, so.DrainGrace())
		}
		start := so.Spec.DrainAt.Time
		end := so.DrainEndsAt().UTC().Format(time.RFC3339)
		if !strings.Contains(out, "keep serving until "+end) || !strings.Contains(out, "--cancel") {
			t.Errorf("stdout: %s", out)
		}
		if so.Spec.Description != "Forecasts by the hour" || so.Spec.Payment.Accepts[0].Price != "0.02" {
			t.Error("drain changed other fields")
		}

		out, _, err = run(t, offers, "-n", "shop")
		if err != nil || !strings.Contains(out, "draining until "+end) {
			t.Errorf("offers while draining (%v):\n%s", err, out)
		}

		out, _, err = run(t, drain, "weather", "-n", "shop", "--now")
		if err != nil {
			t.Fatal(err)
		}
		so = get(t, "shop", "weather")
		if !so.Spec.DrainAt.Time.Equal(start) || so.DrainGrace() != 0 || !strings.Contains(out, "removed now") {
			t.Errorf("--now: drainAt %v (was %v) grace %v; stdout %s", so.Spec.DrainAt, start, so.DrainGrace(), out)
		}

		out, _, err = run(t, drain, "weather", "-n", "shop", "--cancel")
		if err != nil {
			t.Fatal(err)
		}
		if so = get(t, "shop", "weather"); so.Spec.DrainAt != nil || !strings.Contains(out, "drain cancelled") {
			t.Errorf("--cancel: drainAt %v; stdout %s", so.Spec.DrainAt, out)
		}
		out, _, err = run(t, drain, "weather", "-n", "shop", "--cancel")
		if err != nil || !strings.Contains(out, "not draining") {
			t.Errorf("second --cancel (%v): %s", err, out)
		}

		_, _, err = run(t, drain, "nosuch", "-n", "shop")
		if err == nil || !strings.Contains(err.Error(), "no serviceoffer nosuch in namespace shop") {
			t.Errorf("draining a missing offer: %v", err)
		}
	})
}
