// Package offers reconciles ServiceOffers: it checks the upstream, publishes the gate
// (a Traefik Middleware) and the route, keeps the routes document that every gate
// serves from, drains, and cleans up on delete.
package offers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/conditions"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// Finalizer keeps a deleted offer until its route, gate and routes-document entry are
// gone.
const Finalizer = "x402.turnpike.dev/cleanup"

// FieldOwner is the server-side apply manager name of everything the controller writes.
const FieldOwner = "turnpike-controller"

// Condition reasons (docs/conditions.md lists which condition carries which; a test
// keeps the table in step with this file).
const (
	// Ready=True, PaymentGateReady=True, RoutePublished=True, Registered=True.
	ReasonServing          = "Serving"
	ReasonInRoutesDocument = "InRoutesDocument"
	ReasonPublished        = "Published"
	ReasonRegistered       = "Registered"

	ReasonHealthy            = "Healthy"
	ReasonUnhealthy          = "Unhealthy"
	ReasonMissingService     = "MissingService"
	ReasonMissingPort        = "MissingPort"
	ReasonModelListed        = "ModelListed"
	ReasonModelNotListed     = "ModelNotListed"
	ReasonModelListFailed    = "ModelListUnreadable"
	ReasonModelListProtected = "ModelListProtected"
	ReasonWaitingForUpstream = "WaitingForUpstream"
	ReasonNotInRoutesDoc     = "NotInRoutesDocument"
	ReasonApplyFailed        = "ApplyFailed"
	ReasonPathConflict       = "PathConflict"
	ReasonActive             = "Active"
	ReasonDraining           = "Draining"
	ReasonDrained            = "Drained"
	ReasonRegistrarMissing   = "RegistrarUnavailable"
	ReasonRegistering        = "Registering"
	ReasonWaitingForCRD      = "WaitingForCRD"
	ReasonNoParentGateway    = "NoParentGateway"
	ReasonGatewayNotFound    = "GatewayNotFound"
	ReasonWaitingForGateway  = "WaitingForGateway"
	ReasonRouteNotAccepted   = "RouteNotAccepted"
	ReasonWaitingForRoute    = "WaitingForRoute"
	// ReasonRoutesShardFull: the offer's routes ConfigMap would outgrow 1 MiB with it.
	ReasonRoutesShardFull = "RoutesShardFull"
	// ReasonRoutesShardNearlyFull (event only): a routes ConfigMap passed 80 %.
	ReasonRoutesShardNearlyFull = "RoutesShardNearlyFull"
)

// Registrar performs the ERC-8004 registration for offers that enable it. It is
// called on every reconcile of such an offer and must be idempotent.
type Registrar interface {
	// Reconcile brings the offer's registration forward and returns done=true when
	// status.registration.agentId is known, with a message for the Registered
	// condition. It edits offer.Status.Registration; persist writes the offer's status
	// to the API server at once, and must succeed before a signed transaction is
	// broadcast. peers are all offers (to adopt an agent another offer registered).
	Reconcile(ctx context.Context, offer *v1alpha1.ServiceOffer, peers []v1alpha1.ServiceOffer, persist func(context.Context) error) (done bool, message string, err error)
}

// TokenChecker compares a payment option's EIP-712 domain and decimals with the token
// on chain. It returns a *render.Problem when they differ (signatures would never
// verify), nil when they match or the chain is not configured, and another error when
// the chain cannot be read.
type TokenChecker interface {
	CheckToken(ctx context.Context, network, asset, eip712Name, eip712Version string, decimals int) error
}

// ClaimChecker reports whether a facilitator lists the turnpike-claim extension.
type ClaimChecker interface {
	SupportsClaims(ctx context.Context, facilitatorURL string) (bool, error)
}

// ReasonTokenCheckFailed: the token could not be read from the chain.
const ReasonTokenCheckFailed = "TokenCheckFailed"

// Reconciler reconciles ServiceOffers.
type Reconciler struct {
	Client client.Client
	// APIReader reads the routes ConfigMap directly (the cache does not hold
	// ConfigMaps, and the generation must be read fresh) and the upstream Service (one
	// GET per check instead of a cluster-wide Service informer).
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Settings  render.Settings
	Health    HealthChecker
	// Models reads an inference upstream's model list (condition ModelReady).
	Models    ModelLister
	Registrar Registrar
	Tokens    TokenChecker
	// Claims, when set, tells whether the offer's facilitator claims authorizations
	// across gate replicas; PaymentGateReady says so when it does not.
	Claims ClaimChecker
	// Now is the clock (tests move it).
	Now func() time.Time
	// RecheckAfter is how often a published offer's upstream is checked again.
	RecheckAfter time.Duration
	// RetryAfter is the wait after a condition that may heal by itself (an unhealthy
	// upstream, a lost path conflict, a pending registration).
	RetryAfter time.Duration
	// KindsInterval is how often the CRDs of the kinds the controller renders are
	// looked for again while some are not installed (default DefaultKindsInterval).
	KindsInterval time.Duration
	// kinds are the child kinds the cluster serves and the controller watches.
	kinds *servedKinds
	// RouteRemovalDelay is how long the gate and the routes-document entry outlive the
	// route at the end of a drain (default DefaultRouteRemovalDelay). Traefik applies
	// a provider's changes at most once per providersThrottleDuration (2 s by default),
	// and its Gateway and CRD providers apply theirs independently: a Middleware or an
	// entry removed together with the route would leave Traefik routing to a missing
	// Middleware, or the gate answering 503 offer_unknown ("retry shortly") for an
	// offer that is gone for good.
	RouteRemovalDelay time.Duration
}

