package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/discovery"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/onchain"
)

func init() {
	register("controller", "turn ServiceOffers into Traefik objects, the routes document and discovery documents", runController)
}

// maxRoutesShards bounds --routes-shards: every Traefik pod watches each shard its
// Middlewares name, one API watch per shard.
const maxRoutesShards = 256

func runController(ctx context.Context, std streams, args []string) error {
	fs := newFlags("controller", "[flags]", `
Runs the Kubernetes controller: it turns each ServiceOffer into a Traefik Middleware
and an HTTPRoute or IngressRoute, writes the routes document the gates serve from,
drains removed offers, serves the discovery documents (skill.md, services.json, the
ERC-8004 registration file) and registers the agent on chain once; it also fills the
buyer sidecar's pool from PurchaseRequests. One replica is active at a time (leader
election); it uses the in-cluster config, -kubeconfig or ~/.kube/config.`)
	var o manager.Options
	podNS := os.Getenv("POD_NAMESPACE")
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file (default: in-cluster, then ~/.kube/config)")
	routesCM := fs.String("routes-configmap", controllerNSDefault(podNS, "turnpike-system")+"/turnpike-routes", "namespace/name of the ConfigMap holding the routes document")
	fs.IntVar(&o.Settings.RoutesShardCount, "routes-shards", 1, "split the routes document over this many ConfigMaps, <routes-configmap>-0 … -<N-1>, so each holds under 1 MiB and each gate parses only its own (docs/controller.md, \"Routes shards\"); 1: one ConfigMap named -routes-configmap. The gates' RBAC must name every shard")
	fs.StringVar(&o.Settings.PluginName, "plugin-name", "turnpike", "the plugin's name in Traefik's static configuration (spec.plugin.<name> of the Middlewares)")
	fs.StringVar(&o.Settings.FacilitatorURL, "facilitator-url", "https://x402.org/facilitator", "address of the turnpike facilitator provider, e.g. http://turnpike-facilitator.turnpike-system.svc (an offer may name another provider or URL); x402.org here settles test networks only")
	fs.StringVar(&o.Settings.FacilitatorProvider, "facilitator-provider", v1alpha1.FacilitatorTurnpike, "facilitator of offers that name none: turnpike (-facilitator-url), x402.org (testnets only) or cdp (Coinbase, API key from -cdp-secret)")
	fs.StringVar(&o.Settings.DefaultCDP.SecretName, "cdp-secret", "", "Secret, in each offer's namespace, holding the CDP API key for offers on the cdp provider that name no Secret")
	fs.StringVar(&o.Settings.DefaultCDP.KeyIDKey, "cdp-key-id-key", "keyId", "key of the CDP API key id in -cdp-secret")
	fs.StringVar(&o.Settings.DefaultCDP.KeySecretKey, "cdp-key-secret-key", "keySecret", "key of the CDP API key secret (Ed25519 or EC PEM) in -cdp-secret")
	fs.StringVar(&o.Settings.GateMetricsAddress, "gate-metrics-address", ":9464", "address of the gate's metrics listener in every Traefik pod (empty: off)")
	fs.StringVar(&o.Settings.PublicBaseURL, "public-base-url", "", "where buyers reach Traefik, e.g. https://api.example.com (resource URLs and discovery documents)")
	fs.StringVar(&o.Settings.PayerHeader, "payer-header", "", "header carrying the verified payer address to upstreams (empty: none)")
	fs.StringVar(&o.Settings.GateKubernetesAPIURL, "gate-kubernetes-api-url", "", "Kubernetes API URL the gate watches the routes ConfigMap through (Traefik outside the cluster; empty: in-cluster)")
	fs.StringVar(&o.Settings.GateKubernetesTokenFile, "gate-kubernetes-token-file", "", "bearer token file the gate uses for the Kubernetes API (empty: service account)")
	fs.StringVar(&o.Settings.GateKubernetesCAFile, "gate-kubernetes-ca-file", "", "CA bundle the gate verifies the Kubernetes API with (empty: service account)")
	gateway := fs.String("gateway", "", "default Gateway for HTTPRoutes, namespace/name[/listener]")
	entryPoints := fs.String("entry-points", "web", "default Traefik entry points for IngressRoutes, comma-separated")

	fs.StringVar(&o.MetricsAddress, "metrics-address", ":8080", "metrics listener (0: off)")
	fs.StringVar(&o.HealthAddress, "health-address", ":8081", "/healthz and /readyz listener (0: off)")
	fs.StringVar(&o.DiscoveryAddress, "discovery-address", ":8082", "listener for /skill.md, /api/services.json and /.well-known/agent-registration.json (empty: off)")
	discoveryHosts := fs.String("discovery-hostnames", "", "host names the discovery documents are routed on, comma-separated (empty: no route)")
	discoverySvc := fs.String("discovery-service", "turnpike-controller:80", "Service (in the controller's namespace) and port that reach the discovery listener")
	fs.StringVar(&o.Agent.Name, "agent-name", "Turnpike seller", "agent name in the registration file and skill.md")
	fs.StringVar(&o.Agent.Description, "agent-description", "Paid HTTP services, per request, with x402.", "agent description")
	fs.StringVar(&o.Agent.Image, "agent-image", "", "agent image URL")

	fs.BoolVar(&o.LeaderElect, "leader-elect", true, "elect one active replica through a Lease")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", podNS, "namespace of the Lease (default $POD_NAMESPACE)")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", "turnpike-controller", "name of the Lease")
	fs.StringVar(&o.Identity, "identity", os.Getenv("POD_NAME"), "leader-election identity (default $POD_NAME, else host name)")
	fs.DurationVar(&o.LeaseDuration, "lease-duration", 0, "how long a lease lasts without renewal (default 15s)")
	fs.DurationVar(&o.RenewDeadline, "renew-deadline", 0, "how long the leader retries renewing before it gives up (default 10s)")
	fs.DurationVar(&o.RetryPeriod, "retry-period", 0, "pause between lease attempts (default 2s)")
	fs.StringVar(&o.HealthBaseURL, "health-base-url", "", "send every upstream health check to this base URL instead of the Service's cluster DNS name (running outside the cluster)")
	fs.DurationVar(&o.RecheckAfter, "recheck-interval", 0, "how often a serving offer's upstream is checked again (default 2m)")
	fs.DurationVar(&o.RetryAfter, "retry-interval", 0, "wait before retrying an offer that is not ready (default 30s); an upstream that has never served is retried sooner, after as long as it has failed (1s at least)")
	fs.DurationVar(&o.RouteRemovalDelay, "route-removal-delay", 0, "at the end of a drain, how long the gate and its routes-document entry outlive the route, so Traefik drops the route first; at least Traefik's providersThrottleDuration (default 3s)")
	fs.DurationVar(&o.KindsInterval, "crd-recheck-interval", 0, "while the Traefik or Gateway API CRDs are missing, how often the controller looks for them again; offers wait for them and are published once they appear, without a restart (default 10s)")
	fs.StringVar(&o.BuyerNamespace, "buyer-namespace", "", "namespace of the buyer sidecar's ConfigMaps that PurchaseRequests fill (empty: each PurchaseRequest's own namespace)")
	fs.StringVar(&o.BuyerURL, "buyer-url", "", "base URL of the buyer sidecar, e.g. http://turnpike-buyer.agents:8402, read to refill PurchaseRequests (empty: sign the initial pool only)")
	registry := fs.String("registry", "", "ERC-8004 identity registry, eip155:<chainId>:<address> (empty: offers that enable registration wait)")
	registryRPC := fs.String("registry-rpc", "", "JSON-RPC URL of the registry's chain")
	ownerKeyFile := fs.String("registry-key-file", "", "file holding the hex private key that owns and signs the registration")
	agentURI := fs.String("agent-uri", "", "registration file URI recorded on chain (default <public-base-url>/.well-known/agent-registration.json)")
	lookupFrom := fs.Uint64("registry-from-block", 0, "first block to scan for earlier registrations (the registry's deployment block)")
	lookupChunk := fs.Uint64("registry-log-chunk", 0, "largest block range per eth_getLogs call (0: no limit)")
	tokenRPCs := fs.String("token-check-rpc", "", "chains whose token EIP-712 domains are verified, eip155:<id>=<rpc url>, comma-separated")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}

	if o.BuyerURL != "" {
		if u, err := url.Parse(o.BuyerURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--buyer-url %q must be an http(s) base URL", o.BuyerURL)
		}
	}
	switch o.Settings.FacilitatorProvider {
	case v1alpha1.FacilitatorTurnpike, v1alpha1.FacilitatorX402Org:
	case v1alpha1.FacilitatorCDP:
		if o.Settings.DefaultCDP.SecretName == "" {
			return usagef("--facilitator-provider cdp needs --cdp-secret (the Secret holding the CDP API key)")
		}
	default:
		return usagef("--facilitator-provider %q must be turnpike, x402.org or cdp", o.Settings.FacilitatorProvider)
	}
	if u, err := url.Parse(o.Settings.FacilitatorURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--facilitator-url %q must be an http(s) URL", o.Settings.FacilitatorURL)
	}
	ns, name, ok := strings.Cut(*routesCM, "/")
	if !ok || ns == "" || name == "" {
		return usagef("--routes-configmap %q must be namespace/name", *routesCM)
	}
	o.Settings.RoutesConfigMapNamespace, o.Settings.RoutesConfigMapName = ns, name
	if o.Settings.RoutesShardCount < 1 || o.Settings.RoutesShardCount > maxRoutesShards {
		return usagef("--routes-shards %d must be between 1 and %d", o.Settings.RoutesShardCount, maxRoutesShards)
	}
	if *gateway != "" {
		parts := strings.Split(*gateway, "/")
		if len(parts) < 2 || len(parts) > 3 {
			return usagef("--gateway %q must be namespace/name[/listener]", *gateway)
		}
		ref := v1alpha1.ParentRef{Namespace: parts[0], Name: parts[1]}
		if len(parts) == 3 {
			ref.SectionName = parts[2]
		}
		o.Settings.DefaultParentRefs = []v1alpha1.ParentRef{ref}
		o.DiscoveryRoute.ParentRefs = o.Settings.DefaultParentRefs
	}
	o.Settings.DefaultEntryPoints = controllerSplitList(*entryPoints)
	o.DiscoveryRoute.Hostnames = controllerSplitList(*discoveryHosts)
	o.DiscoveryRoute.Namespace = controllerNSDefault(podNS, ns)
	o.DiscoveryRoute.Name = "turnpike-discovery"
	svc, port, _ := strings.Cut(*discoverySvc, ":")
	p, err := strconv.Atoi(port)
	if err != nil || svc == "" || p < 1 || p > 65535 {
		return usagef("--discovery-service %q must be name:port", *discoverySvc)
	}
	o.DiscoveryRoute.ServiceName, o.DiscoveryRoute.ServicePort = svc, int32(p)

	logger := logr.FromSlogHandler(setupLogging(std.stderr, level, "controller").Handler())
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
	ctx = logr.NewContext(ctx, logger)

	chainCfg := onchain.Config{Registry: *registry, RegistryRPC: *registryRPC, AgentURI: *agentURI,
		LookupFromBlock: *lookupFrom, LookupChunk: *lookupChunk, TokenRPCs: map[string]string{}}
	if chainCfg.AgentURI == "" {
		switch {
		case o.Settings.PublicBaseURL != "":
			chainCfg.AgentURI = strings.TrimRight(o.Settings.PublicBaseURL, "/") + discovery.PathRegistration
		case len(o.DiscoveryRoute.Hostnames) > 0:
			chainCfg.AgentURI = "https://" + o.DiscoveryRoute.Hostnames[0] + discovery.PathRegistration
		}
	}
	if *registry != "" {
		if chainCfg.AgentURI == "" {
			return usagef("--registry needs --agent-uri, --public-base-url or --discovery-hostnames to know the registration file's URI")
		}
		if *ownerKeyFile == "" {
			return usagef("--registry needs --registry-key-file")
		}
		key, err := os.ReadFile(*ownerKeyFile)
		if err != nil {
			return fmt.Errorf("--registry-key-file: %w", err)
		}
		chainCfg.OwnerKeyHex = string(key)
	}
	for _, kv := range controllerSplitList(*tokenRPCs) {
		network, url, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(network, "eip155:") || url == "" {
			return usagef("--token-check-rpc %q must be eip155:<id>=<url>", kv)
		}
		chainCfg.TokenRPCs[network] = url
	}
	reg, tokens, closeChains, err := onchain.Setup(ctx, chainCfg)
	defer closeChains()
	if err != nil {
		return err
	}
	if reg != nil {
		o.Registrar = reg
	}
	if tokens != nil {
		o.Tokens = tokens
	}

	cfg, err := controllerKubeConfig(*kubeconfig)
	if err != nil {
		return err
	}
	o.Config = cfg
	return manager.Run(ctx, o)
}

func controllerKubeConfig(path string) (*rest.Config, error) {
	if path != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
		}
		return cfg, nil
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes config: %w", err)
	}
	return cfg, nil
}

func controllerNSDefault(ns, def string) string {
	if ns != "" {
		return ns
	}
	return def
}

func controllerSplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
