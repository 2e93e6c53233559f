//go:build e2e

package cluster

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	authnv1 "k8s.io/api/authentication/v1"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/turnpike-x402/turnpike/contracts/identity"
	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testupstream"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	systemNS     = "turnpike-system"
	routesCM     = "turnpike-routes"
	shopNS       = "shop"
	offerName    = "weather"
	offerPrice   = "1000" // atomic units of the dev USDC (6 decimals)
	turnpikeRef  = "ghcr.io/turnpike-x402/turnpike:v0.1.0"
	upstreamRef  = "turnpike.local/testupstream:v1"
	traefikNS    = "traefik"
	traefikSA    = "traefik"
	traefikProbe = "traefik-identity"
)

var offerGVR = schema.GroupVersionResource{Group: v1alpha1.GroupVersion.Group, Version: v1alpha1.GroupVersion.Version, Resource: "serviceoffers"}

// TestProductInCluster installs the product into the real one-node cluster the way
// manifests/README.md tells a platform team to: `kubectl apply -k manifests/`, the dev
// chain as a pod, the facilitator overlay, then a seller's upstream and ServiceOffer.
// Every pod runs from the images `make images` built, under Pod Security `restricted`;
// RBAC is checked with tokens the kubelet projected into the pods; the leader pod is
// deleted and the standby must take over with no change to the offer's status. Then
// Traefik runs as 2 pods (testdata/incluster/traefik.yaml, what the chart renders from
// manifests/traefik/values.yaml) with the gate loaded from plugins-local: a 402 through
// its Service, the official v2 client and the buyer sidecar example pay through it,
// Traefik is rolled under paid load, and the price is changed while it serves.
func TestProductInCluster(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the in-cluster test needs root (mounts, cgroups, iptables)")
	}
	root := testenv.RepoRoot(t)
	images := os.Getenv("TURNPIKE_IMAGES_DIR")
	if images == "" {
		images = filepath.Join(root, "build", "images")
	}
	tars := map[string]string{}
	for _, name := range []string{"pause", "turnpike", "testupstream", "traefik"} {
		p := filepath.Join(images, name+".tar")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s missing: run `make image image-pause image-testupstream image-traefik` (make e2e-cluster does): %v", p, err)
		}
		tars[name] = p
	}
	ph := &phases{t: t}
	t.Cleanup(ph.report) // registered first, so it runs after the cluster's Stop
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	dir := t.TempDir()
	t0 := time.Now()
	c, err := Start(ctx, Config{
		Dir: dir, BinDir: testenv.BinDir(), PauseImage: pauseImage, PauseImageTar: tars["pause"],
		Runc: os.Getenv("TURNPIKE_RUNC"), Logf: t.Logf,
	})
	if err != nil {
		t.Fatalf("start: %v (logs in %s)", err, filepath.Join(dir, "logs"))
	}
	ph.done("cluster start (to node Ready)", t0)
	t.Cleanup(func() {
		t1 := time.Now()
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
		ph.done("cluster stop", t1)
	})
	k := &kubectl{t: t, bin: testenv.Bin(t, "kubectl"), kubeconfig: c.Kubeconfig, cache: filepath.Join(dir, "kubectl-cache")}
	dyn, err := dynamic.NewForConfig(c.RESTConfig)
	if err != nil {
		t.Fatal(err)
	}
	diagnose := func() string {
		var b strings.Builder
		for _, ns := range []string{systemNS, "turnpike-devnet", shopNS, traefikNS} {
			b.WriteString(c.describe(ctx, ns))
		}
		fmt.Fprintf(&b, "kubelet errors:\n%s\n", grepLog(c.Log("kubelet"), "E1", 8))
		if out, err := k.run("", "get", "middlewares.traefik.io,ingressroutes.traefik.io", "-A", "-o", "wide"); err == nil {
			fmt.Fprintf(&b, "traefik objects:\n%s\n", out)
		}
		// Traefik's own account of its routers and the plugin, once it runs.
		if out, err := k.run("", "-n", traefikNS, "logs", "-l", traefikSelector, "-c", "traefik", "--prefix", "--tail=60"); err == nil {
			fmt.Fprintf(&b, "traefik logs:\n%s\n", out)
		}
		fmt.Fprintf(&b, "traefik and gate metrics:\n%s\n", traefikMetrics(ctx, c))
		return b.String()
	}

	t1 := time.Now()
	for _, name := range []string{"turnpike", "testupstream"} {
		if err := c.ImportImage(ctx, tars[name]); err != nil {
			t.Fatal(err)
		}
	}
	ph.done("import turnpike + testupstream images", t1)

	// 1. The control plane, exactly as the README's step 2.
	t1 = time.Now()
	k.must("", "apply", "-k", filepath.Join(root, "manifests"))
	k.must("", "wait", "--for=condition=Established", "--timeout=60s",
		"crd/serviceoffers.x402.turnpike.dev", "crd/purchaserequests.x402.turnpike.dev")
	ph.done("kubectl apply -k manifests/ (CRDs Established)", t1)

	// 2. A chain for the facilitator: the dev chain as a pod.
	t1 = time.Now()
	k.must("", "apply", "-k", filepath.Join(root, "manifests", "examples", "devnet"))
	k.rollout("turnpike-devnet", "deployment/turnpike-devnet", diagnose)
	ph.done("dev chain pod Ready", t1)

	// 3. The facilitator overlay, with what its header says to create first: the relayer
	// key Secret and, with no storage provisioner here, a volume for its claim store.
	t1 = time.Now()
	key, err := devchain.DevKey(devchain.RoleFacilitator)
	if err != nil {
		t.Fatal(err)
	}
	k.must("", "-n", systemNS, "create", "secret", "generic", "turnpike-facilitator-key",
		"--from-literal=key=0x"+hex.EncodeToString(crypto.FromECDSA(key)))
	createStateVolume(ctx, t, c, filepath.Join(dir, "volumes", "facilitator-state"))
	k.must("", "apply", "-k", filepath.Join(root, "manifests", "examples", "devnet", "facilitator"))
	// The seller's upstream wants to know who paid (--payer-header): the gate passes
	// the verified payer in it, and the test upstream counts every arrival without it
	// as unpaid. Patched in the same rollout the overlay starts.
	// The seller's agent is registered on the dev chain's ERC-8004 registry (issue
	// #12: a leader change must not register it twice): the owner key as a Secret the
	// controller reads from a volume, as a platform team would provide it.
	ownerKey, err := devchain.DevKey(devchain.RoleController)
	if err != nil {
		t.Fatal(err)
	}
	k.must("", "-n", systemNS, "create", "secret", "generic", "turnpike-registry-key",
		"--from-literal=key=0x"+hex.EncodeToString(crypto.FromECDSA(ownerKey)))
	k.must("", "-n", systemNS, "patch", "deployment", "turnpike-controller", "--type=json", "-p", controllerPatch(payerHeader))
	k.rollout(systemNS, "deployment/turnpike-facilitator", diagnose)
	ph.done("facilitator overlay applied to facilitator Ready", t1)
	// The overlay adds --facilitator-url to the controller: a rollout of both replicas.
	k.rollout(systemNS, "deployment/turnpike-controller", diagnose)
	ph.done("facilitator overlay applied to controller rollout done (2 replicas)", t1)

	t.Run("facilitator signs on the dev chain", func(t *testing.T) {
		// Its readiness probe (/supported) passed; its log says which chain and key.
		logs := k.must("", "-n", systemNS, "logs", "deployment/turnpike-facilitator")
		relayer := crypto.PubkeyToAddress(key.PublicKey).Hex()
		for _, want := range []string{`"msg":"chain connected"`, fmt.Sprintf(`"chain_id":%d`, devchain.DefaultChainID), `"relayer":"` + relayer + `"`} {
			if !strings.Contains(logs, want) {
				t.Errorf("facilitator log lacks %q:\n%s", want, logs)
			}
		}
	})
	t.Run("pod security restricted", func(t *testing.T) { checkPodSecurity(ctx, t, c) })
	t.Run("one controller leads", func(t *testing.T) { checkLeader(ctx, t, c) })

	// 4. A seller's upstream and Traefik's identity (namespace, service account, a pod).
	t1 = time.Now()
	k.must("", "apply", "-f", filepath.Join("testdata", "incluster", "upstream.yaml"))
	k.must("", "apply", "-f", filepath.Join("testdata", "incluster", "traefik-identity.yaml"))
	k.rollout(shopNS, "deployment/weather", diagnose)
	k.must("", "-n", traefikNS, "wait", "--for=condition=Ready", "--timeout=90s", "pod/"+traefikProbe)
	ph.done("upstream Deployment + Traefik identity pod Ready", t1)
	// A ready pod is not yet a reachable Service: kube-proxy programs the endpoint a
	// moment later, and until then the ClusterIP refuses connections. A controller
	// that checks in that window reports Unhealthy and looks again only after
	// --retry-interval (30 s; 2 of 3 runs before this wait). The node shares
	// the pods' iptables, so the host's view is theirs.
	t1 = time.Now()
	waitServiceAnswers(ctx, t, c, shopNS, "weather", "/healthz")
	ph.done("upstream ClusterIP answers /healthz (after the pod was Ready)", t1)

	// 5. The offer, before Traefik's CRDs exist: the controller (a pod) checks the
	// upstream through its Service, and waits for the CRDs without publishing.
	t1 = time.Now()
	k.must(offerManifest(t), "apply", "-f", "-")
	o := waitOffer(ctx, t, dyn, 60*time.Second, map[string]string{
		v1alpha1.ConditionUpstreamHealthy:  "True/" + offers.ReasonHealthy,
		v1alpha1.ConditionPaymentGateReady: "False/" + offers.ReasonWaitingForCRD,
		v1alpha1.ConditionRoutePublished:   "False/" + offers.ReasonWaitingForCRD,
		v1alpha1.ConditionReady:            "False/" + offers.ReasonWaitingForCRD,
	}, diagnose)
	ph.done("offer applied to UpstreamHealthy=True, WaitingForCRD", t1)
	if o.Status.RoutesGeneration != 0 {
		t.Errorf("status.routesGeneration = %d while waiting for CRDs, want 0", o.Status.RoutesGeneration)
	}
	if doc := routesDoc(ctx, t, c.Client); doc != nil && findOffer(doc) != nil {
		t.Errorf("the routes document (generation %d) holds the offer before it can be routed", doc.Generation)
	}

	// 6. Traefik's CRDs, as its chart installs them: the controller finds them within
	// its --crd-recheck-interval (10 s) and publishes without a restart.
	t1 = time.Now()
	k.must("", "apply", "--server-side", "-f", testenv.TraefikCRDs(t))
	o = waitOffer(ctx, t, dyn, 60*time.Second, map[string]string{
		v1alpha1.ConditionUpstreamHealthy:  "True/" + offers.ReasonHealthy,
		v1alpha1.ConditionPaymentGateReady: "True/" + offers.ReasonInRoutesDocument,
		// An IngressRoute has no status: "Published" means applied (the message says
		// so), which is all the controller can know with or without a Traefik.
		v1alpha1.ConditionRoutePublished: "True/" + offers.ReasonPublished,
		v1alpha1.ConditionReady:          "True/" + offers.ReasonServing,
		v1alpha1.ConditionRegistered:     "True/" + offers.ReasonRegistered,
	}, diagnose)
	ph.done("Traefik CRDs applied to offer Ready and registered on chain", t1)
	t.Run("agent registered on chain once", func(t *testing.T) { checkRegisteredOnce(ctx, t, c, o) })
	t.Run("routes document holds the offer", func(t *testing.T) { checkRoutesDoc(ctx, t, c.Client, o) })
	t.Run("middleware and ingressroute rendered", func(t *testing.T) { checkChildren(ctx, t, dyn) })

	// 7. RBAC, with the tokens the kubelet projected into the pods.
	t1 = time.Now()
	t.Run("rbac traefik token", func(t *testing.T) { checkTraefikToken(ctx, t, c) })
	t.Run("rbac controller token", func(t *testing.T) { checkControllerToken(ctx, t, c) })
	t.Run("facilitator has no token", func(t *testing.T) { checkNoToken(ctx, t, c) })
	ph.done("RBAC checks with pod tokens", t1)

	// 8. Issue #12's leader fault: delete the leader pod the way an operator (or a
	// drain) does; the standby takes the Lease and the offer's status does not move.
	t1 = time.Now()
	t.Run("leader pod deleted: standby takes over", func(t *testing.T) { checkFailover(ctx, t, c, dyn, k, diagnose) })
	ph.done("leader pod deleted to controller back at 2 replicas", t1)

	// 9. Traefik as pods, as the chart renders manifests/traefik/values.yaml (written
	// out in testdata/incluster/traefik.yaml: no helm here). After the RBAC checks on
	// purpose: the CRD provider's ClusterRole lets Traefik's account read Services,
	// Secrets and ConfigMaps everywhere, so "reads exactly the routes ConfigMap" is a
	// statement about Turnpike's own grant, checked before Traefik's is bound.
	t1 = time.Now()
	if err := c.ImportImage(ctx, tars["traefik"]); err != nil {
		t.Fatal(err)
	}
	ph.done("import traefik image", t1)
	t1 = time.Now()
	k.must("", "apply", "-f", filepath.Join("testdata", "incluster", "traefik.yaml"))
	k.rollout(traefikNS, "deployment/traefik", diagnose)
	ph.done("traefik applied to 2 replicas Ready (init container installs the plugin)", t1)
	traefikURL := serviceURL(ctx, t, c, traefikNS, "traefik") + "/weather"
	t1 = time.Now()
	pr := waitChallenge(ctx, t, traefikURL, offerPrice, 120*time.Second, diagnose)
	ph.done("traefik Ready to first 402 through its Service", t1)
	t.Run("plugin loaded, no plugin error in traefik logs", func(t *testing.T) { checkTraefikLogs(ctx, t, c, k) })
	t.Run("unpaid GET is a 402 for the offer's price", func(t *testing.T) {
		want := x402.Requirements{Scheme: "exact", Network: fmt.Sprintf("eip155:%d", devchain.DefaultChainID), Amount: offerPrice,
			Asset: devchain.TokenAddress().Hex(), PayTo: crypto.PubkeyToAddress(mustKey(t, devchain.RoleSeller).PublicKey).Hex()}
		a := pr.Accepts[0]
		got := x402.Requirements{Scheme: a.Scheme, Network: a.Network, Amount: a.Amount, Asset: a.Asset, PayTo: a.PayTo}
		if len(pr.Accepts) != 1 || !strings.EqualFold(fmt.Sprint(got), fmt.Sprint(want)) {
			t.Errorf("PAYMENT-REQUIRED accepts %+v, want one option %+v", pr.Accepts, want)
		}
		t.Logf("402 through Traefik's Service: %s %s of %s to %s on %s, resource %s", a.Amount, a.Scheme, a.Asset, a.PayTo, a.Network, pr.Resource.URL)
	})

	// 10. The official v2 client pays through Traefik's Service from the host, settled
	// on the dev chain (a pod) by the facilitator (a pod).
	rpc := serviceURL(ctx, t, c, "turnpike-devnet", "turnpike-devnet")
	buyer := mustKey(t, devchain.RoleBuyer)
	seller := crypto.PubkeyToAddress(mustKey(t, devchain.RoleSeller).PublicKey)
	t1 = time.Now()
	t.Run("official v2 client pays through traefik", func(t *testing.T) {
		before, upBefore := tokenBalance(ctx, t, rpc, seller), upstreamStats(ctx, t, c)
		status, receipt, body := npmPay(t, traefikURL, buyer, rpc)
		if status != http.StatusOK {
			t.Fatalf("paid GET: %d %s", status, body)
		}
		var sr x402.SettleResponse
		if err := x402.DecodeHeader(receipt, 0, &sr); err != nil || !sr.Success || sr.Transaction == "" {
			t.Errorf("PAYMENT-RESPONSE %q: %+v (%v), want a successful settlement", receipt, sr, err)
		}
		var a testupstream.Answer
		if err := json.Unmarshal([]byte(body), &a); err != nil || !strings.EqualFold(a.Payer, crypto.PubkeyToAddress(buyer.PublicKey).Hex()) {
			t.Errorf("upstream answer %s (%v): payer is not the buyer", body, err)
		}
		delta := new(big.Int).Sub(tokenBalance(ctx, t, rpc, seller), before)
		if want, _ := new(big.Int).SetString(offerPrice, 10); delta.Cmp(want) != 0 {
			t.Errorf("seller balance moved by %s, want exactly %s", delta, want)
		}
		up := upstreamStats(ctx, t, c)
		checkUpstreamClean(t, up)
		if n := up.Requests - upBefore.Requests; n != 1 {
			t.Errorf("the upstream was called %d times for one payment", n)
		}
		t.Logf("settled in %s; seller +%s; upstream stats %+v", sr.Transaction, delta, up)
	})
	ph.done("official v2 client paid through traefik (settled on chain)", t1)

	// 11. The buyer sidecar example as a pod, paying through Traefik by DNS name.
	t1 = time.Now()
	t.Run("buyer sidecar pod pays through traefik", func(t *testing.T) {
		checkBuyerSidecar(ctx, t, c, k, dir, root, pr, buyer, rpc, seller, diagnose)
	})
	ph.done("buyer sidecar example applied to its payment served", t1)

	// 12. Faults: Traefik rolled under paid load, then price changes.
	t1 = time.Now()
	t.Run("traefik rolling restart under paid load", func(t *testing.T) {
		checkRollingRestart(ctx, t, c, k, traefikURL, rpc, buyer, seller, diagnose)
	})
	ph.done("traefik rolling restart under paid load (incl. 3 s before and after)", t1)
	t1 = time.Now()
	t.Run("price change reaches the gate", func(t *testing.T) { checkPriceChange(ctx, t, c, k) })
	ph.done("price changes (3 rounds)", t1)
	ph.done("whole install, Start called to last check", t0)
}