// DefaultRouteRemovalDelay is Traefik's default providersThrottleDuration plus a margin.
const DefaultRouteRemovalDelay = 3 * time.Second

// ConflictRetry is the wait after a status write lost its optimistic lock: the status
// was computed from a stale cache, and by then the cache has usually caught up with
// the write that won, so the next pass computes from fresh state.
const ConflictRetry = 250 * time.Millisecond

// verdict is one step's outcome in the form a condition records it.
type verdict struct {
	ok      bool
	reason  string
	message string
}

// notServing records that the offer is not reachable for the given reason: gate,
// route and summary all say why, and the offer holds no routes-document generation.
func notServing(c conditions.Setter, st *v1alpha1.ServiceOfferStatus, reason, msg string) {
	c.False(v1alpha1.ConditionPaymentGateReady, reason, msg)
	c.False(v1alpha1.ConditionRoutePublished, reason, msg)
	c.False(v1alpha1.ConditionReady, reason, msg)
	st.RoutesGeneration = 0
}

// claimNote tells a seller what the facilitator means for settlement: without
// claims, one payment could be served by two gate replicas, so the gate settles
// before the upstream (docs/gate.md, "Guarantees").
func (r *Reconciler) claimNote(ctx context.Context, o *v1alpha1.ServiceOffer) string {
	f := render.ResolveFacilitator(o, r.Settings)
	url := f.URL
	if r.Claims == nil || url == "" {
		return ""
	}
	// The claim extension is Turnpike's own: a hosted facilitator never lists it, and
	// CDP's /supported wants the key the controller must not read, so asking would
	// only turn a known "no" into a misleading error.
	if f.Provider == v1alpha1.FacilitatorCDP || f.Provider == v1alpha1.FacilitatorX402Org {
		return fmt.Sprintf("; facilitator %s (provider %s) does not claim authorizations across gate replicas, so every path settles before the upstream (the buyer pays even if the upstream then fails)", url, f.Provider)
	}
	ok, err := r.Claims.SupportsClaims(ctx, url)
	switch {
	case err != nil:
		return fmt.Sprintf("; could not ask facilitator %s whether it claims authorizations (%v): until it answers, every path settles before the upstream", url, err)
	case !ok:
		return fmt.Sprintf("; facilitator %s does not claim authorizations across gate replicas, so every path settles before the upstream (the buyer pays even if the upstream then fails)", url)
	}
	return fmt.Sprintf("; facilitator %s claims each authorization for one request across all gate replicas", url)
}

// shardNote names the routes ConfigMap of a sharded document.
func (r *Reconciler) shardNote(o *v1alpha1.ServiceOffer) string {
	if r.Settings.RoutesShards() <= 1 {
		return ""
	}
	return " (ConfigMap " + r.Settings.RoutesConfigMapNamespace + "/" + r.Settings.RoutesConfigMapOf(o.Namespace, o.Name) + ")"
}

func (r *Reconciler) routeRemovalDelay() time.Duration {
	if r.RouteRemovalDelay > 0 {
		return r.RouteRemovalDelay
	}
	return DefaultRouteRemovalDelay
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) retry() time.Duration {
	if r.RetryAfter > 0 {
		return r.RetryAfter
	}
	return 30 * time.Second
}

// upstreamRetry is the wait before checking again an upstream that has never served.
// Applied together with its offer, an upstream is usually seconds from ready (its pod
// starting, kube-proxy programming its Service), and nothing the controller watches
// changes when it gets there. So the wait is as long as the upstream has been failing,
// at least a second and at most the retry interval: checks at about 1, 2, 4, 8 and 16 s,
// then every interval. Derived from the condition, it survives a leader change.
func (r *Reconciler) upstreamRetry(conds []metav1.Condition) time.Duration {
	limit := r.retry()
	cond := meta.FindStatusCondition(conds, v1alpha1.ConditionUpstreamHealthy)
	if cond == nil || cond.Status != metav1.ConditionFalse || limit <= time.Second {
		return limit
	}
	wait := r.now().Sub(cond.LastTransitionTime.Time)
	if wait < time.Second {
		return time.Second
	}
	if wait > limit {
		return limit
	}
	return wait
}

func (r *Reconciler) recheck() time.Duration {
	if r.RecheckAfter > 0 {
		return r.RecheckAfter
	}
	return 2 * time.Minute
}

// SetupWithManager registers the reconciler: it watches ServiceOffers and the gates
// and routes it renders next to them, for the kinds the cluster serves, and starts
// watching the others once their CRDs are installed (kinds.go); an offer needing a
// missing one is told which CRD it waits for. Owned routes are watched with their
// status, so an HTTPRoute's acceptance by its Gateway wakes the offer.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		Named("serviceoffer").
		For(&v1alpha1.ServiceOffer{}).
		// One worker: the routes document is rebuilt from all offers on every
		// reconcile, and a single writer keeps its generations strictly ordered.
		WithOptions(controller.Options{MaxConcurrentReconciles: 1})
	// An offer losing a path conflict gets the path when the winner goes away: wake
	// every offer that claims the same path whenever one of them changes.
	b = b.Watches(&v1alpha1.ServiceOffer{}, handler.EnqueueRequestsFromMapFunc(samePathClaimants{reader: mgr.GetClient()}.requests))
	c, err := b.Build(r)
	if err != nil {
		return fmt.Errorf("set up the ServiceOffer controller: %w", err)
	}
	return r.setupKinds(mgr, c)
}

