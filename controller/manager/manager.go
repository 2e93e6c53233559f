// Package manager assembles the controller process: the ServiceOffer and
// PurchaseRequest reconcilers, leader election on a Lease, the health and metrics endpoints, the discovery documents
// server and the discovery route. cmd/turnpike only maps flags onto Options.
package manager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/claimprobe"
	"github.com/turnpike-x402/turnpike/controller/discovery"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/purchase"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// Options configure the process.
type Options struct {
	Config *rest.Config

	Settings render.Settings
	Agent    discovery.Agent
	// Discovery route: published only when hostnames are configured.
	DiscoveryRoute discovery.RouteSettings

	MetricsAddress   string // "0" disables
	HealthAddress    string // "0" disables
	DiscoveryAddress string // "" disables

	LeaderElect             bool
	LeaderElectionNamespace string
	LeaderElectionID        string
	Identity                string
	LeaseDuration           time.Duration
	RenewDeadline           time.Duration
	RetryPeriod             time.Duration

	// HealthBaseURL, when set, receives every upstream health check instead of the
	// Service's cluster DNS name (a controller running outside the cluster).
	HealthBaseURL string
	RecheckAfter  time.Duration
	RetryAfter    time.Duration
	// RouteRemovalDelay: how long the gate outlives the route at the end of a drain
	// (offers.Reconciler.RouteRemovalDelay).
	RouteRemovalDelay time.Duration
	// KindsInterval: how often missing Traefik / Gateway API CRDs are looked for
	// again (offers.Reconciler.KindsInterval).
	KindsInterval time.Duration

	Registrar offers.Registrar
	Tokens    offers.TokenChecker

	// BuyerNamespace holds the buyer sidecar's ConfigMaps that PurchaseRequests are
	// written into; "" means each PurchaseRequest's own namespace.
	BuyerNamespace string
	// BuyerURL is the buyer sidecar's base URL (its /status and /consumed), so
	// PurchaseRequests can be refilled; "" signs the initial pool only.
	BuyerURL string
	// SkipNameValidation lets tests run a second manager in one process
	// (controller-runtime refuses two controllers of the same name otherwise).
	SkipNameValidation bool
	// OnStarted, when set, is called once the process serves (tests).
	OnStarted func(addrs Addresses)
}

// Addresses are the listeners actually bound (ports chosen by the OS for ":0").
type Addresses struct {
	Discovery string
}

// Scheme holds every typed kind the controller reads or writes.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Run runs the controller until ctx ends. With leader election, losing the lease
// ends Run with an error: the process must exit, because its caches and in-flight
// writes can no longer be trusted to be the only ones.
func Run(ctx context.Context, o Options) error {
	logger := log.FromContext(ctx)
	scheme, err := Scheme()
	if err != nil {
		return err
	}
	if o.Settings.RoutesConfigMapName == "" || o.Settings.RoutesConfigMapNamespace == "" {
		return errors.New("the routes ConfigMap (namespace/name) is required")
	}
	if o.Settings.PluginName == "" {
		o.Settings.PluginName = "turnpike"
	}
	mo := ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: orDisabled(o.MetricsAddress)},
		HealthProbeBindAddress:        orDisabled(o.HealthAddress),
		LeaderElection:                o.LeaderElect,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       ptr(10 * time.Second),
	}
	if o.SkipNameValidation {
		mo.Controller.SkipNameValidation = ptr(true)
	}
	if o.LeaderElect {
		if o.LeaderElectionNamespace == "" {
			return errors.New("leader election needs a namespace (--leader-election-namespace or POD_NAMESPACE)")
		}
		id := o.Identity
		if id == "" {
			host, _ := os.Hostname()
			id = fmt.Sprintf("%s_%d", host, time.Now().UnixNano())
		}
		name := o.LeaderElectionID
		if name == "" {
			name = "turnpike-controller"
		}
		lock, err := newLeaseLock(o.Config, o.LeaderElectionNamespace, name, id)
		if err != nil {
			return err
		}
		mo.LeaderElectionResourceLockInterface = lock
		mo.LeaseDuration = ptr(orDefault(o.LeaseDuration, 15*time.Second))
		mo.RenewDeadline = ptr(orDefault(o.RenewDeadline, 10*time.Second))
		mo.RetryPeriod = ptr(orDefault(o.RetryPeriod, 2*time.Second))
		logger.Info("leader election enabled", "lease", o.LeaderElectionNamespace+"/"+name, "identity", id)
	}
	mgr, err := ctrl.NewManager(o.Config, mo)
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}

	r := offerReconciler(mgr, scheme, o)
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("service offers: %w", err)
	}
	buyers := &purchase.Reconciler{
		Client:         mgr.GetClient(),
		APIReader:      mgr.GetAPIReader(),
		Recorder:       mgr.GetEventRecorder("turnpike-purchase"),
		BuyerNamespace: o.BuyerNamespace,
		BuyerURL:       o.BuyerURL,
	}
	if err := buyers.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("purchase requests: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("cache", func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return errors.New("cache not synced")
		}
		return nil
	}); err != nil {
		return err
	}

	addrs := Addresses{}
	if o.DiscoveryAddress != "" {
		ln, err := net.Listen("tcp", o.DiscoveryAddress)
		if err != nil {
			return fmt.Errorf("discovery listener: %w", err)
		}
		addrs.Discovery = ln.Addr().String()
		h := &discovery.Handler{Reader: mgr.GetClient(), Settings: o.Settings, Agent: o.Agent}
		if err := mgr.Add(&httpServer{ln: ln, handler: h}); err != nil {
			return err
		}
	}
	if u := discovery.Route(o.DiscoveryRoute); u != nil {
		if err := mgr.Add(&routePublisher{c: mgr.GetClient(), obj: u}); err != nil {
			return err
		}
	}
	if o.OnStarted != nil {
		if err := mgr.Add(startHook(func(ctx context.Context) error {
			o.OnStarted(addrs)
			<-ctx.Done()
			return nil
		})); err != nil {
			return err
		}
	}
	logger.Info("starting controller")
	return mgr.Start(ctx)
}

