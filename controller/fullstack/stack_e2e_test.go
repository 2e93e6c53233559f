//go:build e2e

package fullstack

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
)

// externalService creates the upstream Service shop/<name>: ExternalName to
// loopback (see the package comment), on up's port. It returns the port.
func externalService(t *testing.T, k *kubetest.Cluster, name string, up *httptest.Server) int32 {
	t.Helper()
	_, portStr, _ := net.SplitHostPort(strings.TrimPrefix(up.URL, "http://"))
	port, _ := strconv.Atoi(portStr)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "127.0.0.1",
			Ports: []corev1.ServicePort{{Name: "http", Port: int32(port)}}},
	}
	if err := k.Client.Create(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return int32(port)
}

// startStack runs the controller (in this process) against k, installs Traefik's CRD
// bundle and starts Traefik with the gate as a local plugin. The gate watches the
// routes ConfigMap with the API server token; facilitatorURL is every offer's
// default facilitator. Both stop when the test ends.
func startStack(t *testing.T, k *kubetest.Cluster, up *httptest.Server, facilitatorURL string) *traefiktest.Traefik {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(k.Token), 0o600); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- manager.Run(runCtx, manager.Options{
			Config: k.Config,
			Settings: render.Settings{
				PluginName: "turnpike", RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes",
				FacilitatorURL:          facilitatorURL,
				GateKubernetesAPIURL:    k.Config.Host,
				GateKubernetesTokenFile: tokenFile,
				GateKubernetesCAFile:    k.CAFile,
				DefaultEntryPoints:      []string{"web"},
			},
			MetricsAddress: "0", HealthAddress: "0",
			HealthBaseURL: up.URL, RetryAfter: time.Second, RecheckAfter: 5 * time.Second,
			// The tests of this package each run a manager in the same process.
			SkipNameValidation: true,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller: %v", err)
		}
	})
	// Traefik's CRD provider waits for every kind of its bundle (ServersTransport,
	// TLSOption, ...), not only the two the controller renders: install the whole
	// bundle of the very module the Traefik binary was built from.
	if _, err := envtest.InstallCRDs(k.Config, envtest.CRDInstallOptions{Paths: []string{testenv.TraefikCRDs(t)}, ErrorIfPathMissing: true}); err != nil {
		t.Fatalf("install Traefik CRD bundle: %v", err)
	}
	return startTraefik(t, k.Kubeconfig)
}

// testPayment is the terms both full-stack offers sell at: 0.01 of Base Sepolia's
// USDC per request.
func testPayment() v1alpha1.PaymentSpec {
	return v1alpha1.PaymentSpec{
		PayTo: "0x1111111111111111111111111111111111111111",
		Accepts: []v1alpha1.PaymentOption{{Network: "eip155:84532", Amount: "10000",
			Asset: v1alpha1.AssetSpec{Address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e"}}},
	}
}

// createReady creates the offer, waits until the controller reports it Ready and
// returns it as published.
func createReady(t *testing.T, k *kubetest.Cluster, o *v1alpha1.ServiceOffer) v1alpha1.ServiceOffer {
	t.Helper()
	ctx := context.Background()
	if err := k.Client.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	var got v1alpha1.ServiceOffer
	testutil.EventuallyNoError(t, 30*time.Second, "offer ready", func() error {
		if err := k.Client.Get(ctx, types.NamespacedName{Namespace: o.Namespace, Name: o.Name}, &got); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("conditions %+v", got.Status.Conditions)
		}
		return nil
	})
	return got
}