// samePathClaimants maps a changed offer to every other offer claiming its path.
type samePathClaimants struct {
	reader client.Reader
}

func (s samePathClaimants) requests(ctx context.Context, obj client.Object) []reconcile.Request {
	changed, ok := obj.(*v1alpha1.ServiceOffer)
	if !ok {
		return nil
	}
	var list v1alpha1.ServiceOfferList
	if err := s.reader.List(ctx, &list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		o := &list.Items[i]
		if (o.Namespace != changed.Namespace || o.Name != changed.Name) && o.EffectivePath() == changed.EffectivePath() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o)})
		}
	}
	return reqs
}

// The markers below generate the controller's ClusterRole and its Role in
// turnpike-system (scripts/controller-gen.sh); they list only what this reconciler
// calls. Offers and their status are patched (finalizer, optimistic-lock status),
// never updated. Gates and routes are server-side applied (create and patch),
// deleted, and watched as owned objects; the finalizers grant lets their owner
// references block the offer's deletion. Services, and the Gateways routes name as
// parents, are read one GET at a time through the API reader, never cached. The routes ConfigMap lives in turnpike-system only.
//
// +kubebuilder:rbac:groups=x402.turnpike.dev,resources=serviceoffers,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=x402.turnpike.dev,resources=serviceoffers/status,verbs=patch
// +kubebuilder:rbac:groups=x402.turnpike.dev,resources=serviceoffers/finalizers,verbs=update
// +kubebuilder:rbac:groups=traefik.io,resources=middlewares;ingressroutes,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways,verbs=get
// +kubebuilder:rbac:groups="",resources=services,verbs=get
// +kubebuilder:rbac:groups="";events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",namespace=turnpike-system,resources=configmaps,verbs=get;create;update

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	var offer v1alpha1.ServiceOffer
	if err := r.Client.Get(ctx, req.NamespacedName, &offer); err != nil {
		if apierrors.IsNotFound(err) {
			// Gone without our finalizer (or after it): make sure it left the document.
			_, err := r.syncRoutes(ctx, nil, req.NamespacedName, false)
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, err
	}

	if !offer.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &offer)
	}
	if !controllerutil.ContainsFinalizer(&offer, Finalizer) {
		patch := client.MergeFromWithOptions(offer.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(&offer, Finalizer)
		if err := r.Client.Patch(ctx, &offer, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}

	orig := offer.DeepCopy()
	// Optimistic lock: a status computed from a stale cache is refused (and retried
	// once the cache caught up), so conditions never go backwards and every
	// transition's event is recorded exactly once.
	base := offer.DeepCopy()
	persist := func(ctx context.Context) error {
		// Patch a copy and keep only its new resourceVersion: decoding the answer into
		// offer itself would replace the structs a caller (the registrar) holds pointers
		// into and goes on editing, and what it learns afterwards would never be written.
		sent := offer.DeepCopy()
		if err := r.Client.Status().Patch(ctx, sent, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return fmt.Errorf("persist status: %w", err)
		}
		offer.ResourceVersion = sent.ResourceVersion
		base = offer.DeepCopy()
		return nil
	}
	res, rerr := r.reconcileOffer(ctx, &offer, persist)
	if err := r.Client.Status().Patch(ctx, &offer, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, nil
		}
		if apierrors.IsConflict(err) && rerr == nil {
			return ctrl.Result{RequeueAfter: ConflictRetry}, nil
		}
		return ctrl.Result{}, errors.Join(rerr, fmt.Errorf("update status: %w", err))
	}
	r.emitTransitions(orig, &offer)
	if rerr != nil {
		logger.Error(rerr, "reconcile failed")
	}
	return res, rerr
}

