package purchase_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/turnpike-x402/turnpike/buyer/config"
	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/purchase"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
	price = "1000"
)

func controlPlane(t *testing.T) client.Client {
	t.Helper()
	apiserver := testenv.Bin(t, "kube-apiserver")
	testenv.Bin(t, "etcd")
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Dir(apiserver),
		CRDDirectoryPaths:     []string{filepath.Join(testenv.RepoRoot(t), "manifests", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seller answers every request with a v2 402 for amount.
type seller struct {
	mu     sync.Mutex
	amount string
}

func (s *seller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	amount := s.amount
	s.mu.Unlock()
	pr := x402.PaymentRequired{X402Version: 2, Resource: x402.ResourceInfo{URL: "http://seller/x"}, Accepts: []x402.Requirements{{
		Scheme: "exact", Network: "eip155:84532", Amount: amount, Asset: asset, PayTo: payTo, MaxTimeoutSeconds: 60,
		Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)}}}
	h, _ := x402.EncodeHeader(pr)
	w.Header().Set(x402.HeaderPaymentRequired, h)
	w.WriteHeader(http.StatusPaymentRequired)
}

// buyerStatus serves the buyer's GET /status for one upstream.
type buyerStatus struct {
	mu                     sync.Mutex
	loaded                 bool
	remaining, spent, held int
	consumed               []string
}

func (b *buyerStatus) set(remaining, spent int) {
	b.mu.Lock()
	b.loaded, b.remaining, b.spent = true, remaining, spent
	b.mu.Unlock()
}

func (b *buyerStatus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.URL.Path == "/consumed/shop.weather" {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": append([]string{}, b.consumed...)})
		return
	}
	if r.URL.Path != "/status" {
		http.NotFound(w, r)
		return
	}
	ups := map[string]any{}
	if b.loaded {
		ups["shop.weather"] = map[string]int{"remaining": b.remaining, "spent": b.spent, "held": b.held}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"upstreams": ups})
}

func TestPurchaseRequestReconcile(t *testing.T) {
	c := controlPlane(t)
	ctx := context.Background()
	sel := &seller{amount: price}
	sellerSrv := httptest.NewServer(sel)
	defer sellerSrv.Close()
	bs := &buyerStatus{}
	statusSrv := httptest.NewServer(bs)
	defer statusSrv.Close()

	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}); err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.GenerateKey()
	signer := crypto.PubkeyToAddress(key.PublicKey).Hex()
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "signer"},
		Data: map[string][]byte{"key": []byte(fmt.Sprintf("0x%x", crypto.FromECDSA(key)))}}); err != nil {
		t.Fatal(err)
	}
	maxTotal := int32(9)
	pr := &v1alpha1.PurchaseRequest{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "weather"},
		Spec: v1alpha1.PurchaseRequestSpec{
			Endpoint: sellerSrv.URL + "/services/weather",
			Count:    5,
			Payment: v1alpha1.PurchasePayment{Network: "eip155:84532", PayTo: payTo, Amount: price, Asset: asset,
				EIP712Name: "USDC", EIP712Version: "2", ValidForSeconds: 3600},
			SignerSecretRef: &v1alpha1.SecretKeyRef{Name: "signer", Key: "key"},
			AutoRefill:      &v1alpha1.AutoRefill{Enabled: true, Threshold: 2, Count: 3, MaxTotal: &maxTotal, MaxSpendPerDay: "8000"},
		},
	}
	if err := c.Create(ctx, pr); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	r := &purchase.Reconciler{Client: c, BuyerURL: statusSrv.URL, Now: func() time.Time { return now }}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "shop", Name: "weather"}}
	reconcile := func() *v1alpha1.PurchaseRequest {
		t.Helper()
		for i := 0; i < 5; i++ {
			res, err := r.Reconcile(ctx, req)
			if err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			if res.RequeueAfter != purchase.ConflictRetry {
				break
			}
		}
		var got v1alpha1.PurchaseRequest
		if err := c.Get(ctx, req.NamespacedName, &got); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return &got
	}
	cond := func(p *v1alpha1.PurchaseRequest, typ string) metav1.Condition {
		if c := meta.FindStatusCondition(p.Status.Conditions, typ); c != nil {
			return *c
		}
		return metav1.Condition{}
	}
	auths := func() ([]json.RawMessage, purchase.Ledger) {
		var cm corev1.ConfigMap
		if err := c.Get(ctx, types.NamespacedName{Namespace: "shop", Name: purchase.DefaultAuthsConfigMap}, &cm); err != nil {
			t.Fatal(err)
		}
		var list []json.RawMessage
		if err := json.Unmarshal([]byte(cm.Data["shop.weather.json"]), &list); err != nil {
			t.Fatal(err)
		}
		l, err := purchase.ParseLedger(cm.Data["shop.weather.ledger"])
		if err != nil {
			t.Fatal(err)
		}
		return list, l
	}

	// 1. Initial pool: count authorizations, even before the buyer reports.
	got := reconcile()
	list, ledger := auths()
	if len(list) != 5 || ledger.TotalSigned != 5 || got.Status.TotalSigned != 5 || got.Status.Remaining != 5 {
		t.Fatalf("initial: %d auths, ledger %+v, status %+v", len(list), ledger, got.Status)
	}
	if got.Status.ProbedPrice != price || got.Status.ProbedAt == nil || got.Status.SignerAddress != signer {
		t.Fatalf("probe/signer status %+v", got.Status)
	}
	if cond(got, v1alpha1.ConditionProbed).Status != metav1.ConditionTrue || cond(got, purchase.ConditionReady).Status != metav1.ConditionTrue {
		t.Fatalf("conditions %+v", got.Status.Conditions)
	}
	// The ConfigMaps are exactly what the buyer loads (ConfigMap directory mounts).
	snap := loadAsBuyer(t, c)
	if u := snap.Upstreams["shop.weather"]; u == nil || u.RemoteModel != "weather" || u.Price != price || len(snap.Auths["shop.weather"]) != 5 {
		t.Fatalf("buyer view: %+v auths %d", snap.Upstreams, len(snap.Auths["shop.weather"]))
	}
	for _, a := range snap.Auths["shop.weather"] {
		if !strings.EqualFold(a.Authorization.From, signer) || a.Value.Cmp(big.NewInt(1000)) != 0 {
			t.Fatalf("auth %+v", a)
		}
	}

	// 2. Above the threshold: nothing new.
	bs.set(3, 2)
	got = reconcile()
	if _, l := auths(); l.TotalSigned != 5 || got.Status.Spent != 2 || got.Status.Remaining != 3 || got.Status.TotalSpent != "2000" {
		t.Fatalf("above threshold: ledger %+v status %+v", l, got.Status)
	}

	// 3. Below the threshold: refill autoRefill.count, within the pool size. The four
	// the buyer reports consumed leave the ConfigMap.
	bs.set(1, 4)
	bs.mu.Lock()
	for _, a := range snap.Auths["shop.weather"][:4] {
		bs.consumed = append(bs.consumed, a.Key)
	}
	bs.mu.Unlock()
	got = reconcile()
	if list, l := auths(); l.TotalSigned != 8 || len(list) != 4 || got.Status.Remaining != 4 {
		t.Fatalf("refill: %d auths in the ConfigMap (want 1 left + 3 new), ledger %+v status %+v", len(list), l, got.Status)
	}

	// 4. maxSpendPerDay (8 × price in 24 h) stops the next refill, though maxTotal
	// would allow one more.
	bs.set(0, 8)
	got = reconcile()
	if _, l := auths(); l.TotalSigned != 8 {
		t.Fatalf("spend cap exceeded: ledger %+v", l)
	}
	if cond(got, purchase.ConditionReady).Status != metav1.ConditionFalse {
		t.Fatalf("empty pool reported ready: %+v", got.Status.Conditions)
	}
	// 25 h later the window has room again; maxTotal (9) allows exactly one more.
	now = now.Add(25 * time.Hour)
	got = reconcile()
	if _, l := auths(); l.TotalSigned != 9 {
		t.Fatalf("after the window: ledger %+v", l)
	}
	bs.set(0, 9)
	now = now.Add(25 * time.Hour)
	reconcile()
	if _, l := auths(); l.TotalSigned != 9 {
		t.Fatalf("maxTotal exceeded: ledger %+v", l)
	}

	// 5. The seller raises its price: Probed false, nothing signed.
	sel.mu.Lock()
	sel.amount = "2000"
	sel.mu.Unlock()
	bs.set(0, 9)
	got = reconcile()
	if c := cond(got, v1alpha1.ConditionProbed); c.Status != metav1.ConditionFalse || c.Reason != purchase.ReasonTermsMismatch || got.Status.ProbedPrice != "2000" {
		t.Fatalf("mismatch: %+v probed %s", c, got.Status.ProbedPrice)
	}

	// 6. Authorizations signed elsewhere are checked and written as given; one that
	// pays someone else refuses the whole set.
	sel.mu.Lock()
	sel.amount = price
	sel.mu.Unlock()
	req402 := x402.Requirements{Scheme: "exact", Network: "eip155:84532", Amount: price, Asset: asset, PayTo: payTo, MaxTimeoutSeconds: 60, Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)}
	presigned := func(to string, n int) []v1alpha1.PreSignedAuth {
		rq := req402
		rq.PayTo = to
		var out []v1alpha1.PreSignedAuth
		for i := 0; i < n; i++ {
			p, err := eip3009.NewPayment(key, rq, nil, eip3009.PaymentOptions{ValidFor: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(p)
			out = append(out, v1alpha1.PreSignedAuth{ID: fmt.Sprintf("ext-%d", i), Payment: apiextensionsv1.JSON{Raw: raw}})
		}
		return out
	}
	for _, tc := range []struct {
		desc, name string
		auths      []v1alpha1.PreSignedAuth
		ready      bool
		reason     string
	}{
		{desc: "valid", name: "ext-ok", auths: presigned(payTo, 3), ready: true, reason: purchase.ReasonPoolReady},
		{desc: "pays another address", name: "ext-bad", auths: append(presigned(payTo, 1), presigned("0x0000000000000000000000000000000000000001", 1)...), reason: purchase.ReasonInvalidAuths},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ext := &v1alpha1.PurchaseRequest{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: tc.name}, Spec: v1alpha1.PurchaseRequestSpec{
				Endpoint: sellerSrv.URL + "/x", Count: 3, Payment: pr.Spec.Payment, PreSignedAuths: tc.auths}}
			if err := c.Create(ctx, ext); err != nil {
				t.Fatal(err)
			}
			r2 := &purchase.Reconciler{Client: c}
			nn := types.NamespacedName{Namespace: "shop", Name: tc.name}
			for i := 0; i < 3; i++ {
				if _, err := r2.Reconcile(ctx, ctrl.Request{NamespacedName: nn}); err != nil {
					t.Fatal(err)
				}
			}
			var got v1alpha1.PurchaseRequest
			if err := c.Get(ctx, nn, &got); err != nil {
				t.Fatal(err)
			}
			ac := cond(&got, v1alpha1.ConditionAuthorizationsReady)
			if (ac.Status == metav1.ConditionTrue) != tc.ready || ac.Reason != tc.reason {
				t.Fatalf("AuthorizationsReady %+v", ac)
			}
			var cm corev1.ConfigMap
			if err := c.Get(ctx, types.NamespacedName{Namespace: "shop", Name: purchase.DefaultAuthsConfigMap}, &cm); err != nil {
				t.Fatal(err)
			}
			_, written := cm.Data["shop."+tc.name+".json"]
			if written != tc.ready {
				t.Fatalf("auths written: %v", written)
			}
			if tc.ready && got.Status.TotalSigned != 3 {
				t.Fatalf("status %+v", got.Status)
			}
		})
	}

	// 7. Delete: the keys leave both ConfigMaps, the finalizer goes.
	if err := c.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	reconcile()
	var cm corev1.ConfigMap
	if err := c.Get(ctx, types.NamespacedName{Namespace: "shop", Name: purchase.DefaultAuthsConfigMap}, &cm); err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data["shop.weather.json"]; ok {
		t.Fatal("auths key survived the delete")
	}
	var gone v1alpha1.PurchaseRequest
	if err := c.Get(ctx, req.NamespacedName, &gone); !apierrors.IsNotFound(err) {
		t.Fatalf("request not deleted: %v", err)
	}
}

// loadAsBuyer writes both ConfigMaps as directory mounts and loads them the way the
// buyer does.
func loadAsBuyer(t *testing.T, c client.Client) *config.Snapshot {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{purchase.DefaultConfigMap, purchase.DefaultAuthsConfigMap} {
		var cm corev1.ConfigMap
		if err := c.Get(context.Background(), types.NamespacedName{Namespace: "shop", Name: name}, &cm); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		for k, v := range cm.Data {
			if err := os.WriteFile(filepath.Join(dir, name, k), []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	snap, err := config.Load(config.Sources{ConfigDir: filepath.Join(dir, purchase.DefaultConfigMap), AuthsDir: filepath.Join(dir, purchase.DefaultAuthsConfigMap)})
	if err != nil {
		t.Fatalf("the buyer refuses what the controller wrote: %v", err)
	}
	return snap
}
