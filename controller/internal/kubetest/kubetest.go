// Package kubetest starts a real control plane (kube-apiserver + etcd, envtest) with
// Turnpike's generated CRDs and the Traefik and Gateway API CRDs, for the controller's
// integration tests. The binaries come from $TURNPIKE_BIN (scripts/install-deps.d);
// a missing one fails the test.
package kubetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// Cluster is a running control plane and an admin client.
type Cluster struct {
	Config     *rest.Config
	Client     client.Client
	Kubeconfig string // file, for other processes
	// Token is a static bearer token of a cluster admin (StartWithToken only), for
	// clients that cannot use client certificates (the gate's ConfigMap watch).
	Token string
	// CAFile holds the API server's serving CA.
	CAFile string
}

// Start starts the control plane; it stops when the test ends.
func Start(t *testing.T) *Cluster { return start(t, "", true) }

// StartWithoutGatewayAPI starts a control plane without the Gateway API CRDs, for
// tests of a controller that starts before they are installed (InstallGatewayAPI).
func StartWithoutGatewayAPI(t *testing.T) *Cluster { return start(t, "", false) }

// InstallGatewayAPI installs the Gateway API CRDs and waits until they are served.
func (c *Cluster) InstallGatewayAPI(t *testing.T) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "manifests", "testdata", "thirdparty-crds", "gateway-api")
	if _, err := envtest.InstallCRDs(c.Config, envtest.CRDInstallOptions{Paths: []string{dir}, ErrorIfPathMissing: true}); err != nil {
		t.Fatalf("install the Gateway API CRDs: %v", err)
	}
}

// StartWithToken also accepts the static admin bearer token returned in Cluster.Token.
func StartWithToken(t *testing.T) *Cluster { return start(t, "turnpike-test-token", true) }

func start(t *testing.T, token string, gatewayAPI bool) *Cluster {
	t.Helper()
	apiserver := testenv.Bin(t, "kube-apiserver")
	etcd := testenv.Bin(t, "etcd")
	if filepath.Dir(apiserver) != filepath.Dir(etcd) {
		t.Fatalf("kube-apiserver (%s) and etcd (%s) must share a folder for envtest", apiserver, etcd)
	}
	root := testenv.RepoRoot(t)
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Dir(apiserver),
		CRDDirectoryPaths: []string{
			filepath.Join(root, "manifests", "crds"),
			filepath.Join(root, "manifests", "testdata", "thirdparty-crds", "traefik"),
		},
		ErrorIfCRDPathMissing: true,
	}
	if gatewayAPI {
		env.CRDDirectoryPaths = append(env.CRDDirectoryPaths, filepath.Join(root, "manifests", "testdata", "thirdparty-crds", "gateway-api"))
	}
	if token != "" {
		file := filepath.Join(t.TempDir(), "tokens.csv")
		if err := os.WriteFile(file, []byte(token+",turnpike-test-token-user,tt-uid,\"system:masters\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env.ControlPlane.GetAPIServer().Configure().Set("token-auth-file", file)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop control plane: %v", err)
		}
	})
	scheme, err := manager.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := env.AddUser(envtest.User{Name: "turnpike-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(ca, cfg.CAData, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Cluster{Config: cfg, Client: c, Kubeconfig: path, Token: token, CAFile: ca}
}

// Namespace creates a namespace (idempotent).
func (c *Cluster) Namespace(t testing.TB, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// Service creates a Service with one HTTP port (idempotent).
func (c *Cluster) Service(t *testing.T, ns, name string, port int32) {
	t.Helper()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: port}}},
	}
	if err := c.Client.Create(context.Background(), svc); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