// reconcileOffer does the work and fills offer.Status; the caller persists it.
func (r *Reconciler) reconcileOffer(ctx context.Context, o *v1alpha1.ServiceOffer, persist func(context.Context) error) (ctrl.Result, error) {
	now := r.now()
	st := &o.Status
	st.ObservedGeneration = o.Generation
	st.Endpoint = o.EffectivePath()
	st.URL = render.OfferURL(o, r.Settings)
	st.DrainEndsAt = nil
	if o.IsDraining() {
		end := metav1.NewTime(o.DrainEndsAt().UTC().Truncate(time.Second))
		st.DrainEndsAt = &end
	}
	c := conditions.For(&st.Conditions, o.Generation)
	key := types.NamespacedName{Namespace: o.Namespace, Name: o.Name}

	// 1. The spec must render into a document the gate accepts.
	rendered, err := RoutesEntry(o)
	if err == nil {
		st.Price = render.StatusPrice(rendered)
		err = render.CheckFacilitator(o, r.Settings)
	}
	if err == nil {
		err = r.checkTokens(ctx, rendered)
	}
	if err != nil {
		reason := ReasonTokenCheckFailed
		var p *render.Problem
		if errors.As(err, &p) {
			reason = p.Reason
		}
		notServing(c, st, reason, err.Error())
		r.setDrainCondition(o, now, c)
		if err := r.deleteChildren(ctx, o); err != nil {
			return ctrl.Result{}, err
		}
		if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
			return ctrl.Result{}, err
		}
		if reason == ReasonTokenCheckFailed {
			return ctrl.Result{RequeueAfter: r.retry()}, nil
		}
		return ctrl.Result{}, nil
	}

	// 2. A drain that ended removes the route, then the gate, and keeps the record.
	if o.DrainExpired(now) {
		return r.endDrain(ctx, o, key, now, c)
	}
	st.RouteRemovedAt = nil // a drain cancelled during the teardown starts over
	r.setDrainCondition(o, now, c)

	// 3. The oldest claimant of a path keeps it.
	if winner, err := r.pathOwner(ctx, o, now); err != nil {
		return ctrl.Result{}, err
	} else if winner != nil {
		msg := fmt.Sprintf("path %s is already served by the older offer %s/%s", o.EffectivePath(), winner.Namespace, winner.Name)
		notServing(c, st, ReasonPathConflict, msg)
		if err := r.deleteChildren(ctx, o); err != nil {
			return ctrl.Result{}, err
		}
		if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.retry()}, nil
	}

	// 4. The upstream must exist and answer its health path; an inference upstream
	// must list the offer's model.
	upstream := r.checkUpstream(ctx, o)
	c.Set(v1alpha1.ConditionUpstreamHealthy, upstream.ok, upstream.reason, upstream.message)
	model := r.checkModel(ctx, o, upstream)
	if o.OfferType() == v1alpha1.OfferTypeInference {
		c.Set(v1alpha1.ConditionModelReady, model.ok, model.reason, model.message)
	} else {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionModelReady)
	}
	backend := upstream
	if upstream.ok {
		backend = model
	}
	published := meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionRoutePublished)
	if !backend.ok && !published {
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonWaitingForUpstream, "the gate is installed once the upstream is ready: "+backend.message)
		c.False(v1alpha1.ConditionRoutePublished, ReasonWaitingForUpstream, "the route is published once the upstream is ready: "+backend.message)
		c.False(v1alpha1.ConditionReady, backend.reason, backend.message)
		st.RoutesGeneration = 0
		if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.upstreamRetry(st.Conditions)}, nil
	}

	// 5. Gate and route. Once published they stay while the upstream is unhealthy:
	// the gate then answers 503 (the offer leaves the routes document) instead of a
	// 404 that would look like the offer never existed.
	if missing := r.missingKinds(o); missing != "" {
		msg := missing + "; the controller checks again every " + r.kindsInterval().String() + " and publishes the offer without a restart"
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonWaitingForCRD, msg)
		c.False(v1alpha1.ConditionRoutePublished, ReasonWaitingForCRD, msg)
		c.False(v1alpha1.ConditionReady, ReasonWaitingForCRD, msg)
		st.RoutesGeneration = 0
		if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.retry()}, nil
	}
	if err := r.applyChildren(ctx, o); err != nil {
		msg := err.Error()
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonApplyFailed, msg)
		c.False(v1alpha1.ConditionRoutePublished, ReasonApplyFailed, msg)
		c.False(v1alpha1.ConditionReady, ReasonApplyFailed, msg)
		return ctrl.Result{}, err
	}
	route := r.routeAccepted(ctx, o)
	if !route.ok {
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonWaitingForRoute, "the gate is not in the routes document until the route is published: "+route.message)
		c.False(v1alpha1.ConditionRoutePublished, route.reason, route.message)
		c.False(v1alpha1.ConditionReady, route.reason, route.message)
		st.RoutesGeneration = 0
		if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{RequeueAfter: r.retry()}, nil
	}

	// 6. Registration.
	reg, regErr := r.register(ctx, o, persist)
	if reg.reason == "" {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionRegistered)
	} else {
		c.Set(v1alpha1.ConditionRegistered, reg.ok, reg.reason, reg.message)
	}

	// 7. The offer serves when everything holds; then it enters the routes document.
	serving := backend.ok && reg.ok
	gen, err := r.syncRoutes(ctx, o, key, serving)
	if errors.Is(err, ErrRoutesShardFull) {
		// Refused, not failed: retrying at once cannot make room; the offer waits
		// (out of the document, or with its last published entry) until an offer
		// leaves the shard or the shard count is raised.
		st.RoutesGeneration = 0
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonRoutesShardFull, err.Error())
		c.False(v1alpha1.ConditionReady, ReasonRoutesShardFull, err.Error())
		return ctrl.Result{RequeueAfter: r.retry()}, nil
	}
	if err != nil {
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonApplyFailed, "routes document: "+err.Error())
		c.False(v1alpha1.ConditionReady, ReasonApplyFailed, "routes document: "+err.Error())
		return ctrl.Result{}, err
	}
	mw := fmt.Sprintf("Middleware %s/%s", o.Namespace, render.ChildName(o.Name))
	switch {
	case serving:
		st.RoutesGeneration = gen
		c.True(v1alpha1.ConditionPaymentGateReady, ReasonInRoutesDocument,
			fmt.Sprintf("%s gates the route; routes document generation %d carries the offer%s%s", mw, gen, r.shardNote(o), r.claimNote(ctx, o)))
		c.True(v1alpha1.ConditionRoutePublished, ReasonPublished, route.message)
		c.True(v1alpha1.ConditionReady, ReasonServing, "serving paid requests at "+o.EffectivePath())
	default:
		st.RoutesGeneration = 0
		blocker := backend
		if backend.ok {
			blocker = reg
		}
		c.False(v1alpha1.ConditionPaymentGateReady, ReasonNotInRoutesDoc,
			fmt.Sprintf("%s is in place but the offer is not in the routes document, so the gate refuses its requests: %s", mw, blocker.message))
		c.True(v1alpha1.ConditionRoutePublished, ReasonPublished, route.message+"; the gate refuses its requests until the offer is ready")
		c.False(v1alpha1.ConditionReady, blocker.reason, blocker.message)
	}

	res := ctrl.Result{RequeueAfter: r.recheck()}
	if !serving {
		res.RequeueAfter = r.retry()
	}
	if o.IsDraining() {
		if until := o.DrainEndsAt().Sub(now); until < res.RequeueAfter {
			// Wake up just after the end so the teardown is not late.
			res.RequeueAfter = until + 50*time.Millisecond
		}
	}
	return res, regErr
}

