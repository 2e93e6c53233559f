package compiledtests

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestConfigMapWatchAgainstKubeAPIServer runs the gate's ConfigMap watch against a
// real kube-apiserver + etcd, authenticated as a service account with a bound token
// and RBAC, the way it runs in a Traefik pod: the document is served, an update is
// picked up through the watch, and an account without RBAC gets 503 (fail closed).
func TestConfigMapWatchAgainstKubeAPIServer(t *testing.T) {
	apiserver := testenv.Bin(t, "kube-apiserver")
	testenv.Bin(t, "etcd")
	env := &envtest.Environment{BinaryAssetsDirectory: filepath.Dir(apiserver)}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const ns = "turnpike-system"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	must(err)
	raw, _ := json.Marshal(doc(1, "kube"))
	_, err = cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "turnpike-routes"},
		Data: map[string]string{routes.DataKey: string(raw)}}, metav1.CreateOptions{})
	must(err)
	// A decoy ConfigMap: the field selector must keep it out.
	_, err = cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other"},
		Data: map[string]string{routes.DataKey: "not a document"}}, metav1.CreateOptions{})
	must(err)
	_, err = cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "routes-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}}}}, metav1.CreateOptions{})
	must(err)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	must(os.WriteFile(caFile, cfg.CAData, 0o600))
	tokenFor := func(sa string, bind bool) string {
		_, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{})
		must(err)
		if bind {
			_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: sa},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "routes-reader"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}}}, metav1.CreateOptions{})
			must(err)
		}
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{}}, metav1.CreateOptions{})
		must(err)
		f := filepath.Join(dir, sa+".token")
		must(os.WriteFile(f, []byte(tr.Status.Token), 0o600))
		return f
	}
	gate := func(tokenFile string) http.Handler {
		c := plugin.CreateConfig()
		c.Offer = "expfmt/kube"
		c.RoutesConfigMap = ns + "/turnpike-routes"
		c.KubernetesAPIURL = cfg.Host
		c.KubernetesTokenFile = tokenFile
		c.KubernetesCAFile = caFile
		c.FacilitatorURL = "http://127.0.0.1:1"
		h, err := plugin.New(ctx, http.NotFoundHandler(), c, "kube@kubernetescrd")
		must(err)
		return h
	}
	price := func(h http.Handler) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "http://h/kube/x", nil))
		var pr x402.PaymentRequired
		if rec.Code == 402 {
			must(x402.DecodeHeader(rec.Header().Get(x402.HeaderPaymentRequired), 0, &pr))
			return rec.Code, pr.Accepts[0].Amount
		}
		return rec.Code, ""
	}
	waitPrice := func(h http.Handler, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, amount := price(h)
			if code == 402 && amount == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("gate answers %d with amount %q, want 402 with %s", code, amount, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	allowed := gate(tokenFor("traefik", true))
	waitPrice(allowed, "10000")

	d := doc(2, "kube")
	d.Offers[0].Payments[0].Amount = "25000"
	raw, _ = json.Marshal(d)
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "turnpike-routes", metav1.GetOptions{})
	must(err)
	cm.Data[routes.DataKey] = string(raw)
	_, err = cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
	must(err)
	waitPrice(allowed, "25000")

	// A bad update is refused; the gate keeps the last good document.
	cm, err = cs.CoreV1().ConfigMaps(ns).Get(ctx, "turnpike-routes", metav1.GetOptions{})
	must(err)
	cm.Data[routes.DataKey] = `{"schema":"somebody-else/v9"}`
	_, err = cs.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
	must(err)
	time.Sleep(300 * time.Millisecond)
	waitPrice(allowed, "25000")

	denied := gate(tokenFor("no-rbac", false))
	time.Sleep(500 * time.Millisecond)
	if code, _ := price(denied); code != http.StatusServiceUnavailable {
		t.Fatalf("a service account without RBAC got %d, want 503", code)
	}
}
