//go:build e2e

package fullstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/x402"
)

// seen is what the upstream got for one request.
type seen struct{ path, auth string }

// TestUpstreamBasePathAndCredentialThroughTheCRDProvider: an IngressRoute offer with
// spec.upstream.basePath and spec.upstream.auth. The controller renders the gate's
// Middleware with the Secret's URN only, Traefik's kubernetesCRD provider resolves it,
// and the upstream gets its own path (rewritten after the gate) and the credential on
// a paid request, neither on a free one. The facilitator is a stand-in that accepts
// every payment (the chain is proven in e2e/inference_e2e_test.go).
func TestUpstreamBasePathAndCredentialThroughTheCRDProvider(t *testing.T) {
	ctrllog.SetLogger(logr.Discard())
	ctx := context.Background()
	k := kubetest.StartWithToken(t)
	k.Namespace(t, "turnpike-system")
	k.Namespace(t, "shop")

	const secret = "sk-fullstack-7c1e"
	var mu sync.Mutex
	var got []seen
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The controller's own probes (health, model list) are not traffic through
		// the gate; they would race with last().
		switch r.Header.Get("User-Agent") {
		case "turnpike-controller/models":
			// Like vLLM started with --api-key: the model list wants the key too. The
			// controller never reads Secrets, so the offer is Ready with the model
			// unchecked (ModelListProtected) and the credential is Traefik's alone.
			if r.Header.Get("Authorization") != "Bearer "+secret {
				http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, `{"object":"list","data":[{"id":"stand-in","object":"model"}]}`)
			return
		case "turnpike-controller/health":
			return
		}
		mu.Lock()
		got = append(got, seen{r.URL.Path, r.Header.Get("Authorization")})
		mu.Unlock()
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(up.Close)
	last := func() seen {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return seen{}
		}
		return got[len(got)-1]
	}
	fac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/verify":
			_, _ = io.WriteString(w, `{"isValid":true}`)
		case "/settle":
			_, _ = io.WriteString(w, `{"success":true,"transaction":"0x`+strings.Repeat("ab", 32)+`","network":"eip155:84532"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(fac.Close)
	upPort := externalService(t, k, "llm", up)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "llm-key"}, Data: map[string][]byte{"token": []byte(secret)}}
	if err := k.Client.Create(ctx, sec); err != nil {
		t.Fatal(err)
	}

	tr := startStack(t, k, up, fac.URL)
	base := tr.URL("")

	offer := &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "llm"},
		Spec: v1alpha1.ServiceOfferSpec{
			Type:  v1alpha1.OfferTypeInference,
			Model: &v1alpha1.ModelSpec{Name: "stand-in"},
			Upstream: v1alpha1.UpstreamSpec{Service: "llm", Port: upPort, BasePath: "/",
				Auth: &v1alpha1.UpstreamAuthSpec{SecretRef: v1alpha1.SecretKeyRef{Name: "llm-key", Key: "token"}, Prefix: "Bearer "}},
			Route:   v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute},
			Paths:   []v1alpha1.PathRule{{Path: "/health", Free: true}},
			Payment: testPayment(),
		},
	}
	published := createReady(t, k, offer)
	if c := meta.FindStatusCondition(published.Status.Conditions, v1alpha1.ConditionModelReady); c == nil || c.Reason != "ModelListProtected" {
		t.Fatalf("ModelReady %+v, want True ModelListProtected (the model list wants the key the controller never reads)", c)
	}

	t.Run("published objects hold the Secret reference, never the value", func(t *testing.T) {
		mw := &unstructured.Unstructured{}
		mw.SetGroupVersionKind(render.MiddlewareGVK)
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "shop", Name: render.ChildName("llm")}, mw); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(mw.Object["spec"])
		if !strings.Contains(string(raw), `"upstreamAuthValue":"urn:k8s:secret:llm-key:token"`) || strings.Contains(string(raw), secret) {
			t.Fatalf("gate Middleware spec %s: want the URN, not the value", raw)
		}
		rw := &unstructured.Unstructured{}
		rw.SetGroupVersionKind(render.MiddlewareGVK)
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "shop", Name: render.PathRewriteName("llm")}, rw); err != nil {
			t.Fatalf("rewrite Middleware: %v", err)
		}
		var cm corev1.ConfigMap
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: "turnpike-system", Name: "turnpike-routes"}, &cm); err != nil {
			t.Fatal(err)
		}
		doc := fmt.Sprint(cm.Data)
		if strings.Contains(doc, secret) || strings.Contains(doc, "llm-key") || !strings.Contains(doc, `"type":"inference"`) {
			t.Fatalf("routes document %s: want the type and nothing of the credential", doc)
		}
	})

	chat := base + "/services/llm/v1/chat/completions"
	var pr x402.PaymentRequired
	testutil.EventuallyNoError(t, 60*time.Second, "402 through Traefik", func() error {
		a := get(t, chat)
		if a.code != http.StatusPaymentRequired || a.required == nil {
			return fmt.Errorf("%d %s", a.code, a.body)
		}
		pr = *a.required
		return nil
	})

	t.Run("free path: rewritten, no credential", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, base+"/services/llm/health", nil)
		req.Header.Set("Authorization", "Bearer client-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if s := last(); resp.StatusCode != http.StatusOK || s.path != "/health" || s.auth != "" {
			t.Fatalf("HTTP %d; upstream saw %+v, want /health without Authorization", resp.StatusCode, s)
		}
	})

	t.Run("paid request: rewritten, with the resolved credential", func(t *testing.T) {
		key, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		p, err := eip3009.NewPayment(key, pr.Accepts[0], &pr.Resource, eip3009.PaymentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h, err := x402.EncodeHeader(p)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, chat, bytes.NewReader([]byte(`{"model":"stand-in","stream":false}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer client-key")
		req.Header.Set(x402.HeaderPaymentSignature, h)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("paid request: HTTP %d %s", resp.StatusCode, body)
		}
		if s := last(); s.path != "/v1/chat/completions" || s.auth != "Bearer "+secret {
			t.Fatalf("upstream saw %+v, want /v1/chat/completions with the Secret's value", s)
		}
	})

	// The gate never logs the value. Traefik itself prints every dynamic configuration
	// it receives, resolved Secrets included, at DEBUG (the harness's level; the
	// shipped manifests/traefik/traefik.yml logs at INFO): that line is the only one
	// allowed to hold it.
	t.Run("the resolved value is in no log line but Traefik's DEBUG configuration dump", func(t *testing.T) {
		for _, rec := range tr.LogLines() {
			raw, _ := json.Marshal(rec)
			if !strings.Contains(string(raw), secret) {
				continue
			}
			if rec["level"] != "debug" || rec["message"] != "Configuration received" {
				t.Errorf("a log line other than Traefik's DEBUG configuration dump holds the Secret's value: %v %v", rec["caller"], rec["level"])
			}
		}
	})
}