// endDrain tears an offer down at the end of its drain, in the order that keeps every
// request Traefik still routes answered with the right reason:
//  1. the route is deleted; the Middleware and the routes-document entry (state
//     draining, drainEndsAt in the past) stay, so the gate refuses with 403
//     offer_drained;
//  2. RouteRemovalDelay later, when Traefik has dropped the route, the Middleware is
//     deleted;
//  3. then the entry leaves the document in the next generation.
//
// status.routeRemovedAt records step 1 across reconciles and leader changes.
func (r *Reconciler) endDrain(ctx context.Context, o *v1alpha1.ServiceOffer, key types.NamespacedName, now time.Time, c conditions.Setter) (ctrl.Result, error) {
	st := &o.Status
	end := o.DrainEndsAt().UTC().Format(time.RFC3339)
	inDocument := st.RoutesGeneration != 0
	for _, gvk := range []schema.GroupVersionKind{render.HTTPRouteGVK, render.IngressRouteGVK} {
		if err := r.deleteChild(ctx, o, gvk); err != nil {
			return ctrl.Result{}, err
		}
	}
	if st.RouteRemovedAt == nil {
		// Rounded up to the second the API keeps, so the wait is never shorter.
		at := now.UTC()
		if t := at.Truncate(time.Second); !t.Equal(at) {
			at = t.Add(time.Second)
		}
		removed := metav1.NewTime(at)
		st.RouteRemovedAt = &removed
		r.event(o, corev1.EventTypeNormal, "RouteRemoved", "Drain",
			fmt.Sprintf("drain ended at %s: route deleted; the gate refuses with offer_drained until Traefik has dropped the route", end))
	}
	msg := fmt.Sprintf("Drain ended at %s; route and gate torn down", end)
	notServing(c, st, ReasonDrained, msg)
	if wait := st.RouteRemovedAt.Add(r.routeRemovalDelay()).Sub(now); wait > 0 {
		c.True(v1alpha1.ConditionDraining, ReasonDraining,
			fmt.Sprintf("Drain ended at %s; route removed, the gate refuses requests until Traefik has dropped the route", end))
		gen, err := r.syncRoutes(ctx, o, key, inDocument)
		if err != nil {
			return ctrl.Result{}, err
		}
		if inDocument {
			st.RoutesGeneration = gen
		}
		return ctrl.Result{RequeueAfter: wait + 50*time.Millisecond}, nil
	}
	c.False(v1alpha1.ConditionDraining, ReasonDrained, msg)
	if err := r.deleteChild(ctx, o, render.MiddlewareGVK); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.deletePathRewrite(ctx, o, false); err != nil {
		return ctrl.Result{}, err
	}
	if _, err := r.syncRoutes(ctx, o, key, false); err != nil {
		return ctrl.Result{}, err
	}
	st.RoutesGeneration = 0
	return ctrl.Result{}, nil
}

func (r *Reconciler) setDrainCondition(o *v1alpha1.ServiceOffer, now time.Time, c conditions.Setter) {
	if o.IsDraining() && !o.DrainExpired(now) {
		c.True(v1alpha1.ConditionDraining, ReasonDraining,
			fmt.Sprintf("Drain ends at %s; no longer advertised, still served until then", o.DrainEndsAt().UTC().Format(time.RFC3339)))
		return
	}
	if !o.IsDraining() {
		c.False(v1alpha1.ConditionDraining, ReasonActive, "not draining")
	}
}

