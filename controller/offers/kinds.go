package offers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// DefaultKindsInterval is how often the controller asks the API server again whether
// the Traefik and Gateway API CRDs are served, when some are not.
const DefaultKindsInterval = 10 * time.Second

// childKinds are the kinds the controller renders; each needs its CRD installed.
var childKinds = []schema.GroupVersionKind{render.MiddlewareGVK, render.HTTPRouteGVK, render.IngressRouteGVK}

// kindNames name a kind's CRD for a seller reading a condition.
var kindNames = map[schema.GroupVersionKind]string{
	render.MiddlewareGVK:   "Traefik's Middleware CRD (middlewares.traefik.io)",
	render.HTTPRouteGVK:    "the Gateway API HTTPRoute CRD (httproutes.gateway.networking.k8s.io)",
	render.IngressRouteGVK: "Traefik's IngressRoute CRD (ingressroutes.traefik.io)",
}

// servedKinds records which child kinds the cluster serves and are watched. Read by
// the reconciler, written by the kinds watcher.
type servedKinds struct {
	mu     sync.RWMutex
	served map[schema.GroupVersionKind]bool
}

func (k *servedKinds) has(gvk schema.GroupVersionKind) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.served[gvk]
}

func (k *servedKinds) add(gvk schema.GroupVersionKind) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.served == nil {
		k.served = map[schema.GroupVersionKind]bool{}
	}
	k.served[gvk] = true
}

func (r *Reconciler) kindsInterval() time.Duration {
	if r.KindsInterval > 0 {
		return r.KindsInterval
	}
	return DefaultKindsInterval
}

// missingKinds says which CRDs the offer needs that the cluster does not serve yet,
// or "" when it can be published. A Reconciler not set up with a manager (no kinds
// known) assumes every kind is served.
func (r *Reconciler) missingKinds(o *v1alpha1.ServiceOffer) string {
	if r.kinds == nil {
		return ""
	}
	route := render.HTTPRouteGVK
	if o.RouteKind() == v1alpha1.RouteKindIngressRoute {
		route = render.IngressRouteGVK
	}
	var missing []string
	for _, gvk := range []schema.GroupVersionKind{render.MiddlewareGVK, route} {
		if !r.kinds.has(gvk) {
			missing = append(missing, kindNames[gvk])
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "waiting for " + strings.Join(missing, " and ") + " to be installed"
}

// kindsWatcher notices CRDs installed after the controller started: until every
// child kind is served it asks the API server's discovery again every interval (the
// manager's REST mapper refreshes on a miss), and starts watching a kind as soon as
// it is served, so offers waiting for it are published without a restart.
type kindsWatcher struct {
	kinds  *servedKinds
	mapper meta.RESTMapper
	watch  func(schema.GroupVersionKind) error
	// served is told when a kind starts being served, to wake the offers waiting
	// for it now rather than at their next retry.
	served   func()
	interval time.Duration
	log      logr.Logger
}

// check starts watching every newly served kind; it reports whether all are served.
func (w *kindsWatcher) check() bool {
	all := true
	for _, gvk := range childKinds {
		if w.kinds.has(gvk) {
			continue
		}
		if _, err := w.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			all = false
			continue
		}
		if err := w.watch(gvk); err != nil {
			w.log.Error(err, "watch newly served kind", "kind", gvk.String())
			all = false
			continue
		}
		w.kinds.add(gvk)
		w.log.Info("kind served by the cluster; watching it", "kind", gvk.String())
		if w.served != nil {
			w.served()
		}
	}
	return all
}

// Start implements manager.Runnable.
func (w *kindsWatcher) Start(ctx context.Context) error {
	if w.check() {
		return nil
	}
	for _, gvk := range childKinds {
		if !w.kinds.has(gvk) {
			w.log.Info("kind not served by the cluster yet; offers needing it wait, and the controller checks again", "kind", gvk.String(), "every", w.interval.String())
		}
	}
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if w.check() {
				return nil
			}
		}
	}
}

// setupKinds watches the child kinds the cluster serves now and adds the watcher
// that picks up the others once their CRDs are installed.
func (r *Reconciler) setupKinds(mgr manager.Manager, c controller.Controller) error {
	r.kinds = &servedKinds{}
	owner := handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(), &v1alpha1.ServiceOffer{}, handler.OnlyControllerOwner())
	w := &kindsWatcher{
		kinds:    r.kinds,
		mapper:   mgr.GetRESTMapper(),
		interval: r.kindsInterval(),
		log:      mgr.GetLogger().WithName("kinds"),
		watch: func(gvk schema.GroupVersionKind) error {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			if err := c.Watch(source.Kind(mgr.GetCache(), client.Object(u), owner)); err != nil {
				return fmt.Errorf("watch %s: %w", gvk.Kind, err)
			}
			return nil
		},
	}
	w.check()
	// Later discoveries wake every offer (one generic event, mapped to all offers).
	wake := make(chan event.GenericEvent, 1)
	all := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		var list v1alpha1.ServiceOfferList
		if err := mgr.GetClient().List(ctx, &list); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for i := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
		return reqs
	})
	if err := c.Watch(source.Channel(wake, all)); err != nil {
		return fmt.Errorf("watch CRD discoveries: %w", err)
	}
	w.served = func() {
		select {
		case wake <- event.GenericEvent{Object: &v1alpha1.ServiceOffer{}}:
		default: // a wake-up is already pending
		}
	}
	if err := mgr.Add(w); err != nil {
		return fmt.Errorf("add the CRD watcher: %w", err)
	}
	return nil
}
