package manager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/purchase"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	usdc  = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
)

// run starts the controller process (manager.Run, as the binary does) until the test
// ends.
func run(t *testing.T, k *kubetest.Cluster, o manager.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	o.Config = k.Config
	o.Settings = render.Settings{PluginName: "turnpike", RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes"}
	o.MetricsAddress, o.HealthAddress = "0", "0"
	started := make(chan struct{})
	o.OnStarted = func(manager.Addresses) { close(started) }
	done := make(chan error, 1)
	go func() { done <- manager.Run(ctx, o) }()
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
	case <-started:
	case err := <-done:
		t.Fatalf("controller exited: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("controller did not start")
	}
}

// TestManager runs one controller process (manager.Run, as the binary does; one per
// test binary, because controller names are process-wide) against a real API server,
// with every API request it sends recorded.
func TestManager(t *testing.T) {
	k := kubetest.Start(t)
	for _, ns := range []string{"turnpike-system", "shop", "buyers"} {
		k.Namespace(t, ns)
	}
	k.Service(t, "shop", "api", 8080)
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer health.Close()
	var statusReads atomic.Int64
	buyer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/status" {
			statusReads.Add(1)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"upstreams": map[string]any{}})
	}))
	defer buyer.Close()

	log := &requestLog{}
	cfg := rest.CopyConfig(k.Config)
	cfg.Wrap(log.wrap)
	kc := *k
	kc.Config = cfg
	run(t, &kc, manager.Options{HealthBaseURL: health.URL, RetryAfter: time.Second, BuyerNamespace: "buyers", BuyerURL: buyer.URL})

	// Runs first: it is about the first offer that needs a Service.
	t.Run("the first offer reads its Service directly", func(t *testing.T) { firstOffer(t, k, log) })
	t.Run("PurchaseRequests are reconciled into the buyer namespace", func(t *testing.T) { purchaseRequests(t, k, &statusReads) })
}

func newOffer(name, asset string) *v1alpha1.ServiceOffer {
	return &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream: v1alpha1.UpstreamSpec{Service: "api", Port: 8080},
			// No Gateway here: an IngressRoute counts once applied.
			Route: v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute},
			Payment: v1alpha1.PaymentSpec{PayTo: payTo, Accepts: []v1alpha1.PaymentOption{
				{Network: "eip155:84532", Amount: "10000", Asset: v1alpha1.AssetSpec{Address: asset}}}},
		},
	}
}

func waitCondition(t *testing.T, k *kubetest.Cluster, name, typ string, status metav1.ConditionStatus, reason string, poll time.Duration) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var o v1alpha1.ServiceOffer
		if err := k.Client.Get(context.Background(), types.NamespacedName{Namespace: "shop", Name: name}, &o); err != nil {
			t.Fatal(err)
		}
		if c := meta.FindStatusCondition(o.Status.Conditions, typ); c != nil && c.Status == status && c.Reason == reason {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s=%s/%s after 30 s: %+v", name, typ, status, reason, o.Status.Conditions)
		}
		time.Sleep(poll)
	}
}

// firstOffer: the upstream check reads the one Service it needs from the API server
// instead of starting a cluster-wide Service informer on the first offer (a list and a
// watch of every Service before the first offer can be Ready, and every Service of the
// cluster held in memory).
func firstOffer(t *testing.T, k *kubetest.Cluster, log *requestLog) {
	ctx := context.Background()
	// Warm-up: an offer refused before its upstream is looked at (a token without a
	// known EIP-712 domain) proves the controller's own informers run, so the
	// measurement below is the first offer's alone.
	if err := k.Client.Create(ctx, newOffer("warmup", "0x00000000000000000000000000000000000000aa")); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, k, "warmup", v1alpha1.ConditionReady, metav1.ConditionFalse, render.ReasonUnknownToken, 100*time.Millisecond)

	start := time.Now()
	if err := k.Client.Create(ctx, newOffer("weather", usdc)); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, k, "weather", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing, 5*time.Millisecond)
	t.Logf("controller: first_offer_apply_to_ready_ms=%d", time.Since(start).Milliseconds())

	for _, tc := range []struct {
		desc, method, path string
		want               bool
	}{
		{desc: "the offer's Service is read", method: http.MethodGet, path: "/api/v1/namespaces/shop/services/api", want: true},
		{desc: "no cluster-wide Service list or watch", method: http.MethodGet, path: "/api/v1/services", want: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := log.matching(tc.method, tc.path); (len(got) > 0) != tc.want {
				t.Fatalf("%s %s: sent %v, want sent=%v", tc.method, tc.path, got, tc.want)
			}
		})
	}
}

