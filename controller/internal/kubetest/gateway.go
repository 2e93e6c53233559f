package kubetest

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

var (
	gatewayClassGVK = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "GatewayClass"}
	gatewayGVK      = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"}
	httpRouteGVK    = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}
	routeListGVK    = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRouteList"}
)

// FakeGatewayController is the controllerName the test Gateway implementation writes.
const FakeGatewayController = "turnpike.test/fake-gateway"

// Gateway creates a Gateway ns/name (and the GatewayClass "turnpike-test") with one
// HTTP listener that admits routes from every namespace (idempotent).
func (c *Cluster) Gateway(t testing.TB, ns, name string) {
	t.Helper()
	ctx := context.Background()
	c.Namespace(t, ns)
	gc := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "turnpike-test"},
		"spec":     map[string]any{"controllerName": FakeGatewayController},
	}}
	gc.SetGroupVersionKind(gatewayClassGVK)
	if err := c.Client.Create(ctx, gc); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create GatewayClass: %v", err)
	}
	gw := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"gatewayClassName": "turnpike-test",
			"listeners": []any{map[string]any{
				"name": "web", "port": int64(80), "protocol": "HTTP",
				"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}},
			}},
		},
	}}
	gw.SetGroupVersionKind(gatewayGVK)
	if err := c.Client.Create(ctx, gw); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create Gateway %s/%s: %v", ns, name, err)
	}
}

// AcceptHTTPRoutes plays a Gateway implementation until the test ends: every 100 ms
// it writes Accepted=True and ResolvedRefs=True into status.parents of every
// HTTPRoute, for each parentRef whose Gateway exists and that has no entry yet (an
// entry a test wrote, e.g. a rejection, is left alone), as Traefik's Gateway provider
// would.
func (c *Cluster) AcceptHTTPRoutes(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			c.acceptRoutes(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

func (c *Cluster) acceptRoutes(ctx context.Context) {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(routeListGVK)
	if err := c.Client.List(ctx, list); err != nil {
		return
	}
	for i := range list.Items {
		route := &list.Items[i]
		refs, _, _ := unstructured.NestedSlice(route.Object, "spec", "parentRefs")
		statuses, _, _ := unstructured.NestedSlice(route.Object, "status", "parents")
		changed := false
		for _, r := range refs {
			ref, _ := r.(map[string]any)
			name, _ := ref["name"].(string)
			ns, _ := ref["namespace"].(string)
			if ns == "" {
				ns = route.GetNamespace()
			}
			if hasParentStatus(statuses, ref, route.GetNamespace()) {
				continue
			}
			gw := &unstructured.Unstructured{}
			gw.SetGroupVersionKind(gatewayGVK)
			if err := c.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, gw); err != nil {
				continue
			}
			now := metav1.Now().UTC().Format(time.RFC3339)
			cond := func(typ, reason string) any {
				return map[string]any{"type": typ, "status": "True", "reason": reason, "message": "accepted by the test Gateway",
					"lastTransitionTime": now, "observedGeneration": route.GetGeneration()}
			}
			statuses = append(statuses, map[string]any{
				"parentRef":      ref,
				"controllerName": FakeGatewayController,
				"conditions":     []any{cond("Accepted", "Accepted"), cond("ResolvedRefs", "ResolvedRefs")},
			})
			changed = true
		}
		if changed {
			_ = unstructured.SetNestedSlice(route.Object, statuses, "status", "parents")
			route.SetGroupVersionKind(httpRouteGVK)
			_ = c.Client.Status().Update(ctx, route)
		}
	}
}

func hasParentStatus(statuses []any, ref map[string]any, routeNS string) bool {
	want := func(m map[string]any, k, def string) string {
		if v, _ := m[k].(string); v != "" {
			return v
		}
		return def
	}
	for _, s := range statuses {
		sm, _ := s.(map[string]any)
		got, _ := sm["parentRef"].(map[string]any)
		if want(got, "name", "") == want(ref, "name", "") && want(got, "namespace", routeNS) == want(ref, "namespace", routeNS) &&
			want(got, "sectionName", "") == want(ref, "sectionName", "") {
			return true
		}
	}
	return false
}
