package offers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
)

// TestUpstreamComingUpIsPublishedWithoutWaitingTheRetryInterval: an offer applied
// together with its upstream finds it not ready yet (in a real cluster, kube-proxy
// programs the Service a moment after the pod is Ready). Nothing the controller
// watches changes when the upstream heals, so only its own retries notice: they must
// come fast at first, not after the retry interval (a minute here).
func TestUpstreamComingUpIsPublishedWithoutWaitingTheRetryInterval(t *testing.T) {
	cp := startControlPlane(t)
	cp.namespace(t, "late")
	cp.service(t, "late", "api")

	var healthy atomic.Bool
	var mu sync.Mutex
	var checks []time.Time
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		mu.Lock()
		checks = append(checks, time.Now())
		mu.Unlock()
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(up.Close)

	runManager(t, manager.Options{
		Config: cp.cfg, Settings: settings(), MetricsAddress: "0", HealthAddress: "0",
		HealthBaseURL: up.URL, RetryAfter: time.Minute, RecheckAfter: time.Minute,
		SkipNameValidation: true,
	})
	if err := cp.c.Create(context.Background(), newOffer("late", "api")); err != nil {
		t.Fatal(err)
	}
	cp.condition(t, "late", "api", v1alpha1.ConditionUpstreamHealthy, metav1.ConditionFalse, offers.ReasonUnhealthy)
	time.Sleep(2 * time.Second)
	healthy.Store(true)
	healed := time.Now()

	o := cp.condition(t, "late", "api", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
	took := time.Since(healed)
	// The checks so far came at about 1 s, 1 s and 2 s; the next is due within 4 s.
	if took > 10*time.Second {
		t.Fatalf("published %v after the upstream healed; the retries must back off from 1 s", took)
	}
	mu.Lock()
	n := len(checks)
	mu.Unlock()
	// Fast, but not a storm: about one check a second at worst while it fails.
	if n > 12 {
		t.Fatalf("%d health checks in %v: the retries must back off", n, time.Since(o.CreationTimestamp.Time))
	}
	t.Logf("published %v after the upstream healed, after %d health checks", took.Round(10*time.Millisecond), n)
}
