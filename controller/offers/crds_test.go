package offers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// TestGatewayAPIInstalledLaterAndRouteAcceptance: a controller started before the
// Gateway API CRDs exist says the offer waits for them, publishes the HTTPRoute once
// they are installed (no restart), and calls the offer Ready only when a parent
// Gateway exists and has accepted the route. The retry interval is a minute, so every
// step within the 30 s waits is driven by a watch, not by a retry.
func TestGatewayAPIInstalledLaterAndRouteAcceptance(t *testing.T) {
	k := kubetest.StartWithoutGatewayAPI(t)
	cp := &controlPlane{k: k, cfg: k.Config, c: k.Client, kubeconfig: k.Kubeconfig}
	cp.namespace(t, systemNS)
	cp.namespace(t, "late")
	cp.service(t, "late", "api")
	up, _ := upstream(t)

	s := settings()
	s.DefaultParentRefs = nil // no --gateway
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- manager.Run(ctx, manager.Options{
			Config: cp.cfg, Settings: s, MetricsAddress: "0", HealthAddress: "0",
			HealthBaseURL: up.URL, RetryAfter: time.Minute, RecheckAfter: time.Minute,
			KindsInterval: 300 * time.Millisecond,
			// TestController runs a manager in this process too.
			SkipNameValidation: true,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller: %v", err)
		}
	})

	if err := cp.c.Create(context.Background(), newOffer("late", "llm")); err != nil {
		t.Fatal(err)
	}
	o := cp.condition(t, "late", "llm", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonWaitingForCRD)
	if msg := condOf(o, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "httproutes.gateway.networking.k8s.io") || !strings.Contains(msg, "without a restart") {
		t.Fatalf("the offer must say which CRD it waits for: %q", msg)
	}

	k.InstallGatewayAPI(t)
	o = cp.condition(t, "late", "llm", v1alpha1.ConditionRoutePublished, metav1.ConditionFalse, offers.ReasonNoParentGateway)
	if msg := condOf(o, v1alpha1.ConditionReady).Message; condOf(o, v1alpha1.ConditionReady).Status != metav1.ConditionFalse || !strings.Contains(msg, "--gateway") {
		t.Fatalf("an HTTPRoute without parent is not Ready and says why: %+v", condOf(o, v1alpha1.ConditionReady))
	}
	if _, err := cp.child(render.HTTPRouteGVK, "late", "llm"); err != nil {
		t.Fatalf("the HTTPRoute must be applied once its CRD is served: %v", err)
	}

	update(t, cp, "late", "llm", func(o *v1alpha1.ServiceOffer) {
		o.Spec.Route.ParentRefs = []v1alpha1.ParentRef{{Namespace: "edge", Name: "gw"}}
	})
	o = cp.condition(t, "late", "llm", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonGatewayNotFound)
	if msg := condOf(o, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "Gateway edge/gw") || !strings.Contains(msg, "does not exist") {
		t.Fatalf("message %q", msg)
	}
	if findOffer(cp.routesDoc(t), "late", "llm") != nil {
		t.Fatal("an offer whose route reaches no Gateway must not be in the routes document")
	}

	// The Gateway appears; its controller accepts the route by writing the route's
	// status, which is what wakes the offer.
	k.Gateway(t, "edge", "gw")
	k.AcceptHTTPRoutes(t)
	o = cp.condition(t, "late", "llm", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
	if msg := condOf(o, v1alpha1.ConditionRoutePublished).Message; !strings.Contains(msg, "accepted by Gateway edge/gw") {
		t.Fatalf("RoutePublished message %q", msg)
	}
	if findOffer(cp.routesDoc(t), "late", "llm") == nil {
		t.Fatal("a Ready offer is in the routes document")
	}
}