func mustKey(t *testing.T, role string) *ecdsa.PrivateKey {
	t.Helper()
	k, err := devchain.DevKey(role)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// controllerPatch adds to the controller what this install needs beyond the
// facilitator overlay: the payer header the test upstream counts by, and ERC-8004
// registration on the dev chain with the owner key mounted from its Secret.
func controllerPatch(payerHeader string) string {
	args := []string{
		"--payer-header=" + payerHeader,
		fmt.Sprintf("--registry=eip155:%d:%s", devchain.DefaultChainID, devchain.RegistryAddress().Hex()),
		"--registry-rpc=" + devnetRPC,
		"--registry-key-file=/var/run/turnpike-registry/key",
		"--agent-uri=http://turnpike-controller.turnpike-system.svc:8082/.well-known/agent-registration.json",
	}
	var ops []string
	for _, a := range args {
		ops = append(ops, fmt.Sprintf(`{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":%q}`, a))
	}
	ops = append(ops,
		`{"op":"add","path":"/spec/template/spec/volumes/-","value":{"name":"registry-key","secret":{"secretName":"turnpike-registry-key","defaultMode":256}}}`,
		`{"op":"add","path":"/spec/template/spec/containers/0/volumeMounts/-","value":{"name":"registry-key","mountPath":"/var/run/turnpike-registry","readOnly":true}}`)
	return "[" + strings.Join(ops, ",") + "]"
}

// devnetRPC is the dev chain's Service, as the devnet example publishes it.
const devnetRPC = "http://turnpike-devnet.turnpike-devnet.svc.cluster.local:8545"

// phases records how long each step took, for the report at the end.
type phases struct {
	t     *testing.T
	lines []string
}

func (p *phases) done(name string, since time.Time) {
	d := time.Since(since).Round(10 * time.Millisecond)
	p.lines = append(p.lines, fmt.Sprintf("%-70s %8.2f s", name, d.Seconds()))
	p.t.Logf("phase: %s: %v", name, d)
}

func (p *phases) report() { p.t.Logf("phases:\n%s", strings.Join(p.lines, "\n")) }

// kubectl runs the kubectl a user runs, as cluster-admin.
type kubectl struct {
	t                      *testing.T
	bin, kubeconfig, cache string
}

func (k *kubectl) run(stdin string, args ...string) (string, error) {
	cmd := exec.Command(k.bin, append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cache}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func (k *kubectl) must(stdin string, args ...string) string {
	k.t.Helper()
	out, err := k.run(stdin, args...)
	if err != nil {
		k.t.Fatal(err)
	}
	return out
}

// rollout waits, as a user would, until every replica of the new template is ready.
func (k *kubectl) rollout(ns, what string, diagnose func() string) {
	k.t.Helper()
	if _, err := k.run("", "-n", ns, "rollout", "status", what, "--timeout=180s"); err != nil {
		k.t.Fatalf("%v\n%s", err, diagnose())
	}
}

func waitServiceAnswers(ctx context.Context, t *testing.T, c *Cluster, ns, name, path string) {
	t.Helper()
	svc, err := c.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s:%d%s", svc.Spec.ClusterIP, svc.Spec.Ports[0].Port, path)
	hc := &http.Client{Timeout: 2 * time.Second}
	var last string
	err = poll(ctx, 30*time.Second, func() (bool, error) {
		resp, err := hc.Get(url)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("GET %s: %s (%v)", url, last, err)
	}
}

// createStateVolume is what a storage provisioner would do for the facilitator's claim
// store: a PersistentVolume reserved for its claim. A hostPath volume keeps the owner
// of its directory (the kubelet applies fsGroup only to volumes it manages), so the
// directory belongs to the facilitator's user.
func createStateVolume(ctx context.Context, t *testing.T, c *Cluster, path string) {
	t.Helper()
	createVolume(ctx, t, c, path, systemNS, "turnpike-facilitator-state", "1Gi")
}

// createVolume is a hostPath PersistentVolume (named after the claim) reserved for
// the claim ns/claim, in a directory that belongs to 65532.
func createVolume(ctx context.Context, t *testing.T, c *Cluster, path, ns, claim, size string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65532, 65532); err != nil {
		t.Fatal(err)
	}
	dirType := corev1.HostPathDirectory
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: claim},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &dirType}},
			ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: claim},
		},
	}
	if _, err := c.Client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatalf("volume for claim %s/%s: %v", ns, claim, err)
	}
}