// routeAccepted tells whether traffic can reach the gate through the offer's route,
// with a message for RoutePublished. An HTTPRoute counts once every parent Gateway
// exists and reports it Accepted with its references (the Middleware, the Service)
// resolved, for the route's current generation: a route without parents, or with a
// parent that does not exist, attaches nowhere. Traefik's IngressRoute has no status,
// so an applied IngressRoute counts and the message says it is unconfirmed.
func (r *Reconciler) routeAccepted(ctx context.Context, o *v1alpha1.ServiceOffer) verdict {
	name := render.ChildName(o.Name)
	if o.RouteKind() != v1alpha1.RouteKindHTTPRoute {
		eps := o.Spec.Route.EntryPoints
		if len(eps) == 0 {
			eps = r.Settings.DefaultEntryPoints
		}
		on := "on Traefik's default entry points"
		if len(eps) > 0 {
			on = "on entry points " + strings.Join(eps, ",")
		}
		return verdict{ok: true, message: fmt.Sprintf("IngressRoute %s/%s publishes %s %s (Traefik reports no status for IngressRoutes, so whether it loaded the route is not confirmed)",
			o.Namespace, name, o.EffectivePath(), on)}
	}
	parents := o.Spec.Route.ParentRefs
	if len(parents) == 0 {
		parents = r.Settings.DefaultParentRefs
	}
	if len(parents) == 0 {
		return verdict{reason: ReasonNoParentGateway, message: fmt.Sprintf("HTTPRoute %s/%s attaches to no Gateway, so no traffic reaches it: set spec.route.parentRefs or start the controller with --gateway namespace/name", o.Namespace, name)}
	}
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(render.HTTPRouteGVK)
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: o.Namespace, Name: name}, u); err != nil {
		return verdict{reason: ReasonWaitingForGateway, message: fmt.Sprintf("read HTTPRoute %s/%s: %v", o.Namespace, name, err)}
	}
	statuses, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	var gws []string
	for _, p := range parents {
		ns := p.Namespace
		if ns == "" {
			ns = o.Namespace
		}
		gw := ns + "/" + p.Name
		gws = append(gws, gw)
		g := &unstructured.Unstructured{}
		g.SetGroupVersionKind(GatewayGVK)
		if err := reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: p.Name}, g); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				return verdict{reason: ReasonGatewayNotFound, message: fmt.Sprintf("Gateway %s, parent of HTTPRoute %s/%s, does not exist", gw, o.Namespace, name)}
			}
			return verdict{reason: ReasonWaitingForGateway, message: fmt.Sprintf("read Gateway %s: %v", gw, err)}
		}
		if v := parentVerdict(statuses, p, o.Namespace, u.GetGeneration()); !v.ok {
			v.message = fmt.Sprintf("Gateway %s, HTTPRoute %s/%s: %s", gw, o.Namespace, name, v.message)
			return v
		}
	}
	return verdict{ok: true, message: fmt.Sprintf("HTTPRoute %s/%s publishes %s; accepted by Gateway %s", o.Namespace, name, o.EffectivePath(), strings.Join(gws, ", "))}
}

// parentVerdict reads the status.parents entry a Gateway controller wrote for one of
// the route's parentRefs.
func parentVerdict(statuses []any, p v1alpha1.ParentRef, routeNS string, generation int64) verdict {
	want := p.Namespace
	if want == "" {
		want = routeNS
	}
	for _, st := range statuses {
		sm, _ := st.(map[string]any)
		name, _, _ := unstructured.NestedString(sm, "parentRef", "name")
		ns, _, _ := unstructured.NestedString(sm, "parentRef", "namespace")
		section, _, _ := unstructured.NestedString(sm, "parentRef", "sectionName")
		if ns == "" {
			ns = routeNS
		}
		if name != p.Name || ns != want || section != p.SectionName {
			continue
		}
		conds, _, _ := unstructured.NestedSlice(sm, "conditions")
		found := map[string]bool{}
		for _, c := range conds {
			cm, _ := c.(map[string]any)
			typ, _ := cm["type"].(string)
			if typ != "Accepted" && typ != "ResolvedRefs" {
				continue
			}
			status, _ := cm["status"].(string)
			reason, _ := cm["reason"].(string)
			msg, _ := cm["message"].(string)
			if status == string(metav1.ConditionFalse) {
				return verdict{reason: ReasonRouteNotAccepted, message: fmt.Sprintf("%s=False (%s) %s", typ, reason, msg)}
			}
			if og, ok, _ := unstructured.NestedInt64(cm, "observedGeneration"); ok && og < generation {
				return verdict{reason: ReasonWaitingForGateway, message: fmt.Sprintf("%s is reported for generation %d, the route is at %d; waiting for the Gateway controller", typ, og, generation)}
			}
			found[typ] = status == string(metav1.ConditionTrue)
		}
		if !found["Accepted"] || !found["ResolvedRefs"] {
			return verdict{reason: ReasonWaitingForGateway, message: "the Gateway controller has not reported Accepted=True and ResolvedRefs=True yet"}
		}
		return verdict{ok: true}
	}
	return verdict{reason: ReasonWaitingForGateway, message: "no status from the Gateway's controller yet (is a Gateway controller running for its GatewayClass?)"}
}

// GatewayGVK is the Gateway API Gateway an HTTPRoute attaches to.
var GatewayGVK = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"}

// checkModel asks an inference upstream for its model list. Other offers pass.
func (r *Reconciler) checkModel(ctx context.Context, o *v1alpha1.ServiceOffer, upstream verdict) verdict {
	if o.OfferType() != v1alpha1.OfferTypeInference || o.Spec.Model == nil {
		return verdict{ok: true}
	}
	want := o.Spec.Model.Name
	if !upstream.ok {
		return verdict{reason: ReasonWaitingForUpstream, message: fmt.Sprintf("model %s is checked once the upstream is healthy", want)}
	}
	if r.Models == nil {
		return verdict{ok: true, reason: ReasonModelListed, message: "no model lister configured; model " + want + " not checked"}
	}
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	var svc corev1.Service
	if err := reader.Get(ctx, types.NamespacedName{Namespace: o.Namespace, Name: o.Spec.Upstream.Service}, &svc); err != nil {
		return verdict{reason: ReasonModelListFailed, message: fmt.Sprintf("read Service %s/%s: %v", o.Namespace, o.Spec.Upstream.Service, err)}
	}
	path := ModelsPath(o.Spec.Model.Runtime)
	names, err := r.Models.ListModels(ctx, &svc, o.Spec.Upstream.Port, o.Spec.Model.Runtime)
	if o.Spec.Upstream.Auth != nil && errors.Is(err, ErrUnauthorized) {
		// A server started with an API key (vLLM --api-key) guards its model list
		// too, and the controller never reads Secrets (only Traefik does): say the
		// model is unchecked rather than keep a paid, working offer from Ready.
		return verdict{ok: true, reason: ReasonModelListProtected, message: fmt.Sprintf("GET %s wants the upstream credential, which the controller does not read; model %s not checked", path, want)}
	}
	if err != nil {
		return verdict{reason: ReasonModelListFailed, message: fmt.Sprintf("could not read the model list to find model %s: %v", want, err)}
	}
	for _, n := range names {
		if n == want {
			return verdict{ok: true, reason: ReasonModelListed, message: fmt.Sprintf("GET %s lists model %s", path, want)}
		}
	}
	return verdict{reason: ReasonModelNotListed, message: fmt.Sprintf("model %s is not among the %d models GET %s lists: %s", want, len(names), path, listPreview(names, 10, 300))}
}

