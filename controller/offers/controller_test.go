package offers_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/discovery"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

var (
	discoveryAgent = discovery.Agent{Name: "Envtest seller", Description: "Offers under test"}
	discoveryRoute = discovery.RouteSettings{
		Namespace: systemNS, Name: "turnpike-discovery", Hostnames: []string{"api.example.com"},
		ParentRefs:  []v1alpha1.ParentRef{{Namespace: "traefik", Name: "gateway"}},
		ServiceName: "turnpike-controller", ServicePort: 80,
	}
)

// TestController runs the controller against a real API server and walks an offer
// through its life: validation, publish, update, route kinds, health, conflicts,
// drain, delete, and discovery.
func TestController(t *testing.T) {
	cp := startControlPlane(t)
	up, _ := upstream(t)
	metricsAddr, healthAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	discoveryAddr := runControllerWith(t, cp, up.URL, metricsAddr, healthAddr)
	ctx := context.Background()

	t.Run("health and readiness probes answer", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			testutil.EventuallyNoError(t, 10*time.Second, p, func() error {
				resp, err := http.Get("http://" + healthAddr + p)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("%s: %d", p, resp.StatusCode)
				}
				return nil
			})
		}
	})

	t.Run("the API server enforces the CRD schema and defaults", func(t *testing.T) {
		cp.namespace(t, "schema")
		cases := []struct {
			desc    string
			mut     func(*v1alpha1.ServiceOffer)
			wantErr string
		}{
			{desc: "bad payTo", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.PayTo = "0x12" }, wantErr: "spec.payment.payTo"},
			{desc: "network neither CAIP-2 nor a preset-style name", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Network = "Base Sepolia" }, wantErr: "network"},
			{desc: "zero amount", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Amount = "0" }, wantErr: "amount"},
			{desc: "no payment option", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts = nil }, wantErr: "accepts"},
			{desc: "unknown route kind", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Route.Kind = "Ingress" }, wantErr: "spec.route.kind"},
			{desc: "relative path", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Path = "services/x" }, wantErr: "spec.path"},
			{desc: "free path with an amount", mut: func(o *v1alpha1.ServiceOffer) {
				o.Spec.Paths = []v1alpha1.PathRule{{Path: "/x", Free: true, Amount: "5"}}
			}, wantErr: "a free path cannot have an amount"},
			{desc: "entry points on an HTTPRoute", mut: func(o *v1alpha1.ServiceOffer) { o.Spec.Route.EntryPoints = []string{"web"} }, wantErr: "entryPoints apply to IngressRoute only"},
			{desc: "parentRefs on an IngressRoute", mut: func(o *v1alpha1.ServiceOffer) {
				o.Spec.Route = v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute, ParentRefs: []v1alpha1.ParentRef{{Name: "gw"}}}
			}, wantErr: "parentRefs apply to HTTPRoute only"},
			{desc: "too many decimals", mut: func(o *v1alpha1.ServiceOffer) {
				d := int32(40)
				o.Spec.Payment.Accepts[0].Asset.Decimals = &d
			}, wantErr: "decimals"},
		}
		for i, c := range cases {
			t.Run(c.desc, func(t *testing.T) {
				err := cp.c.Create(ctx, newOffer("schema", fmt.Sprintf("bad-%d", i), c.mut))
				if err == nil || !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want an Invalid error naming %s, got %v", c.wantErr, err)
				}
			})
		}
		t.Run("defaults", func(t *testing.T) {
			if err := cp.c.Create(ctx, newOffer("schema", "defaults", func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.Service = "none" })); err != nil {
				t.Fatal(err)
			}
			o := cp.getOffer(t, "schema", "defaults")
			if o.Spec.DrainGracePeriod == nil || o.Spec.DrainGracePeriod.Duration != time.Hour {
				t.Fatalf("drainGracePeriod default: %v", o.Spec.DrainGracePeriod)
			}
			if o.Spec.Upstream.HealthPath != "/health" || o.Spec.Settlement != "afterResponse" || o.Spec.Route.Kind != "HTTPRoute" ||
				o.Spec.Payment.MaxTimeoutSeconds != 300 || o.Spec.Payment.Accepts[0].Scheme != "exact" {
				t.Fatalf("defaults not applied: %+v", o.Spec)
			}
			// The Service does not exist: reported, nothing published.
			o = cp.condition(t, "schema", "defaults", v1alpha1.ConditionUpstreamHealthy, metav1.ConditionFalse, offers.ReasonMissingService)
			if _, err := cp.child(render.MiddlewareGVK, "schema", "defaults"); !apierrors.IsNotFound(err) {
				t.Fatalf("no Middleware may exist for an offer without upstream: %v", err)
			}
		})
	})

	t.Run("create publishes gate, route and routes-document entry", func(t *testing.T) {
		cp.namespace(t, "shop")
		cp.service(t, "shop", "api")
		before := generation(t, cp)
		if err := cp.c.Create(ctx, newOffer("shop", "weather", func(o *v1alpha1.ServiceOffer) {
			o.Spec.Hostnames = []string{"weather.example.com"}
			o.Spec.Paths = []v1alpha1.PathRule{{Path: "/health", Free: true}}
		})); err != nil {
			t.Fatal(err)
		}
		o := cp.condition(t, "shop", "weather", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
		for _, typ := range []string{v1alpha1.ConditionUpstreamHealthy, v1alpha1.ConditionPaymentGateReady, v1alpha1.ConditionRoutePublished, v1alpha1.ConditionRegistered} {
			cp.condition(t, "shop", "weather", typ, metav1.ConditionTrue, "")
		}
		cp.condition(t, "shop", "weather", v1alpha1.ConditionDraining, metav1.ConditionFalse, offers.ReasonActive)
		if o.Status.Endpoint != "/services/weather" || o.Status.URL != "https://weather.example.com/services/weather" {
			t.Fatalf("status endpoint %q url %q", o.Status.Endpoint, o.Status.URL)
		}
		if len(o.Finalizers) != 1 || o.Finalizers[0] != offers.Finalizer {
			t.Fatalf("finalizers %v", o.Finalizers)
		}

		mw, err := cp.child(render.MiddlewareGVK, "shop", "weather")
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, _ := unstructured.NestedMap(mw.Object, "spec", "plugin", "turnpike")
		if cfg["offer"] != "shop/weather" || cfg["routesConfigMap"] != systemNS+"/"+routesName || cfg["facilitatorURL"] != "https://facilitator.example" {
			t.Fatalf("middleware plugin config %v", cfg)
		}
		assertOwned(t, mw, o)
		route, err := cp.child(render.HTTPRouteGVK, "shop", "weather")
		if err != nil {
			t.Fatal(err)
		}
		assertOwned(t, route, o)
		hosts, _, _ := unstructured.NestedStringSlice(route.Object, "spec", "hostnames")
		if len(hosts) != 1 || hosts[0] != "weather.example.com" {
			t.Fatalf("route hostnames %v", hosts)
		}

		doc := cp.routesDoc(t)
		e := findOffer(doc, "shop", "weather")
		if e == nil || e.State != routes.StateActive || e.PathPrefix != "/services/weather" || e.Payments[0].EIP712Name != "USDC" {
			t.Fatalf("routes entry %+v", e)
		}
		if doc.Generation <= before {
			t.Fatalf("generation %d did not move past %d", doc.Generation, before)
		}
		if o.Status.RoutesGeneration != doc.Generation {
			t.Fatalf("status.routesGeneration %d, document %d", o.Status.RoutesGeneration, doc.Generation)
		}
		raw := cmData(t, cp)
		for _, secretish := range []string{"urn:k8s:secret", "api.shop", "8080"} {
			if strings.Contains(raw, secretish) {
				t.Fatalf("routes document must hold public data only, found %q", secretish)
			}
		}
		testutil.EventuallyNoError(t, 10*time.Second, "Ready event recorded", func() error {
			return hasEvent(cp, "shop", "weather", "Reconciled", "Ready")
		})
	})

	t.Run("kubectl get shows the printer columns", func(t *testing.T) {
		hc, err := rest.HTTPClientFor(cp.cfg)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", strings.TrimRight(cp.cfg.Host, "/")+"/apis/x402.turnpike.dev/v1alpha1/namespaces/shop/serviceoffers/weather", nil)
		req.Header.Set("Accept", "application/json;as=Table;g=meta.k8s.io;v=v1")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var table metav1.Table
		if err := json.Unmarshal(raw, &table); err != nil {
			t.Fatalf("%v: %d %s", err, resp.StatusCode, raw)
		}
		var names []string
		for _, c := range table.ColumnDefinitions {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != "Name,Type,Model,Path,Price,Network,Amount,Ready,Status,Drain Ends,Agent,Age" {
			t.Fatalf("columns %s", got)
		}
		if len(table.Rows) != 1 {
			t.Fatalf("rows %+v", table.Rows)
		}
		cells := fmt.Sprint(table.Rows[0].Cells[:9])
		if cells != "[weather http <nil> /services/weather 0.01 USDC eip155:84532 10000 True Reconciled]" {
			t.Fatalf("cells %s", cells)
		}
	})

	t.Run("update re-renders; an unchanged reconcile does not bump the generation", func(t *testing.T) {
		gen := generation(t, cp)
		update(t, cp, "shop", "weather", func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts[0].Amount = "20000" })
		testutil.EventuallyNoError(t, 20*time.Second, "new amount in routes document", func() error {
			e := findOffer(cp.routesDoc(t), "shop", "weather")
			if e == nil || e.Payments[0].Amount != "20000" {
				return fmt.Errorf("entry %+v", e)
			}
			return nil
		})
		after := generation(t, cp)
		if after != gen+1 {
			t.Fatalf("one change must be one generation: %d -> %d", gen, after)
		}
		// Rechecks run every 3s; nothing changed, so nothing is written.
		time.Sleep(4 * time.Second)
		if g := generation(t, cp); g != after {
			t.Fatalf("generation moved without a change: %d -> %d", after, g)
		}
	})

	t.Run("switching to IngressRoute replaces the HTTPRoute", func(t *testing.T) {
		update(t, cp, "shop", "weather", func(o *v1alpha1.ServiceOffer) { o.Spec.Route.Kind = v1alpha1.RouteKindIngressRoute })
		testutil.EventuallyNoError(t, 20*time.Second, "IngressRoute", func() error {
			ir, err := cp.child(render.IngressRouteGVK, "shop", "weather")
			if err != nil {
				return err
			}
			routesList, _, _ := unstructured.NestedSlice(ir.Object, "spec", "routes")
			if len(routesList) != 1 || !strings.Contains(routesList[0].(map[string]any)["match"].(string), "Host(`weather.example.com`)") {
				return fmt.Errorf("routes %v", routesList)
			}
			return nil
		})
		cp.childGone(t, render.HTTPRouteGVK, "shop", "weather")
		cp.condition(t, "shop", "weather", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
	})

	t.Run("basePath on an IngressRoute adds the rewrite Middleware after the gate; dropping it removes it", func(t *testing.T) {
		rewrite := func() (*unstructured.Unstructured, error) {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(render.MiddlewareGVK)
			err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: "shop", Name: render.PathRewriteName("weather")}, u)
			return u, err
		}
		update(t, cp, "shop", "weather", func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.BasePath = "/" })
		testutil.EventuallyNoError(t, 20*time.Second, "rewrite Middleware", func() error {
			mw, err := rewrite()
			if err != nil {
				return err
			}
			if re, _, _ := unstructured.NestedString(mw.Object, "spec", "replacePathRegex", "regex"); re != "^/services/weather/?(.*)$" {
				return fmt.Errorf("replacePathRegex %q", re)
			}
			ir, err := cp.child(render.IngressRouteGVK, "shop", "weather")
			if err != nil {
				return err
			}
			routesList, _, _ := unstructured.NestedSlice(ir.Object, "spec", "routes")
			want := []any{map[string]any{"name": render.ChildName("weather")}, map[string]any{"name": render.PathRewriteName("weather")}}
			if mws := routesList[0].(map[string]any)["middlewares"]; !reflect.DeepEqual(mws, want) {
				return fmt.Errorf("middlewares %v, want %v", mws, want)
			}
			return nil
		})
		update(t, cp, "shop", "weather", func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.BasePath = "" })
		testutil.EventuallyNoError(t, 20*time.Second, "rewrite Middleware removed", func() error {
			if _, err := rewrite(); !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there (%v)", err)
			}
			return nil
		})
	})

	t.Run("an unhealthy upstream is never published", func(t *testing.T) {
		if err := cp.c.Create(ctx, newOffer("shop", "sick", func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.HealthPath = "/sick" })); err != nil {
			t.Fatal(err)
		}
		o := cp.condition(t, "shop", "sick", v1alpha1.ConditionUpstreamHealthy, metav1.ConditionFalse, offers.ReasonUnhealthy)
		if !strings.Contains(condOf(o, v1alpha1.ConditionUpstreamHealthy).Message, "503") {
			t.Fatalf("message should carry the status: %+v", condOf(o, v1alpha1.ConditionUpstreamHealthy))
		}
		cp.condition(t, "shop", "sick", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonUnhealthy)
		if _, err := cp.child(render.MiddlewareGVK, "shop", "sick"); !apierrors.IsNotFound(err) {
			t.Fatalf("Middleware of an unhealthy offer: %v", err)
		}
		if findOffer(cp.routesDoc(t), "shop", "sick") != nil {
			t.Fatal("unhealthy offer in the routes document")
		}
		// Healing publishes it.
		update(t, cp, "shop", "sick", func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.HealthPath = "/health" })
		cp.condition(t, "shop", "sick", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
	})

	t.Run("a route the Gateway controller rejects is reported and leaves the routes document", func(t *testing.T) {
		if err := cp.c.Create(ctx, newOffer("shop", "rejected")); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shop", "rejected", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
		// Traefik's Gateway provider would write this status.
		testutil.EventuallyNoError(t, 10*time.Second, "route status", func() error {
			route, err := cp.child(render.HTTPRouteGVK, "shop", "rejected")
			if err != nil {
				return err
			}
			now := metav1.Now().UTC().Format(time.RFC3339)
			route.Object["status"] = map[string]any{"parents": []any{map[string]any{
				"parentRef":      map[string]any{"name": "gateway", "namespace": "traefik"},
				"controllerName": "traefik.io/gateway-controller",
				"conditions": []any{map[string]any{
					"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners",
					"message": "no listener allows routes from shop", "lastTransitionTime": now, "observedGeneration": route.GetGeneration(),
				}},
			}}}
			return cp.c.Status().Update(ctx, route)
		})
		o := cp.condition(t, "shop", "rejected", v1alpha1.ConditionRoutePublished, metav1.ConditionFalse, offers.ReasonRouteNotAccepted)
		if !strings.Contains(condOf(o, v1alpha1.ConditionRoutePublished).Message, "NotAllowedByListeners") {
			t.Fatalf("message %+v", condOf(o, v1alpha1.ConditionRoutePublished))
		}
		cp.condition(t, "shop", "rejected", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonRouteNotAccepted)
		testutil.EventuallyNoError(t, 10*time.Second, "left the routes document", func() error {
			if findOffer(cp.routesDoc(t), "shop", "rejected") != nil {
				return fmt.Errorf("still listed")
			}
			return nil
		})
		if err := cp.c.Delete(ctx, newOffer("shop", "rejected")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("unknown token without EIP-712 domain is refused with a reason", func(t *testing.T) {
		if err := cp.c.Create(ctx, newOffer("shop", "token", func(o *v1alpha1.ServiceOffer) {
			o.Spec.Payment.Accepts[0].Asset.Address = "0x2222222222222222222222222222222222222222"
		})); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shop", "token", v1alpha1.ConditionReady, metav1.ConditionFalse, render.ReasonUnknownToken)
		cp.condition(t, "shop", "token", v1alpha1.ConditionPaymentGateReady, metav1.ConditionFalse, render.ReasonUnknownToken)
	})

	t.Run("path conflict: the oldest claimant wins, the loser takes over when it leaves", func(t *testing.T) {
		cp.namespace(t, "rival")
		cp.service(t, "rival", "api")
		// Same path on another host: no conflict with shop/weather.
		if err := cp.c.Create(ctx, newOffer("rival", "elsewhere", func(o *v1alpha1.ServiceOffer) {
			o.Spec.Path = "/services/weather"
			o.Spec.Hostnames = []string{"other.example.com"}
		})); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "rival", "elsewhere", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
		// Same path on every host: overlaps both; the oldest claimant is named.
		if err := cp.c.Create(ctx, newOffer("rival", "copycat", func(o *v1alpha1.ServiceOffer) { o.Spec.Path = "/services/weather" })); err != nil {
			t.Fatal(err)
		}
		o := cp.condition(t, "rival", "copycat", v1alpha1.ConditionRoutePublished, metav1.ConditionFalse, offers.ReasonPathConflict)
		if !strings.Contains(condOf(o, v1alpha1.ConditionRoutePublished).Message, "shop/weather") {
			t.Fatalf("the loser must name the oldest claimant: %+v", condOf(o, v1alpha1.ConditionRoutePublished))
		}
		cp.condition(t, "rival", "copycat", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonPathConflict)
		if _, err := cp.child(render.MiddlewareGVK, "rival", "copycat"); !apierrors.IsNotFound(err) {
			t.Fatalf("loser has a Middleware: %v", err)
		}
		if findOffer(cp.routesDoc(t), "rival", "copycat") != nil {
			t.Fatal("loser in routes document")
		}
		testutil.EventuallyNoError(t, 10*time.Second, "PathConflict warning event", func() error {
			return hasEvent(cp, "rival", "copycat", offers.ReasonPathConflict, v1alpha1.ConditionReady)
		})
		if err := cp.c.Delete(ctx, newOffer("rival", "elsewhere")); err != nil {
			t.Fatal(err)
		}
		// shop/weather still holds the path.
		time.Sleep(2 * time.Second)
		cp.condition(t, "rival", "copycat", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonPathConflict)
	})

	t.Run("drain: served until the end, then torn down, the record kept", func(t *testing.T) {
		cp.service(t, "shop", "api")
		if err := cp.c.Create(ctx, newOffer("shop", "tides")); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shop", "tides", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
		start := time.Now()
		update(t, cp, "shop", "tides", func(o *v1alpha1.ServiceOffer) {
			now := metav1.NewTime(time.Now())
			o.Spec.DrainAt = &now
			o.Spec.DrainGracePeriod = &metav1.Duration{Duration: 6 * time.Second}
		})
		o := cp.condition(t, "shop", "tides", v1alpha1.ConditionDraining, metav1.ConditionTrue, offers.ReasonDraining)
		if o.Status.DrainEndsAt == nil {
			t.Fatal("status.drainEndsAt missing")
		}
		e := findOffer(cp.routesDoc(t), "shop", "tides")
		if e == nil || e.State != routes.StateDraining || e.DrainEndsAt == "" {
			t.Fatalf("draining entry %+v", e)
		}
		if _, err := cp.child(render.MiddlewareGVK, "shop", "tides"); err != nil {
			t.Fatalf("the gate must stay during the grace period: %v", err)
		}
		svc := fetchServices(t, discoveryAddr)
		s := findService(svc, "shop", "tides")
		if s == nil || s.Available || s.DrainEndsAt != e.DrainEndsAt {
			t.Fatalf("services.json during drain: %+v", s)
		}

		cp.condition(t, "shop", "tides", v1alpha1.ConditionDraining, metav1.ConditionFalse, offers.ReasonDrained)
		if elapsed := time.Since(start); elapsed < 5*time.Second {
			t.Fatalf("torn down after %s, before the grace period ended", elapsed)
		}
		cp.childGone(t, render.MiddlewareGVK, "shop", "tides")
		cp.childGone(t, render.HTTPRouteGVK, "shop", "tides")
		if findOffer(cp.routesDoc(t), "shop", "tides") != nil {
			t.Fatal("drained offer still in routes document")
		}
		cp.condition(t, "shop", "tides", v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonDrained)
		if findService(fetchServices(t, discoveryAddr), "shop", "tides") != nil {
			t.Fatal("drained offer still in services.json")
		}
	})

	t.Run("drain end: the route goes first, then the gate, then the document entry", func(t *testing.T) {
		cp.service(t, "shop", "api")
		if err := cp.c.Create(ctx, newOffer("shop", "ebb")); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shop", "ebb", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
		update(t, cp, "shop", "ebb", func(o *v1alpha1.ServiceOffer) {
			now := metav1.NewTime(time.Now())
			o.Spec.DrainAt = &now
			o.Spec.DrainGracePeriod = &metav1.Duration{Duration: 2 * time.Second}
		})
		// Sample what Traefik and the gate would see until everything is gone.
		type sample struct {
			at              time.Time
			route, gate     bool
			entry           *routes.Offer
			routesGenerated int64
		}
		exists := func(gvk schema.GroupVersionKind) bool {
			_, err := cp.child(gvk, "shop", "ebb")
			if err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
			return err == nil
		}
		var samples []sample
		deadline := time.Now().Add(30 * time.Second)
		for {
			doc := cp.routesDoc(t)
			s := sample{at: time.Now(), route: exists(render.HTTPRouteGVK), gate: exists(render.MiddlewareGVK), entry: findOffer(doc, "shop", "ebb"), routesGenerated: doc.Generation}
			samples = append(samples, s)
			if !s.route && !s.gate && s.entry == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not torn down after 30 s: route %v gate %v entry %+v", s.route, s.gate, s.entry)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var routeGone, gateGone time.Time
		var lastGenWithEntry int64
		for _, s := range samples {
			if s.route && !s.gate {
				t.Fatalf("at %s the route was still there without its Middleware", s.at.Format(time.StampMilli))
			}
			if s.entry == nil && (s.route || s.gate) {
				t.Fatalf("at %s the entry left the document before the route (%v) and the gate (%v): the gate would answer offer_unknown", s.at.Format(time.StampMilli), s.route, s.gate)
			}
			if s.entry != nil {
				if !s.route && s.entry.State != routes.StateDraining {
					t.Fatalf("entry state %q once the route is gone, want %q (the gate answers offer_drained)", s.entry.State, routes.StateDraining)
				}
				lastGenWithEntry = s.routesGenerated
			}
			if !s.route && routeGone.IsZero() {
				routeGone = s.at
				if s.entry != nil {
					end, err := time.Parse(time.RFC3339, s.entry.DrainEndsAt)
					if err != nil || end.After(s.at) {
						t.Fatalf("route removed at %s, before the entry's drainEndsAt %q", s.at, s.entry.DrainEndsAt)
					}
				}
			}
			if !s.gate && gateGone.IsZero() {
				gateGone = s.at
			}
		}
		if gap := gateGone.Sub(routeGone); gap < 2*time.Second {
			t.Fatalf("the Middleware went %s after the route; Traefik needs up to its providers throttle (2 s) to drop the route", gap)
		}
		if gen := cp.routesDoc(t).Generation; gen != lastGenWithEntry+1 {
			t.Fatalf("the entry left in generation %d, want the next one after %d", gen, lastGenWithEntry)
		}
		t.Logf("drain end: route removed, Middleware %s later, entry then dropped in generation %d", gateGone.Sub(routeGone).Round(10*time.Millisecond), lastGenWithEntry+1)
		o := cp.condition(t, "shop", "ebb", v1alpha1.ConditionDraining, metav1.ConditionFalse, offers.ReasonDrained)
		if o.Status.RouteRemovedAt == nil || o.Status.RoutesGeneration != 0 {
			t.Fatalf("status after the teardown: routeRemovedAt %v routesGeneration %d", o.Status.RouteRemovedAt, o.Status.RoutesGeneration)
		}
	})

	t.Run("discovery documents over HTTP, and the discovery route on its hostnames only", func(t *testing.T) {
		svc := fetchServices(t, discoveryAddr)
		var mine []discovery.Service
		for _, s := range svc.Services {
			if s.Namespace == "shop" {
				mine = append(mine, s)
			}
		}
		got, _ := json.MarshalIndent(mine, "", "  ")
		golden(t, "envtest-services.json", append(got, '\n'))
		body := fetch(t, discoveryAddr, discovery.PathSkill)
		if !strings.Contains(body, "| shop/weather | https://weather.example.com/services/weather | 0.02 USDC |") {
			t.Fatalf("skill.md:\n%s", body)
		}
		reg := fetch(t, discoveryAddr, discovery.PathRegistration)
		if !strings.Contains(reg, `"type": "https://eips.ethereum.org/EIPS/eip-8004#registration-v1"`) {
			t.Fatalf("registration file:\n%s", reg)
		}
		testutil.EventuallyNoError(t, 10*time.Second, "discovery HTTPRoute", func() error {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(render.HTTPRouteGVK)
			if err := cp.c.Get(ctx, types.NamespacedName{Namespace: systemNS, Name: "turnpike-discovery"}, u); err != nil {
				return err
			}
			hosts, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
			if len(hosts) != 1 || hosts[0] != "api.example.com" {
				return fmt.Errorf("hostnames %v", hosts)
			}
			return nil
		})
	})

	t.Run("metrics export the routes generation", func(t *testing.T) {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("turnpike_controller_routes_generation %d", generation(t, cp))
		if !strings.Contains(string(body), want) || !strings.Contains(string(body), `turnpike_controller_routes_offers{state="active"}`) ||
			!strings.Contains(string(body), "controller_runtime_reconcile_total") {
			t.Fatalf("metrics lack %q or the offers gauge:\n%s", want, body)
		}
	})

	t.Run("delete: the finalizer removes everything the offer published", func(t *testing.T) {
		o := cp.getOffer(t, "shop", "weather")
		if err := cp.c.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
		testutil.EventuallyNoError(t, 20*time.Second, "offer gone", func() error {
			err := cp.c.Get(ctx, client.ObjectKeyFromObject(o), &v1alpha1.ServiceOffer{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there: %v", err)
		})
		// No garbage collector runs in envtest: the finalizer did this.
		cp.childGone(t, render.MiddlewareGVK, "shop", "weather")
		cp.childGone(t, render.IngressRouteGVK, "shop", "weather")
		if findOffer(cp.routesDoc(t), "shop", "weather") != nil {
			t.Fatal("deleted offer still in routes document")
		}
		// The loser of the conflict now owns the path.
		cp.condition(t, "rival", "copycat", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonReconciled)
	})
}

func condOf(o *v1alpha1.ServiceOffer, typ string) metav1.Condition {
	for _, c := range o.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

func assertOwned(t *testing.T, u *unstructured.Unstructured, o *v1alpha1.ServiceOffer) {
	t.Helper()
	refs := u.GetOwnerReferences()
	if len(refs) != 1 || refs[0].UID != o.UID || refs[0].Kind != "ServiceOffer" || refs[0].Controller == nil || !*refs[0].Controller {
		t.Fatalf("%s owner references %+v", u.GetKind(), refs)
	}
}

func generation(t *testing.T, cp *controlPlane) int64 {
	t.Helper()
	var cm corev1.ConfigMap
	err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: systemNS, Name: routesName}, &cm)
	if apierrors.IsNotFound(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	g, _ := strconv.ParseInt(cm.Annotations[offers.AnnotationGeneration], 10, 64)
	return g
}

func cmData(t *testing.T, cp *controlPlane) string {
	t.Helper()
	var cm corev1.ConfigMap
	if err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: systemNS, Name: routesName}, &cm); err != nil {
		t.Fatal(err)
	}
	return cm.Data[routes.DataKey]
}

func listEvents(cp *controlPlane, ns string) ([]eventsv1.Event, error) {
	var list eventsv1.EventList
	if err := cp.c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	return list.Items, nil
}

func hasEvent(cp *controlPlane, ns, name, reason, action string) error {
	items, err := listEvents(cp, ns)
	if err != nil {
		return err
	}
	for _, e := range items {
		if e.Regarding.Name == name && e.Reason == reason && e.Action == action {
			return nil
		}
	}
	return fmt.Errorf("no event %s/%s for %s among %d", reason, action, name, len(items))
}

func fetch(t *testing.T, addr, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

func fetchServices(t *testing.T, addr string) discovery.ServicesDocument {
	t.Helper()
	var doc discovery.ServicesDocument
	if err := json.Unmarshal([]byte(fetch(t, addr, discovery.PathServices)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func findService(doc discovery.ServicesDocument, ns, name string) *discovery.Service {
	for i := range doc.Services {
		if doc.Services[i].Namespace == ns && doc.Services[i].Name == name {
			return &doc.Services[i]
		}
	}
	return nil
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file (run with -update once): %v", err)
	}
	if string(want) != string(got) {
		t.Fatalf("%s differs from golden (-update rewrites)\n--- got ---\n%s", name, got)
	}
}
