//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/go-logr/logr"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// Names of the full-stack world.
const (
	fsSystemNS    = "turnpike-system"
	fsRoutesCM    = "turnpike-routes"
	fsTraefikNS   = "traefik"
	fsTraefikSA   = "traefik"
	fsGateway     = "gateway"
	fsGatewayCls  = "traefik"
	fsShopNS      = "shop"
	fsOffer       = "weather"
	fsService     = "weather"
	fsServicePort = 80
	fsPayerHeader = "X-Turnpike-Payer"
	// fsGrace is the drain grace period: long enough to pay once more inside it.
	fsGrace = 10 * time.Second
)

// TestOfferPaidOnChainAndDrainedThroughGatewayAPI runs the whole product the way a seller meets it: a real control plane
// (kube-apiserver + etcd) with Turnpike's, Traefik's and the Gateway API CRDs, the
// controller, real Traefik v3.6.12 reading its configuration from the API server
// (kubernetesCRD + kubernetesGateway providers, as a service account holding the RBAC
// Traefik documents plus Turnpike's routes-reader Role) with the gate as a local Yaegi plugin watching the routes ConfigMap through
// the API, the dev chain and our facilitator. A ServiceOffer applied with kubectl
// becomes a 402 through Traefik; a payment signed with our EIP-3009 signer settles on
// chain; a drain keeps the offer payable through its grace period and then removes it.
func TestOfferPaidOnChainAndDrainedThroughGatewayAPI(t *testing.T) {
	testStart := time.Now()
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address
	up := newUpstream(t)
	k := startFullStackCluster(t)
	ctx := context.Background()

	// The seller's upstream: a Service whose EndpointSlice holds a pod address, which is
	// how Traefik finds the servers behind an HTTPRoute backend. The API server refuses
	// loopback endpoint addresses, so the pod gets a TEST-NET address and a forward
	// proxy on loopback plays the cluster network for Traefik (HTTP_PROXY), delivering
	// Traefik's upstream requests to the loopback upstream.
	podNet := newPodNetwork(t, up.URL)
	k.namespace(t, fsShopNS)
	k.create(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: fsShopNS, Name: fsService},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{
			Name: "http", Port: fsServicePort, TargetPort: intstr.FromInt32(fsPodPort), Protocol: corev1.ProtocolTCP,
		}}},
	})
	ready := true
	k.create(t, &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: fsShopNS, Name: fsService + "-pod",
			Labels: map[string]string{discoveryv1.LabelServiceName: fsService}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{fsPodIP}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptrTo("http"), Port: ptrTo(int32(fsPodPort)), Protocol: ptrTo(corev1.ProtocolTCP)}},
	})

	// Traefik with both Kubernetes providers, authenticated as its own service account.
	// Traefik's defaults otherwise (providersThrottleDuration 2 s included), so the
	// measured time is what an installation sees.
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Env: podNet.env(), Providers: map[string]any{
		"kubernetesCRD":     k.traefikProvider(),
		"kubernetesGateway": k.traefikProvider(),
	}})
	webPort := portOf(t, "http://"+tr.Web)
	k.createGateway(t, webPort)
	k.waitGatewayProgrammed(t, tr)

	metricsAddr := testutil.FreeAddr(t)
	k.runController(t, render.Settings{
		PluginName:               turnpikePlugin,
		RoutesConfigMapNamespace: fsSystemNS,
		RoutesConfigMapName:      fsRoutesCM,
		FacilitatorURL:           w.facURL,
		GateMetricsAddress:       metricsAddr,
		PayerHeader:              fsPayerHeader,
		DefaultParentRefs:        []v1alpha1.ParentRef{{Namespace: fsTraefikNS, Name: fsGateway}},
		DefaultEntryPoints:       []string{"web"},
		GateKubernetesAPIURL:     k.cfg.Host,
		GateKubernetesTokenFile:  k.tokenFile,
		GateKubernetesCAFile:     k.caFile,
	}, up.URL)
	t.Logf("world ready after %s (chain, facilitator, control plane, Traefik, controller)", time.Since(testStart).Round(time.Millisecond))
	t.Logf("traefik %s upstream %s pod network %s facilitator %s", tr.Web, up.URL, podNet.URL, w.facURL)

	target := tr.URL("/services/" + fsOffer + "/forecast")
	offerKey := types.NamespacedName{Namespace: fsShopNS, Name: fsOffer}

	// 1. kubectl apply → the first 402 through Traefik.
	var firstChallenge answer
	t.Run("apply ServiceOffer: first 402 through Traefik", func(t *testing.T) {
		manifest := offerManifest(w, seller)
		// A seller's kubectl has discovered the API before; so has this one.
		k.kubectl(t, "", "api-resources", "--api-group", v1alpha1.GroupVersion.Group)
		carriedBefore := podNet.carried.Load()
		t0 := time.Now()
		milestones := k.watchPublishing(t0)
		k.kubectl(t, manifest, "apply", "-f", "-")
		applied := time.Since(t0)
		var seen []string
		last := ""
		for {
			a, err := quickGet(target)
			status := "error"
			if err == nil {
				status = strconv.Itoa(a.Status)
			}
			if status != last {
				seen = append(seen, fmt.Sprintf("%s@%dms", status, time.Since(t0).Milliseconds()))
				last = status
			}
			if err == nil && a.Status == http.StatusOK {
				t.Fatalf("an unpaid request was served while the offer was being published: %s", a)
			}
			if err == nil && a.Status == http.StatusPaymentRequired {
				firstChallenge = a
				break
			}
			if time.Since(t0) > 30*time.Second {
				t.Fatalf("no 402 within 30 s of kubectl apply (answers: %v):\n%s", seen, tr.Diagnostics())
			}
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(t0)
		t.Logf("fullstack: apply_to_first_402_ms=%d", took.Milliseconds())
		t.Logf("fullstack: applied_to_first_402_ms=%d (after kubectl returned; kubectl apply took %d ms); answers on the way: %v",
			(took - applied).Milliseconds(), applied.Milliseconds(), seen)
		t.Logf("fullstack: controller milestones after apply: %s", milestones())
		if took > 5*time.Second {
			t.Errorf("apply to first 402 took %s, want well under 5 s (target 2 s)", took)
		}
		if n := podNet.carried.Load() - carriedBefore; n != 0 {
			t.Errorf("%d unpaid requests reached the upstream", n)
		}
		pr, _ := challenge(t, firstChallenge)
		if len(pr.Accepts) != 1 {
			t.Fatalf("challenge accepts %d options, want 1: %+v", len(pr.Accepts), pr.Accepts)
		}
		acc := pr.Accepts[0]
		for _, c := range []struct{ desc, got, want string }{
			{desc: "network", got: acc.Network, want: w.network},
			{desc: "amount", got: acc.Amount, want: price},
			{desc: "asset", got: strings.ToLower(acc.Asset), want: strings.ToLower(w.info.Token.Address.Hex())},
			{desc: "payTo", got: strings.ToLower(acc.PayTo), want: strings.ToLower(seller.Hex())},
		} {
			if c.got != c.want {
				t.Errorf("challenge %s = %q, want %q", c.desc, c.got, c.want)
			}
		}
		// The objects the 402 came through: rendered by the controller, served by Traefik.
		for _, gvk := range []string{"Middleware", "HTTPRoute"} {
			if !k.childExists(t, gvk) {
				t.Errorf("%s %s/%s does not exist", gvk, fsShopNS, render.ChildName(fsOffer))
			}
		}
		k.waitCondition(t, offerKey, v1alpha1.ConditionReady, metav1.ConditionTrue, "", 10*time.Second)
	})
	if firstChallenge.Status != http.StatusPaymentRequired {
		t.FailNow()
	}

	amount, _ := new(big.Int).SetString(price, 10)
	// settled checks a paid answer: content, receipt, a mined transfer, balances.
	settled := func(t *testing.T, payer common.Address, a answer, payerBefore, sellerBefore *big.Int) {
		t.Helper()
		if a.Status != http.StatusOK || !strings.Contains(string(a.Body), paidMarker) {
			t.Fatalf("paid request: %s, want 200 with the upstream's content", a)
		}
		// spec.upstream.basePath: the HTTPRoute's URLRewrite ran after the gate.
		if !strings.Contains(string(a.Body), `"path":"/api/forecast"`) {
			t.Errorf("paid request: %s, want the upstream to see /api/forecast (public prefix replaced by basePath)", a)
		}
		sr := receipt(t, a.Header.Get(x402.HeaderPaymentResponse))
		if !sr.Success || !strings.HasPrefix(sr.Transaction, "0x") || !strings.EqualFold(sr.Payer, payer.Hex()) {
			t.Fatalf("receipt %+v, want success by %s with a transaction", sr, payer.Hex())
		}
		rcpt, err := w.chain.Client().TransactionReceipt(context.Background(), common.HexToHash(sr.Transaction))
		must(t, err, "receipt of %s", sr.Transaction)
		if rcpt.Status != 1 {
			t.Fatalf("settlement transaction %s failed on chain", sr.Transaction)
		}
		if d := new(big.Int).Sub(payerBefore, w.balance(t, payer)); d.Cmp(amount) != 0 {
			t.Errorf("payer paid %s, want %s", d, amount)
		}
		if d := new(big.Int).Sub(w.balance(t, seller), sellerBefore); d.Cmp(amount) != 0 {
			t.Errorf("seller received %s, want %s", d, amount)
		}
		if got := up.LastHeader(fsPayerHeader); !strings.EqualFold(got, payer.Hex()) {
			t.Errorf("upstream saw payer %q, want %s", got, payer.Hex())
		}
		if up.LastHeader(x402.HeaderPaymentSignature) != "" {
			t.Errorf("the payment header reached the upstream")
		}
		t.Logf("paid through Traefik: tx %s", sr.Transaction)
	}

	// 2. A payment signed with our EIP-3009 signer, through Traefik, settled on chain.
	t.Run("pay through Traefik: 200, receipt, transfer on chain", func(t *testing.T) {
		sellerBefore := w.balance(t, seller)
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		payerBefore := w.balance(t, payer)
		carried := podNet.carried.Load()
		a := get(t, target, x402.HeaderPaymentSignature, signedPayment(t, target, key))
		settled(t, payer, a, payerBefore, sellerBefore)
		if n := podNet.carried.Load() - carried; n != 1 {
			t.Errorf("%d requests reached the upstream through its endpoint, want 1", n)
		}
		fams := scrapeMetrics(t, "http://"+metricsAddr+"/metrics")
		labels := map[string]string{"offer_namespace": fsShopNS, "offer_name": fsOffer, "chain": w.network, "asset_symbol": w.info.Token.Symbol}
		if n, _ := metricValue(fams, "turnpike_charged_requests_total", labels); n != 1 {
			t.Errorf("turnpike_charged_requests_total%v = %v, want 1", labels, n)
		}
	})

	// 3. Drain: still payable during the grace period, then gone.
	drainAt := time.Now().UTC().Truncate(time.Second)
	drainEnds := drainAt.Add(fsGrace)
	var lastAccepted x402.Requirements
	t.Run("drain: payable during the grace period", func(t *testing.T) {
		patch := fmt.Sprintf(`{"spec":{"drainAt":%q,"drainGracePeriod":%q}}`, drainAt.Format(time.RFC3339), fsGrace.String())
		k.kubectl(t, "", "-n", fsShopNS, "patch", "serviceoffer", fsOffer, "--type=merge", "-p", patch)
		k.waitCondition(t, offerKey, v1alpha1.ConditionDraining, metav1.ConditionTrue, offers.ReasonDraining, 5*time.Second)
		// The gate learns of the drain from the routes document.
		testutil.Eventually(t, 5*time.Second, "routes document marks the offer draining", func() string {
			o, ok := k.routesOffer(t)
			if !ok || o.State != routes.StateDraining || o.DrainEndsAt != drainEnds.Format(time.RFC3339) {
				return fmt.Sprintf("offer in routes document: present=%v %+v", ok, o)
			}
			return ""
		})
		pr := paymentRequired(t, target)
		lastAccepted = pr.Accepts[0]
		sellerBefore := w.balance(t, seller)
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		payerBefore := w.balance(t, payer)
		a := get(t, target, x402.HeaderPaymentSignature, signedPayment(t, target, key))
		settled(t, payer, a, payerBefore, sellerBefore)
		if time.Now().After(drainEnds) {
			t.Fatalf("the payment during the grace period finished after the drain ended (%s); grace too short for this machine", drainEnds)
		}
	})

	t.Run("drain: gone after the grace period", func(t *testing.T) {
		if lastAccepted.Network == "" {
			t.Fatal("no requirement from the grace period")
		}
		if d := time.Until(drainEnds); d > 0 {
			time.Sleep(d)
		}
		// Right after the end the gate refuses on its own (403 offer_drained); then the
		// controller removes the offer from the document and the route from Traefik (404).
		var seen []string
		last := ""
		start := time.Now()
		for {
			a, err := quickGet(target)
			status := "error"
			if err == nil {
				status = strconv.Itoa(a.Status)
			}
			if status != last {
				seen = append(seen, fmt.Sprintf("%s@%dms", status, time.Since(drainEnds).Milliseconds()))
				last = status
			}
			if err == nil && (a.Status == http.StatusOK || a.Status == http.StatusPaymentRequired) {
				t.Fatalf("%s after the drain ended at %s", a, drainEnds.Format(time.RFC3339))
			}
			if err == nil && a.Status == http.StatusNotFound {
				break
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("route still served 20 s after the drain ended (answers: %v):\n%s", seen, tr.Diagnostics())
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("fullstack: drain_end_to_404_ms=%d answers after the end: %v", time.Since(drainEnds).Milliseconds(), seen)

		k.waitCondition(t, offerKey, v1alpha1.ConditionDraining, metav1.ConditionFalse, offers.ReasonDrained, 10*time.Second)
		for _, kind := range []string{"Middleware", "HTTPRoute"} {
			if k.childExists(t, kind) {
				t.Errorf("%s %s/%s still exists after the drain", kind, fsShopNS, render.ChildName(fsOffer))
			}
		}
		if _, ok := k.routesOffer(t); ok {
			t.Errorf("the drained offer is still in the routes document")
		}
		var o v1alpha1.ServiceOffer
		must(t, k.c.Get(ctx, offerKey, &o), "the drained ServiceOffer must be kept")

		// A payment signed for the old terms is not taken any more.
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		before := w.balance(t, payer)
		p, err := eip3009.NewPayment(key, lastAccepted, &x402.ResourceInfo{URL: target}, eip3009.PaymentOptions{})
		must(t, err, "sign payment")
		h, err := x402.EncodeHeader(p)
		must(t, err, "encode payment")
		carried := podNet.carried.Load()
		a := get(t, target, x402.HeaderPaymentSignature, h)
		if a.Status != http.StatusNotFound && a.Status != http.StatusForbidden {
			t.Errorf("payment after the drain: %s, want 404 or 403", a)
		}
		if podNet.carried.Load() != carried {
			t.Errorf("a request after the drain reached the upstream")
		}
		if after := w.balance(t, payer); after.Cmp(before) != 0 {
			t.Errorf("payer was charged after the drain: %s → %s", before, after)
		}
	})
	// Traefik found the upstream through the EndpointSlice: its server is the pod address.
	if podURL := fmt.Sprintf("http://%s:%d", fsPodIP, fsPodPort); !strings.Contains(tr.Log(), podURL) {
		t.Errorf("Traefik's configuration never named the pod address %s as a server", podURL)
	}
	t.Logf("full-stack test took %s", time.Since(testStart).Round(time.Millisecond))
}

// The upstream pod's address in its EndpointSlice: TEST-NET-1 (RFC 5737), never
// routed, so nothing but the pod network below can reach it.
const (
	fsPodIP   = "192.0.2.10"
	fsPodPort = 8080
)

// podNetwork is a forward proxy on loopback standing in for the cluster network: Traefik
// (through HTTP_PROXY) sends its upstream requests here, and they are delivered to the
// loopback upstream. Loopback destinations never use a proxy (Go's rule), so the API
// server, the facilitator and the gate's own calls go direct; only Traefik's requests
// to the pod address arrive here. (A forward proxy cannot check that address: Go writes
// the request line from the Host header, which Traefik passes through; the test checks
// the address in Traefik's configuration instead.)
type podNetwork struct {
	URL     string
	carried atomic.Int64
}

func newPodNetwork(t *testing.T, upstreamURL string) *podNetwork {
	t.Helper()
	target, err := url.Parse(upstreamURL)
	must(t, err, "upstream URL")
	p := &podNetwork{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
	}}
	p.URL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.carried.Add(1)
		rp.ServeHTTP(w, r)
	}))
	return p
}