// checkPodSecurity: the namespaces enforce restricted, the API refuses a pod that is
// not, and every pod the Deployments wanted was admitted (no FailedCreate).
func checkPodSecurity(ctx context.Context, t *testing.T, c *Cluster) {
	for _, ns := range []string{systemNS, "turnpike-devnet"} {
		n, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
			t.Errorf("namespace %s enforces %q, want restricted", ns, got)
		}
		_, err = c.Client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "not-restricted"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: turnpikeRef}}},
		}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "violates PodSecurity") {
			t.Errorf("%s admitted a pod that is not restricted: %v", ns, err)
		}
		evs, err := c.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedCreate"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs.Items {
			t.Errorf("%s: %s %s: %s", ns, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message)
		}
		pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			t.Logf("%s/%s admitted, %s, node %s", ns, p.Name, p.Status.Phase, p.Spec.NodeName)
		}
	}
	want := map[string]int32{"turnpike-controller": 2, "turnpike-facilitator": 1}
	for name, n := range want {
		d, err := c.Client.AppsV1().Deployments(systemNS).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status.ReadyReplicas != n || d.Status.UpdatedReplicas != n {
			t.Errorf("%s: %d ready, %d updated, want %d", name, d.Status.ReadyReplicas, d.Status.UpdatedReplicas, n)
		}
	}
}

