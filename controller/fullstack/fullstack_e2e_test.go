//go:build e2e

// Package fullstack runs the controller, a real API server and a real Traefik together:
// Traefik reads the Middleware and IngressRoute the controller renders (kubernetesCRD
// provider), loads the gate through Yaegi, and the gate watches the routes ConfigMap
// through the API server. Nothing between a ServiceOffer and a 402 is simulated.
//
// The route kind is IngressRoute: a Gateway API backend needs an EndpointSlice, whose
// addresses may not be loopback, and tests bind loopback only. The upstream is an
// ExternalName Service pointing at 127.0.0.1, which the CRD provider allows.
package fullstack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/x402"
)

// startTraefik runs Traefik with the kubernetesCRD provider against the test API
// server and the gate as a local plugin.
func startTraefik(t *testing.T, kubeconfig string) *traefiktest.Traefik {
	t.Helper()
	return traefiktest.Start(t, traefiktest.Options{
		Plugins:   []traefiktest.Plugin{traefiktest.Gate()},
		Providers: map[string]any{"kubernetesCRD": map[string]any{"allowExternalNameServices": true}},
		Env:       []string{"KUBECONFIG=" + kubeconfig},
	})
}

type answer struct {
	code     int
	header   http.Header
	body     string
	required *x402.PaymentRequired
}

func get(t *testing.T, url string) answer {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return answer{code: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{code: resp.StatusCode, header: resp.Header, body: string(b)}
	if h := resp.Header.Get(x402.HeaderPaymentRequired); h != "" {
		var pr x402.PaymentRequired
		if err := x402.DecodeHeader(h, 64<<10, &pr); err == nil {
			a.required = &pr
		}
	}
	return a
}

// TestIngressRouteOfferGatesRepricesAndDrains: a ServiceOffer becomes a 402 with its
// terms on Traefik's entry point, its free path reaches the upstream, a price change
// reaches the gate through the routes ConfigMap, and a drain keeps the route gated for
// the grace period and then removes it.
func TestIngressRouteOfferGatesRepricesAndDrains(t *testing.T) {
	ctrllog.SetLogger(logr.Discard())
	ctx := context.Background()
	k := kubetest.StartWithToken(t)
	k.Namespace(t, "turnpike-system")
	k.Namespace(t, "shop")

	var paidHits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/health") {
			_, _ = io.WriteString(w, "ok")
			return
		}
		paidHits.Add(1)
		_, _ = io.WriteString(w, `{"forecast":"sunny"}`)
	}))
	t.Cleanup(up.Close)
	upPort := externalService(t, k, "api", up)
	// Unpaid requests never reach the facilitator.
	base := startStack(t, k, up, "http://127.0.0.1:9").URL("")

	offer := &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "weather"},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream:    v1alpha1.UpstreamSpec{Service: "api", Port: upPort},
			Description: "Weather forecasts",
			Route:       v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute},
			Paths:       []v1alpha1.PathRule{{Path: "/health", Free: true}},
			Payment:     testPayment(),
		},
	}
	createReady(t, k, offer)

	t.Run("unpaid request: 402 with the offer's terms, upstream untouched", func(t *testing.T) {
		var a answer
		testutil.EventuallyNoError(t, 60*time.Second, "402 through Traefik", func() error {
			a = get(t, base+"/services/weather/today")
			if a.code != http.StatusPaymentRequired || a.required == nil {
				return fmt.Errorf("%d %s", a.code, a.body)
			}
			return nil
		})
		acc := a.required.Accepts[0]
		if acc.Amount != "10000" || !strings.EqualFold(acc.PayTo, "0x1111111111111111111111111111111111111111") ||
			acc.Network != "eip155:84532" || !strings.EqualFold(acc.Asset, "0x036CbD53842c5426634e7929541eC2318f3dCF7e") {
			t.Fatalf("accepts %+v", acc)
		}
		if !strings.Contains(string(acc.Extra), "USDC") {
			t.Fatalf("EIP-712 extra %s", acc.Extra)
		}
		if paidHits.Load() != 0 {
			t.Fatalf("the upstream saw %d unpaid requests", paidHits.Load())
		}
	})

	t.Run("free path reaches the upstream", func(t *testing.T) {
		a := get(t, base+"/services/weather/health")
		if a.code != 200 || a.body != "ok" {
			t.Fatalf("%d %s", a.code, a.body)
		}
	})

	t.Run("a price change reaches the gate through the routes ConfigMap", func(t *testing.T) {
		testutil.EventuallyNoError(t, 10*time.Second, "update", func() error {
			var o v1alpha1.ServiceOffer
			if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "shop", Name: "weather"}, &o); err != nil {
				return err
			}
			o.Spec.Payment.Accepts[0].Amount = "25000"
			return k.Client.Update(ctx, &o)
		})
		testutil.EventuallyNoError(t, 30*time.Second, "new price in 402", func() error {
			a := get(t, base+"/services/weather/today")
			if a.required == nil || a.required.Accepts[0].Amount != "25000" {
				return fmt.Errorf("%d %s", a.code, a.body)
			}
			return nil
		})
	})

	t.Run("drain: still gated during the grace period, gone after it", func(t *testing.T) {
		testutil.EventuallyNoError(t, 10*time.Second, "start drain", func() error {
			var o v1alpha1.ServiceOffer
			if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "shop", Name: "weather"}, &o); err != nil {
				return err
			}
			now := metav1.NewTime(time.Now())
			o.Spec.DrainAt, o.Spec.DrainGracePeriod = &now, &metav1.Duration{Duration: 6 * time.Second}
			return k.Client.Update(ctx, &o)
		})
		start := time.Now()
		if a := get(t, base+"/services/weather/today"); a.code != http.StatusPaymentRequired {
			t.Fatalf("during the grace period: %d %s", a.code, a.body)
		}
		testutil.EventuallyNoError(t, 30*time.Second, "route removed", func() error {
			a := get(t, base+"/services/weather/today")
			if a.code != http.StatusNotFound {
				return fmt.Errorf("%d %s", a.code, a.body)
			}
			return nil
		})
		if time.Since(start) < 5*time.Second {
			t.Fatalf("route removed after %s, before the grace period ended", time.Since(start))
		}
		if paidHits.Load() != 0 {
			t.Fatalf("the upstream saw %d unpaid requests", paidHits.Load())
		}
	})
}