// env points Traefik's upstream transport at the proxy.
func (p *podNetwork) env() []string {
	return []string{"HTTP_PROXY=" + p.URL, "http_proxy=" + p.URL, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
}

// offerManifest is the ServiceOffer a seller writes for the dev token.
func offerManifest(w *chainWorld, seller common.Address) string {
	return fmt.Sprintf(`apiVersion: x402.turnpike.dev/v1alpha1
kind: ServiceOffer
metadata:
  name: %s
  namespace: %s
spec:
  upstream:
    service: %s
    port: %d
    healthPath: /health
    basePath: /api
  description: Weather forecasts, paid per request
  mimeType: application/json
  payment:
    payTo: %q
    accepts:
      - network: %q
        amount: %q
        asset:
          address: %q
          symbol: %q
          decimals: %d
          eip712Name: %q
          eip712Version: %q
`, fsOffer, fsShopNS, fsService, fsServicePort, seller.Hex(), w.network, price,
		w.info.Token.Address.Hex(), w.info.Token.Symbol, w.info.Token.Decimals, w.info.Token.Name, w.info.Token.Version)
}

// quickGet is one unpaid GET with a short timeout, for polling.
func quickGet(url string) (answer, error) {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func portOf(t testing.TB, rawURL string) int {
	t.Helper()
	i := strings.LastIndexByte(rawURL, ':')
	p, err := strconv.Atoi(strings.TrimRight(rawURL[i+1:], "/"))
	if i < 0 || err != nil {
		t.Fatalf("no port in %q", rawURL)
	}
	return p
}

func ptrTo[T any](v T) *T { return &v }

// fullStackCluster is the control plane plus what Traefik needs to use it.
type fullStackCluster struct {
	cfg        *rest.Config
	c          client.Client
	cs         kubernetes.Interface
	kubeconfig string
	tokenFile  string // Traefik's service-account token
	caFile     string // the API server's CA
	token      string
	// kubectlCache is kubectl's discovery cache (kept out of $HOME).
	kubectlCache string
}

// startFullStackCluster starts kube-apiserver + etcd with every CRD the stack reads,
// and gives Traefik's service account the RBAC a real installation gives it: Traefik's
// own ClusterRoles for both providers and Turnpike's routes-reader Role.
func startFullStackCluster(t *testing.T) *fullStackCluster {
	t.Helper()
	apiserver := testenv.Bin(t, "kube-apiserver")
	testenv.Bin(t, "etcd")
	root := testenv.RepoRoot(t)
	traefikDocs := testenv.TraefikDocs(t)
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Dir(apiserver),
		CRDDirectoryPaths: []string{
			filepath.Join(root, "manifests", "crds"),
			testenv.TraefikCRDs(t),
			testenv.GatewayAPICRDs(t),
		},
		ErrorIfCRDPathMissing: true,
	}
	started := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	t.Logf("control plane with CRDs up in %s", time.Since(started).Round(time.Millisecond))
	scheme, err := manager.Scheme()
	must(t, err, "scheme")
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	must(t, err, "client")
	cs, err := kubernetes.NewForConfig(cfg)
	must(t, err, "clientset")
	admin, err := env.AddUser(envtest.User{Name: "fullstack-admin", Groups: []string{"system:masters"}}, nil)
	must(t, err, "admin user")
	kc, err := admin.KubeConfig()
	must(t, err, "admin kubeconfig")
	dir := t.TempDir()
	k := &fullStackCluster{cfg: cfg, c: c, cs: cs,
		kubeconfig: filepath.Join(dir, "kubeconfig"), tokenFile: filepath.Join(dir, "traefik.token"), caFile: filepath.Join(dir, "ca.crt"),
		kubectlCache: filepath.Join(dir, "kubectl-cache")}
	must(t, os.WriteFile(k.kubeconfig, kc, 0o600), "write kubeconfig")
	must(t, os.WriteFile(k.caFile, cfg.CAData, 0o600), "write CA")

	for _, ns := range []string{fsSystemNS, fsTraefikNS} {
		k.namespace(t, ns)
	}
	k.create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: fsTraefikNS, Name: fsTraefikSA}})
	// Traefik's documented RBAC, bound to this service account instead of the
	// examples' subjects; Turnpike's Role exactly as shipped.
	for _, f := range []string{
		filepath.Join(traefikDocs, "kubernetes-crd-rbac.yml"),
		filepath.Join(traefikDocs, "kubernetes-gateway-rbac.yml"),
		filepath.Join(root, "manifests", "base", "traefik-rbac.yaml"),
	} {
		for _, u := range readObjects(t, f) {
			if u.GetKind() == "ClusterRoleBinding" {
				u.Object["subjects"] = []any{map[string]any{"kind": "ServiceAccount", "name": fsTraefikSA, "namespace": fsTraefikNS}}
			}
			k.create(t, u)
		}
	}
	tr, err := cs.CoreV1().ServiceAccounts(fsTraefikNS).CreateToken(context.Background(), fsTraefikSA,
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(3600))}}, metav1.CreateOptions{})
	must(t, err, "token for %s/%s", fsTraefikNS, fsTraefikSA)
	k.token = tr.Status.Token
	must(t, os.WriteFile(k.tokenFile, []byte(k.token), 0o600), "write token")
	return k
}