// offerReconciler builds the ServiceOffer reconciler from the options.
func offerReconciler(mgr ctrl.Manager, scheme *runtime.Scheme, o Options) *offers.Reconciler {
	health := &offers.HTTPHealth{}
	if o.HealthBaseURL != "" {
		base := o.HealthBaseURL
		health.BaseURL = func(*corev1.Service, int32) string { return base }
	}
	return &offers.Reconciler{
		Client:       mgr.GetClient(),
		APIReader:    mgr.GetAPIReader(),
		Scheme:       scheme,
		Recorder:     mgr.GetEventRecorder("turnpike-controller"),
		Settings:     o.Settings,
		Health:       health,
		Models:       health,
		Registrar:    o.Registrar,
		Tokens:       o.Tokens,
		Claims:       &claimprobe.Probe{},
		RecheckAfter: o.RecheckAfter,
		RetryAfter:   o.RetryAfter,

		RouteRemovalDelay: o.RouteRemovalDelay,
		KindsInterval:     o.KindsInterval,
	}
}

type startHook func(context.Context) error

func (f startHook) Start(ctx context.Context) error { return f(ctx) }

// NeedLeaderElection: start hooks run on every replica.
func (f startHook) NeedLeaderElection() bool { return false }

// Leader election: client-go's leaselock only gets, creates and updates its Lease,
// and only in the controller's own namespace (generated into the controller's Role
// by scripts/controller-gen.sh).
//
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=turnpike-system,resources=leases,verbs=get;create;update

// newLeaseLock builds the leader-election lock on a client that is never throttled.
func newLeaseLock(cfg *rest.Config, ns, name, id string) (resourcelock.Interface, error) {
	cfg = rest.CopyConfig(cfg)
	// The lease must be renewed even when the main client is throttled.
	cfg.QPS, cfg.Burst = 0, 0
	core, err := typedcorev1.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	coord, err := coordinationv1.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return resourcelock.New(resourcelock.LeasesResourceLock, ns, name, core, coord, resourcelock.ResourceLockConfig{Identity: id})
}

// httpServer serves the discovery documents on every replica.
type httpServer struct {
	ln      net.Listener
	handler http.Handler
}

func (s *httpServer) NeedLeaderElection() bool { return false }

func (s *httpServer) Start(ctx context.Context) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// routePublisher keeps the discovery HTTPRoute applied while this replica leads.
type routePublisher struct {
	c   client.Client
	obj *unstructured.Unstructured
}

func (p *routePublisher) NeedLeaderElection() bool { return true }

func (p *routePublisher) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("discovery-route")
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		obj := p.obj.DeepCopy()
		if err := p.c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner(offers.FieldOwner), client.ForceOwnership); err != nil {
			logger.Error(err, "apply discovery HTTPRoute", "name", obj.GetNamespace()+"/"+obj.GetName())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func orDisabled(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func ptr[T any](v T) *T { return &v }