// purchaseRequests: the process runs the PurchaseRequest reconciler with
// --buyer-namespace and --buyer-url: a request in one namespace fills the buyer
// ConfigMaps in another, and the buyer's status endpoint is asked for the pool.
func purchaseRequests(t *testing.T, k *kubetest.Cluster, statusReads *atomic.Int64) {
	ctx := context.Background()
	seller := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr := x402.PaymentRequired{X402Version: 2, Resource: x402.ResourceInfo{URL: "http://seller/x"}, Accepts: []x402.Requirements{{
			Scheme: "exact", Network: "eip155:84532", Amount: "1000", Asset: usdc, PayTo: payTo, MaxTimeoutSeconds: 60,
			Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)}}}
		h, _ := x402.EncodeHeader(pr)
		w.Header().Set(x402.HeaderPaymentRequired, h)
		w.WriteHeader(http.StatusPaymentRequired)
	}))
	defer seller.Close()
	key, _ := crypto.GenerateKey()
	if err := k.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "signer"},
		Data: map[string][]byte{"key": []byte(fmt.Sprintf("%x", crypto.FromECDSA(key)))}}); err != nil {
		t.Fatal(err)
	}
	pr := &v1alpha1.PurchaseRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "weather"},
		Spec: v1alpha1.PurchaseRequestSpec{
			Endpoint:        seller.URL + "/services/weather",
			Count:           3,
			Payment:         v1alpha1.PurchasePayment{Network: "eip155:84532", PayTo: payTo, Amount: "1000", Asset: usdc, EIP712Name: "USDC", EIP712Version: "2"},
			SignerSecretRef: &v1alpha1.SecretKeyRef{Name: "signer", Key: "key"},
		},
	}
	if err := k.Client.Create(ctx, pr); err != nil {
		t.Fatal(err)
	}

	testutil.EventuallyNoError(t, 30*time.Second, "PurchaseRequest Ready", func() error {
		var got v1alpha1.PurchaseRequest
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "shop", Name: "weather"}, &got); err != nil {
			return err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, purchase.ConditionReady)
		if c == nil || c.Status != metav1.ConditionTrue || got.Status.TotalSigned != 3 {
			return fmt.Errorf("status %+v", got.Status)
		}
		return nil
	})
	for _, tc := range []struct {
		desc, configMap, key string
	}{
		{desc: "upstream config", configMap: purchase.DefaultConfigMap, key: "shop.weather.json"},
		{desc: "authorizations", configMap: purchase.DefaultAuthsConfigMap, key: "shop.weather.json"},
		{desc: "signing ledger", configMap: purchase.DefaultAuthsConfigMap, key: "shop.weather.ledger"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var cm corev1.ConfigMap
			if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "buyers", Name: tc.configMap}, &cm); err != nil {
				t.Fatalf("buyer namespace: %v", err)
			}
			if cm.Data[tc.key] == "" {
				t.Fatalf("%s has no %s: %v", tc.configMap, tc.key, cm.Data)
			}
		})
	}
	if statusReads.Load() == 0 {
		t.Fatal("the buyer's /status was never read: --buyer-url is not wired")
	}
}

// requestLog records the API requests the controller sends.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		l.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

func (l *requestLog) matching(method, path string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.reqs {
		if strings.HasPrefix(r, method+" "+path+"?") {
			out = append(out, r)
		}
	}
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