// readObjects decodes every object of a multi-document YAML file.
func readObjects(t testing.TB, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err, "read %s", path)
	dec := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out
		}
		must(t, err, "decode %s", path)
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

func (k *fullStackCluster) namespace(t testing.TB, name string) {
	t.Helper()
	k.create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
}

func (k *fullStackCluster) create(t testing.TB, obj client.Object) {
	t.Helper()
	if err := k.c.Create(context.Background(), obj); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create %T %s/%s: %v", obj, obj.GetNamespace(), obj.GetName(), err)
	}
}

// traefikProvider is the static configuration of a Kubernetes provider that reaches
// the test API server with the service account's token.
func (k *fullStackCluster) traefikProvider() map[string]any {
	return map[string]any{"endpoint": k.cfg.Host, "token": k.token, "certAuthFilePath": k.caFile}
}

// createGateway declares the GatewayClass Traefik's gateway controller owns and a
// Gateway whose HTTP listener is Traefik's web entry point (matched by port).
func (k *fullStackCluster) createGateway(t testing.TB, port int) {
	t.Helper()
	gc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
		"metadata": map[string]any{"name": fsGatewayCls},
		"spec":     map[string]any{"controllerName": "traefik.io/gateway-controller"},
	}}
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": fsGateway, "namespace": fsTraefikNS},
		"spec": map[string]any{
			"gatewayClassName": fsGatewayCls,
			"listeners": []any{map[string]any{
				"name": "web", "port": int64(port), "protocol": "HTTP",
				"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}},
			}},
		},
	}}
	k.create(t, gc)
	k.create(t, gw)
}

