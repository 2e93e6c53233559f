package offers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

const (
	systemNS   = "turnpike-system"
	routesName = "turnpike-routes"
	usdc       = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	payTo      = "0x1111111111111111111111111111111111111111"
)

// controlPlane is a real kube-apiserver + etcd with Turnpike's generated CRDs and the
// Traefik and Gateway API CRDs installed.
type controlPlane struct {
	k          *kubetest.Cluster
	cfg        *rest.Config
	c          client.Client
	kubeconfig string
}

func startControlPlane(t *testing.T) *controlPlane {
	t.Helper()
	k := kubetest.Start(t)
	cp := &controlPlane{k: k, cfg: k.Config, c: k.Client, kubeconfig: k.Kubeconfig}
	cp.namespace(t, systemNS)
	// The default parent Gateway (settings) exists, and a stand-in Gateway controller
	// accepts the routes attached to it, as Traefik's Gateway provider would.
	k.Gateway(t, "traefik", "gateway")
	k.AcceptHTTPRoutes(t)
	return cp
}

func (cp *controlPlane) namespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := cp.c.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// upstream answers 200 on /health and 503 on /sick, like a real service would; every
// health check of the controller lands here (--health-base-url).
func upstream(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/health":
			w.WriteHeader(http.StatusOK)
		case "/v1/models": // vLLM, TGI, OpenAI-compatible servers
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"meta-llama/Llama-3.1-8B-Instruct"},{"id":"qwen2.5"}]}`))
		case "/api/tags": // Ollama
			_, _ = w.Write([]byte(`{"models":[{"name":"llama3.2:3b","model":"llama3.2:3b"}]}`))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func settings() render.Settings {
	return render.Settings{
		PluginName:               "turnpike",
		RoutesConfigMapNamespace: systemNS,
		RoutesConfigMapName:      routesName,
		FacilitatorURL:           "https://facilitator.example",
		PublicBaseURL:            "https://api.example.com",
		DefaultParentRefs:        []v1alpha1.ParentRef{{Namespace: "traefik", Name: "gateway"}},
		DefaultEntryPoints:       []string{"web"},
	}
}

func runControllerWith(t *testing.T, cp *controlPlane, healthURL, metricsAddr, healthAddr string) string {
	t.Helper()
	return runManager(t, manager.Options{
		Config:           cp.cfg,
		Settings:         settings(),
		Agent:            discoveryAgent,
		DiscoveryAddress: "127.0.0.1:0",
		DiscoveryRoute:   discoveryRoute,
		MetricsAddress:   metricsAddr,
		HealthAddress:    healthAddr,
		HealthBaseURL:    healthURL,
		RecheckAfter:     3 * time.Second,
		RetryAfter:       time.Second,
	}).Discovery
}

// runManager runs the controller with opts until the test ends and returns the
// addresses it serves on once it has started.
func runManager(t *testing.T, opts manager.Options) manager.Addresses {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan manager.Addresses, 1)
	done := make(chan error, 1)
	opts.OnStarted = func(a manager.Addresses) { started <- a }
	go func() { done <- manager.Run(ctx, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("controller: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("controller did not stop")
		}
	})
	select {
	case a := <-started:
		return a
	case err := <-done:
		t.Fatalf("controller exited: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("controller did not start")
	}
	return manager.Addresses{}
}

func newOffer(ns, name string, mut ...func(*v1alpha1.ServiceOffer)) *v1alpha1.ServiceOffer {
	o := &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream:    v1alpha1.UpstreamSpec{Service: "api", Port: 8080},
			Description: "test offer " + name,
			Payment: v1alpha1.PaymentSpec{
				PayTo:   payTo,
				Accepts: []v1alpha1.PaymentOption{{Network: "eip155:84532", Amount: "10000", Asset: v1alpha1.AssetSpec{Address: usdc}}},
			},
		},
	}
	for _, m := range mut {
		m(o)
	}
	return o
}

func (cp *controlPlane) service(t *testing.T, ns, name string) {
	t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}},
	}
	if err := cp.c.Create(context.Background(), svc); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

func (cp *controlPlane) getOffer(t *testing.T, ns, name string) *v1alpha1.ServiceOffer {
	t.Helper()
	var o v1alpha1.ServiceOffer
	if err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &o); err != nil {
		t.Fatal(err)
	}
	return &o
}

// condition waits until the offer's condition has status and reason.
func (cp *controlPlane) condition(t *testing.T, ns, name, typ string, status metav1.ConditionStatus, reason string) *v1alpha1.ServiceOffer {
	t.Helper()
	var o v1alpha1.ServiceOffer
	testutil.EventuallyNoError(t, 30*time.Second, fmt.Sprintf("%s/%s %s=%s/%s", ns, name, typ, status, reason), func() error {
		if err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, &o); err != nil {
			return err
		}
		c := meta.FindStatusCondition(o.Status.Conditions, typ)
		if c == nil {
			return fmt.Errorf("no %s condition yet: %+v", typ, o.Status.Conditions)
		}
		if c.Status != status || (reason != "" && c.Reason != reason) {
			return fmt.Errorf("%s=%s reason %s: %s", typ, c.Status, c.Reason, c.Message)
		}
		if o.Status.ObservedGeneration != o.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", o.Status.ObservedGeneration, o.Generation)
		}
		return nil
	})
	return &o
}

func (cp *controlPlane) routesDoc(t *testing.T) *routes.Document {
	t.Helper()
	var cm corev1.ConfigMap
	if err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: systemNS, Name: routesName}, &cm); err != nil {
		t.Fatalf("routes ConfigMap: %v", err)
	}
	doc, err := routes.Parse([]byte(cm.Data[routes.DataKey]))
	if err != nil {
		t.Fatalf("the routes document must always be valid for the gate: %v", err)
	}
	return doc
}

func findOffer(doc *routes.Document, ns, name string) *routes.Offer {
	for i := range doc.Offers {
		if doc.Offers[i].Namespace == ns && doc.Offers[i].Name == name {
			return &doc.Offers[i]
		}
	}
	return nil
}

func (cp *controlPlane) child(gvk schema.GroupVersionKind, ns, offerName string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err := cp.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: render.ChildName(offerName)}, u)
	return u, err
}

func (cp *controlPlane) childGone(t *testing.T, gvk schema.GroupVersionKind, ns, offerName string) {
	t.Helper()
	testutil.EventuallyNoError(t, 20*time.Second, gvk.Kind+" removed", func() error {
		_, err := cp.child(gvk, ns, offerName)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (err %v)", err)
	})
}

func update(t *testing.T, cp *controlPlane, ns, name string, mut func(*v1alpha1.ServiceOffer)) {
	t.Helper()
	testutil.EventuallyNoError(t, 10*time.Second, "update offer", func() error {
		o := cp.getOffer(t, ns, name)
		mut(o)
		return cp.c.Update(context.Background(), o)
	})
}