// checkLeader: the Lease names one of the running controller pods. Right after the
// rollout it may still name a pod of the old ReplicaSet (released or expiring), so the
// check waits up to two lease durations for a current pod to hold it.
func checkLeader(ctx context.Context, t *testing.T, c *Cluster) {
	var holder string
	var running []string
	err := poll(ctx, 40*time.Second, func() (bool, error) {
		l, err := c.Client.CoordinationV1().Leases(systemNS).Get(ctx, "turnpike-controller", metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return false, nil
		}
		holder = *l.Spec.HolderIdentity
		running = podNames(controllerPods(ctx, t, c))
		for _, n := range running {
			if n == holder {
				t.Logf("leader %s (lease %ds) among %v", holder, ptrInt32(l.Spec.LeaseDurationSeconds), running)
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("the Lease names %q, not one of the running controller pods %v: %v", holder, running, err)
	}
}

// checkFailover deletes the leader pod (graceful: the controller releases the Lease on
// SIGTERM) and measures how long until the other running pod holds the Lease, while
// sampling the offer's Ready condition for any change (status, reason or transition
// time) through the takeover and the new leader's first reconciles.
func checkFailover(ctx context.Context, t *testing.T, c *Cluster, dyn dynamic.Interface, k *kubectl, diagnose func() string) {
	lease, err := c.Client.CoordinationV1().Leases(systemNS).Get(ctx, "turnpike-controller", metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil {
		t.Fatalf("lease: %v", err)
	}
	old := *lease.Spec.HolderIdentity
	transitions := ptrInt32(lease.Spec.LeaseTransitions)
	leaseDuration := time.Duration(ptrInt32(lease.Spec.LeaseDurationSeconds)) * time.Second
	readyBefore := offerReady(ctx, t, dyn)
	t0 := time.Now()
	if err := c.Client.CoreV1().Pods(systemNS).Delete(ctx, old, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete leader pod %s: %v", old, err)
	}
	var holder string
	var took time.Duration
	changes := 0
	sample := func() {
		if now := offerReady(ctx, t, dyn); now != readyBefore {
			changes++
			t.Errorf("offer Ready changed during the failover: %s -> %s", readyBefore, now)
			readyBefore = now
		}
	}
	err = poll(ctx, leaseDuration+10*time.Second, func() (bool, error) {
		sample()
		l, err := c.Client.CoordinationV1().Leases(systemNS).Get(ctx, "turnpike-controller", metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" || *l.Spec.HolderIdentity == old {
			return false, nil
		}
		holder, took = *l.Spec.HolderIdentity, time.Since(t0)
		transitions = ptrInt32(l.Spec.LeaseTransitions) - transitions
		return true, nil
	})
	if err != nil {
		t.Fatalf("no new leader after deleting %s: %v\n%s", old, err, diagnose())
	}
	t.Logf("leader %s deleted; %s holds the Lease after %v (lease duration %v, transitions +%d)", old, holder, took.Round(time.Millisecond), leaseDuration, transitions)
	if took > leaseDuration {
		t.Errorf("takeover took %v, longer than the lease (%v): the Lease was not released on SIGTERM", took, leaseDuration)
	}
	// The new leader reconciles every offer at once; a flap would show now.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		sample()
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("offer unchanged through the failover and 5 s after (%s); changes seen: %d", readyBefore, changes)
	k.rollout(systemNS, "deployment/turnpike-controller", diagnose)
	// The new leader resumed the registration from status, and sent nothing.
	checkRegisteredOnce(ctx, t, c, nil)
}

// checkRegisteredOnce: the controller's owner key holds exactly one agent NFT in the
// dev chain's registry, and (given the offer) its status names it.
func checkRegisteredOnce(ctx context.Context, t *testing.T, c *Cluster, o *v1alpha1.ServiceOffer) {
	t.Helper()
	ownerKey, err := devchain.DevKey(devchain.RoleController)
	if err != nil {
		t.Fatal(err)
	}
	owner := crypto.PubkeyToAddress(ownerKey.PublicKey)
	reg := identity.NewIdentityRegistry()
	n, err := reg.UnpackBalanceOf(viewCallAt(ctx, t, serviceURL(ctx, t, c, "turnpike-devnet", "turnpike-devnet"), devchain.RegistryAddress(), reg.PackBalanceOf(owner)))
	if err != nil {
		t.Fatal(err)
	}
	if n.Cmp(big.NewInt(1)) != 0 {
		t.Fatalf("the owner %s holds %s agent registrations, want exactly 1", owner.Hex(), n)
	}
	if o == nil {
		return
	}
	r := o.Status.Registration
	if r == nil || r.AgentID == "" || !strings.EqualFold(r.Owner, owner.Hex()) {
		t.Fatalf("offer status.registration = %+v, want an agentId owned by %s", r, owner.Hex())
	}
	t.Logf("registered once: agent %s owned by %s (%s)", r.AgentID, r.Owner, r.Registry)
}

// offerReady is the offer's Ready and Registered conditions ("status/reason since
// lastTransitionTime") and its agent id: what must not move through a failover.
func offerReady(ctx context.Context, t *testing.T, dyn dynamic.Interface) string {
	t.Helper()
	u, err := dyn.Resource(offerGVR).Namespace(shopNS).Get(ctx, offerName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get offer: %v", err)
	}
	var o v1alpha1.ServiceOffer
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &o); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, cond := range o.Status.Conditions {
		if cond.Type == v1alpha1.ConditionReady || cond.Type == v1alpha1.ConditionRegistered {
			parts = append(parts, fmt.Sprintf("%s=%s/%s since %s", cond.Type, cond.Status, cond.Reason, cond.LastTransitionTime.UTC().Format(time.RFC3339)))
		}
	}
	if r := o.Status.Registration; r != nil {
		parts = append(parts, "agent "+r.AgentID)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

func ptrInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func controllerPods(ctx context.Context, t *testing.T, c *Cluster) []corev1.Pod {
	t.Helper()
	l, err := c.Client.CoreV1().Pods(systemNS).List(ctx, metav1.ListOptions{
		LabelSelector: "app.kubernetes.io/name=turnpike,app.kubernetes.io/component=controller"})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("no running controller pod")
	}
	return out
}

func podNames(ps []corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// offerManifest is the seller's ServiceOffer for the dev chain's token, routed by an
// IngressRoute (the Traefik CRD provider the chart values enable).
func offerManifest(t *testing.T) string {
	t.Helper()
	seller, err := devchain.DevKey(devchain.RoleSeller)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`apiVersion: x402.turnpike.dev/v1alpha1
kind: ServiceOffer
metadata:
  name: %s
  namespace: %s
spec:
  description: Weather forecasts, paid per request
  mimeType: application/json
  path: /weather
  route:
    kind: IngressRoute
  upstream:
    service: weather
    port: 8080
    healthPath: /healthz
  registration:
    enabled: true
  payment:
    payTo: %q
    accepts:
      - network: eip155:%d
        amount: %q
        asset:
          address: %q
          symbol: USDC
          decimals: 6
          eip712Name: %q
          eip712Version: %q
`, offerName, shopNS, crypto.PubkeyToAddress(seller.PublicKey).Hex(), devchain.DefaultChainID, offerPrice,
		devchain.TokenAddress().Hex(), devchain.DefaultTokenName, devchain.DefaultTokenVersion)
}

// waitOffer waits until every named condition has "Status/Reason" for the offer's
// current generation, and returns the offer.
func waitOffer(ctx context.Context, t *testing.T, dyn dynamic.Interface, timeout time.Duration, want map[string]string, diagnose func() string) *v1alpha1.ServiceOffer {
	t.Helper()
	var o v1alpha1.ServiceOffer
	var last string
	start := time.Now()
	err := poll(ctx, timeout, func() (bool, error) {
		u, err := dyn.Resource(offerGVR).Namespace(shopNS).Get(ctx, offerName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		o = v1alpha1.ServiceOffer{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &o); err != nil {
			return false, fmt.Errorf("decode ServiceOffer: %w", err)
		}
		have := map[string]string{}
		for _, cond := range o.Status.Conditions {
			if cond.ObservedGeneration == o.Generation {
				have[cond.Type] = string(cond.Status) + "/" + cond.Reason
			}
		}
		if seen := fmt.Sprint(have); seen != last {
			// The way there, with times: a first failed health check costs a
			// --retry-interval (30 s), and this shows when that happened.
			t.Logf("%6.2f s: %s", time.Since(start).Seconds(), seen)
			last = seen
		}
		for typ, w := range want {
			if have[typ] != w {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		var msgs []string
		for _, cond := range o.Status.Conditions {
			msgs = append(msgs, fmt.Sprintf("%s=%s/%s: %s", cond.Type, cond.Status, cond.Reason, cond.Message))
		}
		t.Fatalf("ServiceOffer %s/%s: want %v, have %s (%v)\n%s\n%s", shopNS, offerName, want, last, err, strings.Join(msgs, "\n"), diagnose())
	}
	for _, cond := range o.Status.Conditions {
		t.Logf("condition %s=%s reason %s: %s", cond.Type, cond.Status, cond.Reason, cond.Message)
	}
	return &o
}

// routesDoc reads the routes ConfigMap; nil when the controller has not written it.
func routesDoc(ctx context.Context, t *testing.T, cs kubernetes.Interface) *routes.Document {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(systemNS).Get(ctx, routesCM, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := routes.Parse([]byte(cm.Data[routes.DataKey]))
	if err != nil {
		t.Fatalf("routes ConfigMap: %v", err)
	}
	return doc
}

func findOffer(doc *routes.Document) *routes.Offer {
	for i := range doc.Offers {
		if doc.Offers[i].Namespace == shopNS && doc.Offers[i].Name == offerName {
			return &doc.Offers[i]
		}
	}
	return nil
}

func checkRoutesDoc(ctx context.Context, t *testing.T, cs kubernetes.Interface, o *v1alpha1.ServiceOffer) {
	doc := routesDoc(ctx, t, cs)
	if doc == nil {
		t.Fatal("no routes ConfigMap")
	}
	e := findOffer(doc)
	if e == nil {
		t.Fatalf("routes document generation %d has no %s/%s", doc.Generation, shopNS, offerName)
	}
	if o.Status.RoutesGeneration != doc.Generation {
		t.Errorf("status.routesGeneration %d, document generation %d", o.Status.RoutesGeneration, doc.Generation)
	}
	seller, err := devchain.DevKey(devchain.RoleSeller)
	if err != nil {
		t.Fatal(err)
	}
	if e.State != "active" || e.PathPrefix != "/weather" {
		t.Errorf("entry state %q prefix %q, want active /weather", e.State, e.PathPrefix)
	}
	if len(e.Payments) != 1 {
		t.Fatalf("payments %+v, want one", e.Payments)
	}
	p := e.Payments[0]
	want := routes.Payment{Scheme: "exact", Network: fmt.Sprintf("eip155:%d", devchain.DefaultChainID), Amount: offerPrice,
		Asset: devchain.TokenAddress().Hex(), PayTo: crypto.PubkeyToAddress(seller.PublicKey).Hex()}
	got := routes.Payment{Scheme: p.Scheme, Network: p.Network, Amount: p.Amount, Asset: p.Asset, PayTo: p.PayTo}
	if !strings.EqualFold(fmt.Sprint(got), fmt.Sprint(want)) {
		t.Errorf("payment %+v, want %+v", got, want)
	}
	t.Logf("routes document generation %d: %s/%s %s at %s, %s %s to %s", doc.Generation, e.Namespace, e.Name, e.State,
		e.PathPrefix, p.Amount, p.AssetSymbol, p.PayTo)
}

// checkChildren: the Middleware gates with the plugin, reading the routes ConfigMap
// this install writes, and the IngressRoute uses it.
func checkChildren(ctx context.Context, t *testing.T, dyn dynamic.Interface) {
	mws, err := dyn.Resource(schema.GroupVersionResource{Group: "traefik.io", Version: "v1alpha1", Resource: "middlewares"}).
		Namespace(shopNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	irs, err := dyn.Resource(schema.GroupVersionResource{Group: "traefik.io", Version: "v1alpha1", Resource: "ingressroutes"}).
		Namespace(shopNS).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mws.Items) != 1 || len(irs.Items) != 1 {
		t.Fatalf("%d Middlewares and %d IngressRoutes in %s, want one each", len(mws.Items), len(irs.Items), shopNS)
	}
	cfg, _, _ := unstructuredMap(mws.Items[0].Object, "spec", "plugin", "turnpike")
	if cfg["offer"] != shopNS+"/"+offerName {
		t.Errorf("Middleware plugin config %v: offer is not %s/%s", cfg, shopNS, offerName)
	}
	if cfg["routesConfigMap"] != systemNS+"/"+routesCM {
		t.Errorf("Middleware plugin config %v: routesConfigMap is not %s/%s", cfg, systemNS, routesCM)
	}
	if !strings.Contains(fmt.Sprint(irs.Items[0].Object["spec"]), mws.Items[0].GetName()) {
		t.Errorf("IngressRoute %s does not use Middleware %s: %v", irs.Items[0].GetName(), mws.Items[0].GetName(), irs.Items[0].Object["spec"])
	}
}

func unstructuredMap(obj map[string]any, path ...string) (map[string]any, bool, error) {
	cur := obj
	for _, p := range path {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("no map at %s", p)
		}
		cur = next
	}
	return cur, true, nil
}

// podToken reads the service-account token the kubelet projected into a pod, from the
// node's side of the volume (the images have no shell to cat it with).
func podToken(t *testing.T, c *Cluster, p *corev1.Pod) string {
	t.Helper()
	matches, err := filepath.Glob(c.path(filepath.Join("kubelet", "pods", string(p.UID), "volumes", "kubernetes.io~projected", "kube-api-access-*", "token")))
	if err != nil || len(matches) != 1 {
		t.Fatalf("projected token of %s/%s: %v %v", p.Namespace, p.Name, matches, err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// asToken is a client that authenticates with the bearer token only (no client
// certificate), as the pod does.
func asToken(t *testing.T, c *Cluster, token string) kubernetes.Interface {
	t.Helper()
	cfg := rest.AnonymousClientConfig(c.RESTConfig)
	cfg.BearerToken = token
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// access is one question to the authorizer (a SelfSubjectAccessReview, what
// `kubectl auth can-i` sends) with the answer the manifests must give.
type access struct {
	desc                            string
	verb, group, resource, ns, name string
	allowed                         bool
}

func checkAccess(ctx context.Context, t *testing.T, cs kubernetes.Interface, wantUser string, cases []access) {
	t.Helper()
	rev, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if got := rev.Status.UserInfo.Username; got != wantUser {
		t.Fatalf("token authenticates as %q, want %q", got, wantUser)
	}
	for _, a := range cases {
		r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authv1.SelfSubjectAccessReview{
			Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authv1.ResourceAttributes{
				Verb: a.verb, Group: a.group, Resource: a.resource, Namespace: a.ns, Name: a.name}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", a.desc, err)
		}
		if r.Status.Allowed != a.allowed {
			t.Errorf("%s: %s %s %s/%s in %q: allowed=%v, want %v (%s)", wantUser, a.verb, a.resource, a.group, a.name, a.ns,
				r.Status.Allowed, a.allowed, r.Status.Reason)
		}
	}
}

// checkTraefikToken: Traefik's service account reads exactly the routes ConfigMap,
// asked of the authorizer and then by real requests the way the plugin makes them.
func checkTraefikToken(ctx context.Context, t *testing.T, c *Cluster) {
	p, err := c.Client.CoreV1().Pods(traefikNS).Get(ctx, traefikProbe, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cs := asToken(t, c, podToken(t, c, p))
	checkAccess(ctx, t, cs, "system:serviceaccount:traefik:traefik", []access{
		{"get the routes ConfigMap", "get", "", "configmaps", systemNS, routesCM, true},
		{"list it by name", "list", "", "configmaps", systemNS, routesCM, true},
		{"watch it by name", "watch", "", "configmaps", systemNS, routesCM, true},
		{"update it", "update", "", "configmaps", systemNS, routesCM, false},
		{"get another ConfigMap", "get", "", "configmaps", systemNS, "turnpike-facilitator", false},
		{"list every ConfigMap", "list", "", "configmaps", systemNS, "", false},
		{"ConfigMaps elsewhere", "get", "", "configmaps", shopNS, routesCM, false},
		{"Secrets", "get", "", "secrets", systemNS, "turnpike-facilitator-key", false},
		{"ServiceOffers", "list", v1alpha1.GroupVersion.Group, "serviceoffers", "", "", false},
	})
	if _, err := cs.CoreV1().ConfigMaps(systemNS).Get(ctx, routesCM, metav1.GetOptions{}); err != nil {
		t.Errorf("GET the routes ConfigMap with Traefik's token: %v", err)
	}
	sel := metav1.ListOptions{FieldSelector: "metadata.name=" + routesCM}
	if l, err := cs.CoreV1().ConfigMaps(systemNS).List(ctx, sel); err != nil || len(l.Items) != 1 {
		t.Errorf("list with the plugin's field selector: %v (%v)", err, l)
	}
	w, err := cs.CoreV1().ConfigMaps(systemNS).Watch(ctx, sel)
	if err != nil {
		t.Errorf("watch with the plugin's field selector: %v", err)
	} else {
		w.Stop()
	}
	for desc, call := range map[string]func() error{
		"list without the selector": func() error {
			_, err := cs.CoreV1().ConfigMaps(systemNS).List(ctx, metav1.ListOptions{})
			return err
		},
		"get the facilitator ConfigMap": func() error {
			_, err := cs.CoreV1().ConfigMaps(systemNS).Get(ctx, "turnpike-facilitator", metav1.GetOptions{})
			return err
		},
		"get the relayer key Secret": func() error {
			_, err := cs.CoreV1().Secrets(systemNS).Get(ctx, "turnpike-facilitator-key", metav1.GetOptions{})
			return err
		},
	} {
		if err := call(); !apierrors.IsForbidden(err) {
			t.Errorf("%s with Traefik's token: %v, want Forbidden", desc, err)
		}
	}
}

// checkControllerToken: the controller reads and writes what it renders and never a
// Secret, anywhere.
func checkControllerToken(ctx context.Context, t *testing.T, c *Cluster) {
	pods := controllerPods(ctx, t, c)
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	cs := asToken(t, c, podToken(t, c, &pods[0]))
	checkAccess(ctx, t, cs, "system:serviceaccount:turnpike-system:turnpike-controller", []access{
		{"Secrets in its namespace", "get", "", "secrets", systemNS, "turnpike-facilitator-key", false},
		{"list Secrets in its namespace", "list", "", "secrets", systemNS, "", false},
		{"Secrets in a seller namespace", "get", "", "secrets", shopNS, "", false},
		{"Secrets cluster-wide", "list", "", "secrets", "", "", false},
		{"Pods", "list", "", "pods", "", "", false},
		{"update the routes ConfigMap", "update", "", "configmaps", systemNS, routesCM, true},
		{"ConfigMaps in a seller namespace", "get", "", "configmaps", shopNS, "", false},
		{"watch ServiceOffers", "watch", v1alpha1.GroupVersion.Group, "serviceoffers", "", "", true},
		{"patch ServiceOffer status", "patch", v1alpha1.GroupVersion.Group, "serviceoffers/status", shopNS, offerName, true},
		{"get the upstream Service", "get", "", "services", shopNS, "weather", true},
		{"list Services", "list", "", "services", shopNS, "", false},
		{"create Middlewares", "create", "traefik.io", "middlewares", shopNS, "", true},
		{"the leader Lease", "update", "coordination.k8s.io", "leases", systemNS, "turnpike-controller", true},
	})
	if _, err := cs.CoreV1().Secrets(systemNS).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("list Secrets with the controller's token: %v, want Forbidden", err)
	}
}

// checkNoToken: the facilitator talks to no API server, so it gets no token at all.
func checkNoToken(ctx context.Context, t *testing.T, c *Cluster) {
	l, err := c.Client.CoreV1().Pods(systemNS).List(ctx, metav1.ListOptions{
		LabelSelector: "app.kubernetes.io/name=turnpike,app.kubernetes.io/component=facilitator"})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("facilitator pod: %v", err)
	}
	for _, p := range l.Items {
		matches, _ := filepath.Glob(c.path(filepath.Join("kubelet", "pods", string(p.UID), "volumes", "kubernetes.io~projected", "*")))
		if len(matches) != 0 {
			t.Errorf("facilitator pod %s has projected volumes %v, want no service-account token", p.Name, matches)
		}
	}
}