// waitGatewayProgrammed waits until Traefik accepted the Gateway, so the timed part
// of the test measures the offer's way only.
func (k *fullStackCluster) waitGatewayProgrammed(t testing.TB, tr *traefiktest.Traefik) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		gw := &unstructured.Unstructured{}
		gw.SetAPIVersion("gateway.networking.k8s.io/v1")
		gw.SetKind("Gateway")
		err := k.c.Get(context.Background(), types.NamespacedName{Namespace: fsTraefikNS, Name: fsGateway}, gw)
		if err == nil && conditionTrue(gw, "Programmed") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Gateway %s/%s not programmed by Traefik after 30 s (%v, status %v):\n%s", fsTraefikNS, fsGateway, err, gw.Object["status"], tr.Diagnostics())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func conditionTrue(u *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}

// runController runs the controller in this process (manager.Run, what `turnpike
// controller` runs) until the test ends. Health checks go to healthURL: the test
// process is outside the cluster, so the Service's DNS name does not resolve.
func (k *fullStackCluster) runController(t *testing.T, s render.Settings, healthURL string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), "controller.log"))
	must(t, err, "controller log")
	ctrl.SetLogger(logr.FromSlogHandler(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- manager.Run(ctx, manager.Options{
			Config:         k.cfg,
			Settings:       s,
			MetricsAddress: "0",
			HealthAddress:  "0",
			HealthBaseURL:  healthURL,
			RetryAfter:     time.Second,
			OnStarted:      func(manager.Addresses) { started <- struct{}{} },
		})
	}()
	running := true
	t.Cleanup(func() {
		cancel()
		if running {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("controller: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("controller did not stop within 20 s")
			}
		}
		_ = logf.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logf.Name())
			if len(data) > 8000 {
				data = data[len(data)-8000:]
			}
			t.Logf("controller log tail:\n%s", data)
		}
	})
	select {
	case <-started:
	case err := <-done:
		running = false
		t.Fatalf("controller stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("controller not started after 30 s")
	}
}