// listPreview quotes at most n names and about limit bytes of them.
func listPreview(names []string, n, limit int) string {
	if len(names) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for i, name := range names {
		if i == n || b.Len()+len(name) > limit {
			fmt.Fprintf(&b, ", … (%d more)", len(names)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(name))
	}
	return b.String()
}

func (r *Reconciler) checkUpstream(ctx context.Context, o *v1alpha1.ServiceOffer) verdict {
	// Read directly: through the cached client the first offer would start a
	// cluster-wide Service informer (list and watch every Service) and wait for it.
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	var svc corev1.Service
	err := reader.Get(ctx, types.NamespacedName{Namespace: o.Namespace, Name: o.Spec.Upstream.Service}, &svc)
	if apierrors.IsNotFound(err) {
		return verdict{reason: ReasonMissingService, message: fmt.Sprintf("Service %s/%s does not exist", o.Namespace, o.Spec.Upstream.Service)}
	}
	if err != nil {
		return verdict{reason: ReasonMissingService, message: fmt.Sprintf("read Service %s/%s: %v", o.Namespace, o.Spec.Upstream.Service, err)}
	}
	found := false
	for _, p := range svc.Spec.Ports {
		if p.Port == o.Spec.Upstream.Port {
			found = true
		}
	}
	if !found && svc.Spec.Type != corev1.ServiceTypeExternalName {
		return verdict{reason: ReasonMissingPort, message: fmt.Sprintf("Service %s/%s has no port %d", o.Namespace, svc.Name, o.Spec.Upstream.Port)}
	}
	path := o.Spec.Upstream.HealthPath
	if path == "" {
		path = "/health"
	}
	if r.Health == nil {
		return verdict{ok: true, reason: ReasonHealthy, message: "no health checker configured"}
	}
	if err := r.Health.Check(ctx, &svc, o.Spec.Upstream.Port, path); err != nil {
		return verdict{reason: ReasonUnhealthy, message: err.Error()}
	}
	return verdict{ok: true, reason: ReasonHealthy, message: fmt.Sprintf("GET %s answered 2xx", path)}
}

func (r *Reconciler) checkTokens(ctx context.Context, e routes.Offer) error {
	if r.Tokens == nil {
		return nil
	}
	seen := map[string]bool{}
	all := append([]routes.Payment(nil), e.Payments...)
	for _, p := range e.Paths {
		all = append(all, p.Payments...)
	}
	for _, p := range all {
		k := p.Network + "|" + strings.ToLower(p.Asset) + "|" + p.EIP712Name + "|" + p.EIP712Version
		if seen[k] {
			continue
		}
		seen[k] = true
		if err := r.Tokens.CheckToken(ctx, p.Network, p.Asset, p.EIP712Name, p.EIP712Version, p.AssetDecimals); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) register(ctx context.Context, o *v1alpha1.ServiceOffer, persist func(context.Context) error) (verdict, error) {
	if !o.RegistrationEnabled() {
		// Not requested: no Registered condition at all (an empty reason says so).
		return verdict{ok: true}, nil
	}
	if r.Registrar == nil {
		return verdict{reason: ReasonRegistrarMissing, message: "registration is enabled but the controller has no ERC-8004 registrar configured"}, nil
	}
	var peers v1alpha1.ServiceOfferList
	if err := r.Client.List(ctx, &peers); err != nil {
		return verdict{reason: ReasonRegistering, message: "list offers: " + err.Error()}, fmt.Errorf("list offers: %w", err)
	}
	done, msg, err := r.Registrar.Reconcile(ctx, o, peers.Items, persist)
	if err != nil {
		return verdict{reason: ReasonRegistering, message: err.Error()}, err
	}
	if done {
		return verdict{ok: true, reason: ReasonRegistered, message: msg}, nil
	}
	return verdict{reason: ReasonRegistering, message: msg}, nil
}

// pathOwner returns the older live offer that claims the same path on an
// overlapping host, or nil when o may have it.
func (r *Reconciler) pathOwner(ctx context.Context, o *v1alpha1.ServiceOffer, now time.Time) (*v1alpha1.ServiceOffer, error) {
	var list v1alpha1.ServiceOfferList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	var winner *v1alpha1.ServiceOffer
	for i := range list.Items {
		other := &list.Items[i]
		if other.Namespace == o.Namespace && other.Name == o.Name {
			continue
		}
		if !other.DeletionTimestamp.IsZero() || other.DrainExpired(now) {
			continue
		}
		if !samePath(other.EffectivePath(), o.EffectivePath()) || !hostsOverlap(other.Spec.Hostnames, o.Spec.Hostnames) {
			continue
		}
		if older(other, o) && (winner == nil || older(other, winner)) {
			winner = other
		}
	}
	return winner, nil
}

func samePath(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// hostsOverlap: no hostnames means every host.
func hostsOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

// older orders claimants: creation time, then namespace/name so ties are stable.
func older(a, b *v1alpha1.ServiceOffer) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

func (r *Reconciler) applyChildren(ctx context.Context, o *v1alpha1.ServiceOffer) error {
	kind := o.RouteKind()
	objs := withPathRewrite(o, []*unstructured.Unstructured{render.Middleware(o, r.Settings), render.Route(o, r.Settings)})
	for _, u := range objs {
		if err := controllerutil.SetControllerReference(o, u, r.Scheme); err != nil {
			return fmt.Errorf("owner reference: %w", err)
		}
		if err := r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return fmt.Errorf("apply %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
	// The offer may have switched route kinds or dropped its basePath: remove what
	// it no longer uses.
	other := render.HTTPRouteGVK
	if kind == v1alpha1.RouteKindHTTPRoute {
		other = render.IngressRouteGVK
	}
	if err := r.deletePathRewrite(ctx, o, true); err != nil {
		return err
	}
	return r.deleteChild(ctx, o, other)
}

func (r *Reconciler) deleteChildren(ctx context.Context, o *v1alpha1.ServiceOffer) error {
	for _, gvk := range []schema.GroupVersionKind{render.HTTPRouteGVK, render.IngressRouteGVK, render.MiddlewareGVK} {
		if err := r.deleteChild(ctx, o, gvk); err != nil {
			return err
		}
	}
	return r.deletePathRewrite(ctx, o, false)
}

func (r *Reconciler) deleteChild(ctx context.Context, o *v1alpha1.ServiceOffer, gvk schema.GroupVersionKind) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(o.Namespace)
	u.SetName(render.ChildName(o.Name))
	err := r.Client.Delete(ctx, u)
	if err == nil || apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil
	}
	return fmt.Errorf("delete %s %s/%s: %w", gvk.Kind, o.Namespace, u.GetName(), err)
}

// finalize removes everything the offer published, then lets it go.
func (r *Reconciler) finalize(ctx context.Context, o *v1alpha1.ServiceOffer) error {
	if !controllerutil.ContainsFinalizer(o, Finalizer) {
		return nil
	}
	if err := r.deleteChildren(ctx, o); err != nil {
		return err
	}
	if _, err := r.syncRoutes(ctx, o, types.NamespacedName{Namespace: o.Namespace, Name: o.Name}, false); err != nil {
		return err
	}
	r.event(o, corev1.EventTypeNormal, "CleanedUp", "Delete", "route, gate and routes-document entry removed")
	patch := client.MergeFromWithOptions(o.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(o, Finalizer)
	if err := r.Client.Patch(ctx, o, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// Serving reports whether an offer, as its status last recorded, belongs in the
// routes document and in the discovery documents: ready (which includes a drain in
// its grace period), not being deleted, its drain not over. A spec edit that was not
// reconciled yet does not take the offer out: another offer's reconcile must not make
// it flap out of the document until its own reconcile decides.
func Serving(o *v1alpha1.ServiceOffer, now time.Time) bool {
	return o.DeletionTimestamp.IsZero() && !o.DrainExpired(now) &&
		meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionReady)
}

// inDocument reports whether an offer, as its status last recorded, belongs in the
// routes document: serving, or at the end of its drain until its own reconcile takes
// the gate down (see endDrain). Bounded by the clock too, so a cache that has not seen
// the teardown's last status does not put the entry back.
func (r *Reconciler) inDocument(o *v1alpha1.ServiceOffer, now time.Time) bool {
	if Serving(o, now) {
		return true
	}
	// Only the offer's own teardown (endDrain: Middleware deleted, then Draining=False
	// reason Drained) takes a drained entry out: a time-based cut-off here would let
	// another offer's reconcile drop it while the gate still stands.
	st := &o.Status
	return o.DeletionTimestamp.IsZero() && o.DrainExpired(now) && st.RoutesGeneration != 0 && !tornDown(o)
}

// tornDown: endDrain finished the offer's teardown.
func tornDown(o *v1alpha1.ServiceOffer) bool {
	c := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.ConditionDraining)
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == ReasonDrained
}

func (r *Reconciler) event(o *v1alpha1.ServiceOffer, typ, reason, action, note string) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(o, nil, typ, reason, action, "%s", note)
}

// emitTransitions records a Kubernetes event for every condition that changed reason
// or status, so `kubectl describe` tells the offer's story.
func (r *Reconciler) emitTransitions(before, after *v1alpha1.ServiceOffer) {
	for _, c := range after.Status.Conditions {
		prev := meta.FindStatusCondition(before.Status.Conditions, c.Type)
		if prev != nil && prev.Status == c.Status && prev.Reason == c.Reason {
			continue
		}
		typ := corev1.EventTypeNormal
		if c.Status == metav1.ConditionFalse && c.Type != v1alpha1.ConditionDraining && c.Reason != ReasonDrained {
			typ = corev1.EventTypeWarning
		}
		r.event(after, typ, c.Reason, c.Type, c.Type+"="+string(c.Status)+": "+c.Message)
	}
}

// sortOffers orders the document by namespace/name so its encoding is stable.
func sortOffers(list []routes.Offer) {
	sort.Slice(list, func(i, j int) bool { return list[i].Key() < list[j].Key() })
}