// kubectl runs kubectl against the test API server as an admin, with stdin.
func (k *fullStackCluster) kubectl(t testing.TB, stdin string, args ...string) {
	t.Helper()
	cmd := exec.Command(testenv.Bin(t, "kubectl"), append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.kubectlCache}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// childExists reports whether the controller's Middleware or HTTPRoute for the offer
// exists.
func (k *fullStackCluster) childExists(t testing.TB, kind string) bool {
	t.Helper()
	u := &unstructured.Unstructured{}
	switch kind {
	case "Middleware":
		u.SetGroupVersionKind(render.MiddlewareGVK)
	case "HTTPRoute":
		u.SetGroupVersionKind(render.HTTPRouteGVK)
	default:
		t.Fatalf("unknown kind %s", kind)
	}
	err := k.c.Get(context.Background(), types.NamespacedName{Namespace: fsShopNS, Name: render.ChildName(fsOffer)}, u)
	if apierrors.IsNotFound(err) {
		return false
	}
	must(t, err, "get %s", kind)
	return true
}

// routesOffer returns the offer's entry in the routes ConfigMap.
func (k *fullStackCluster) routesOffer(t testing.TB) (routes.Offer, bool) {
	t.Helper()
	var cm corev1.ConfigMap
	must(t, k.c.Get(context.Background(), types.NamespacedName{Namespace: fsSystemNS, Name: fsRoutesCM}, &cm), "routes ConfigMap")
	var doc routes.Document
	must(t, json.Unmarshal([]byte(cm.Data[routes.DataKey]), &doc), "routes document")
	for _, o := range doc.Offers {
		if o.Namespace == fsShopNS && o.Name == fsOffer {
			return o, true
		}
	}
	return routes.Offer{}, false
}

// watchPublishing records, from t0 on, when the controller's outputs appear in the
// API server (polled every 10 ms), to split the apply-to-402 time between the
// controller and Traefik. The returned func stops it and describes the milestones.
func (k *fullStackCluster) watchPublishing(t0 time.Time) func() string {
	type milestone struct {
		name string
		at   time.Duration
	}
	stop := make(chan struct{})
	done := make(chan []milestone, 1)
	go func() {
		var got []milestone
		seen := map[string]bool{}
		ctx := context.Background()
		for {
			check := func(name string, ok bool) {
				if ok && !seen[name] {
					seen[name] = true
					got = append(got, milestone{name, time.Since(t0)})
				}
			}
			for _, gvk := range []struct {
				name string
				u    *unstructured.Unstructured
			}{{"Middleware", &unstructured.Unstructured{}}, {"HTTPRoute", &unstructured.Unstructured{}}} {
				if gvk.name == "Middleware" {
					gvk.u.SetGroupVersionKind(render.MiddlewareGVK)
				} else {
					gvk.u.SetGroupVersionKind(render.HTTPRouteGVK)
				}
				err := k.c.Get(ctx, types.NamespacedName{Namespace: fsShopNS, Name: render.ChildName(fsOffer)}, gvk.u)
				check(gvk.name, err == nil)
			}
			var cm corev1.ConfigMap
			if k.c.Get(ctx, types.NamespacedName{Namespace: fsSystemNS, Name: fsRoutesCM}, &cm) == nil {
				check("routes document", strings.Contains(cm.Data[routes.DataKey], `"`+fsOffer+`"`))
			}
			var o v1alpha1.ServiceOffer
			if k.c.Get(ctx, types.NamespacedName{Namespace: fsShopNS, Name: fsOffer}, &o) == nil {
				check("Ready", meta.IsStatusConditionTrue(o.Status.Conditions, v1alpha1.ConditionReady))
			}
			select {
			case <-stop:
				done <- got
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() string {
		close(stop)
		var parts []string
		for _, m := range <-done {
			parts = append(parts, fmt.Sprintf("%s@%dms", m.name, m.at.Milliseconds()))
		}
		return strings.Join(parts, " ")
	}
}

// waitCondition waits until the offer's condition has status (and reason, when set).
func (k *fullStackCluster) waitCondition(t testing.TB, key types.NamespacedName, typ string, status metav1.ConditionStatus, reason string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var o v1alpha1.ServiceOffer
		err := k.c.Get(context.Background(), key, &o)
		var c *metav1.Condition
		if err == nil {
			c = meta.FindStatusCondition(o.Status.Conditions, typ)
			if c != nil && c.Status == status && (reason == "" || c.Reason == reason) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ServiceOffer %s: condition %s not %s/%s after %s (err %v, condition %+v, all %+v)", key, typ, status, reason, timeout, err, c, o.Status.Conditions)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
