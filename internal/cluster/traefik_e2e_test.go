//go:build e2e

package cluster

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testupstream"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	traefikSelector = "app.kubernetes.io/name=traefik"
	// payerHeader is the header the controller tells the gate to pass the verified
	// payer in (--payer-header) and testupstream's default: an arrival without it
	// reached the upstream unpaid.
	payerHeader = "X-Turnpike-Payer"
)

// serviceURL is http://<ClusterIP>:<first port> of a Service: the node shares the
// pods' iptables, so the host reaches it the way a pod does.
func serviceURL(ctx context.Context, t *testing.T, c *Cluster, ns, name string) string {
	t.Helper()
	svc, err := c.Client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(svc.Spec.ClusterIP, fmt.Sprint(svc.Spec.Ports[0].Port)))
}

// challenge is one unpaid GET: the status and, on a 402, the decoded PAYMENT-REQUIRED.
func challenge(hc *http.Client, url string) (int, *x402.PaymentRequired, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusPaymentRequired {
		return resp.StatusCode, nil, nil
	}
	var pr x402.PaymentRequired
	if err := x402.DecodeHeader(resp.Header.Get("PAYMENT-REQUIRED"), 0, &pr); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("PAYMENT-REQUIRED: %w", err)
	}
	if len(pr.Accepts) == 0 {
		return resp.StatusCode, nil, errors.New("PAYMENT-REQUIRED lists no payment option")
	}
	return resp.StatusCode, &pr, nil
}

// waitChallenge polls an unpaid GET until it is a 402 whose first option asks for
// amount, and returns that challenge.
func waitChallenge(ctx context.Context, t *testing.T, url, amount string, timeout time.Duration, diagnose func() string) *x402.PaymentRequired {
	t.Helper()
	hc := &http.Client{Timeout: 2 * time.Second}
	var last string
	var got *x402.PaymentRequired
	err := poll(ctx, timeout, func() (bool, error) {
		code, pr, err := challenge(hc, url)
		switch {
		case err != nil:
			last = err.Error()
		case pr == nil:
			last = fmt.Sprintf("status %d", code)
		default:
			last = "402 asking " + pr.Accepts[0].Amount
			got = pr
			return pr.Accepts[0].Amount == amount, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("GET %s: want a 402 asking %s, last: %s (%v)\n%s", url, amount, last, err, diagnose())
	}
	return got
}

func traefikPods(ctx context.Context, t *testing.T, c *Cluster) []corev1.Pod {
	t.Helper()
	l, err := c.Client.CoreV1().Pods(traefikNS).List(ctx, metav1.ListOptions{LabelSelector: traefikSelector})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			continue
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// checkTraefikLogs: every Traefik pod loaded the plugin (abortOnPluginFailure would
// have stopped it otherwise, but the log says so positively) and logged no error
// about the plugin or the offer's Middleware.
func checkTraefikLogs(ctx context.Context, t *testing.T, c *Cluster, k *kubectl) {
	pods := traefikPods(ctx, t, c)
	if len(pods) != 2 {
		t.Fatalf("%d ready Traefik pods, want 2", len(pods))
	}
	for _, p := range pods {
		logs := k.must("", "-n", traefikNS, "logs", p.Name, "-c", "traefik")
		if !strings.Contains(logs, "Plugins loaded.") {
			t.Errorf("%s: no \"Plugins loaded.\" in its log:\n%s", p.Name, logs)
		}
		// Traefik colours its console log; the level is plain text once the escapes go.
		logs = ansiEscape.ReplaceAllString(logs, "")
		var errs []string
		for _, line := range strings.Split(logs, "\n") {
			if !strings.Contains(line, " ERR ") {
				continue
			}
			errs = append(errs, line)
			low := strings.ToLower(line)
			// The dashboard's assets are not in a binary built from the module proxy
			// (make traefik): "Error appending dashboard to API router" is that, not the gate.
			if strings.Contains(low, "plugin") || strings.Contains(low, "turnpike") || strings.Contains(low, "middleware") || strings.Contains(low, "router") && !strings.Contains(low, "dashboard") {
				t.Errorf("%s: plugin error in Traefik's log: %s", p.Name, line)
			}
		}
		t.Logf("%s: %d log lines, %d at ERR level%s", p.Name, strings.Count(logs, "\n"), len(errs),
			strings.Join(append([]string{""}, errs...), "\n  "))
	}
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// traefikMetrics is what each Traefik pod says about its configuration (Traefik's
// metrics entry point) and whether the gate runs in it (the gate's own listener).
func traefikMetrics(ctx context.Context, c *Cluster) string {
	l, err := c.Client.CoreV1().Pods(traefikNS).List(ctx, metav1.ListOptions{LabelSelector: traefikSelector})
	if err != nil {
		return err.Error()
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	var b strings.Builder
	for _, p := range l.Items {
		for _, src := range []struct{ port, prefix string }{{"9100", "traefik_config"}, {"9464", "turnpike_routes"}} {
			resp, err := hc.Get(fmt.Sprintf("http://%s/metrics", net.JoinHostPort(p.Status.PodIP, src.port)))
			if err != nil {
				fmt.Fprintf(&b, "%s :%s: %v\n", p.Name, src.port, err)
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(body), "\n") {
				if strings.HasPrefix(line, src.prefix) {
					fmt.Fprintf(&b, "%s :%s %s\n", p.Name, src.port, line)
				}
			}
		}
	}
	return b.String()
}

// npmPay has the official v2 client (@x402/fetch, e2e/clients/pay.mjs) pay one GET.
func npmPay(t *testing.T, url string, key *ecdsa.PrivateKey, rpc string) (status int, receipt string, body string) {
	t.Helper()
	modules := filepath.Join(testenv.Cache(), "e2e-clients", "node_modules")
	if _, err := os.Stat(modules); err != nil {
		t.Fatalf("the official npm clients are not installed (make test-deps, scripts/install-deps.d/60-e2e-clients.sh): %v", err)
	}
	// Node resolves imports from node_modules folders above the script.
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "e2e", "clients", "pay.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pay.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Bin(t, "node"), "pay.mjs", "v2", url, "0x"+hex.EncodeToString(crypto.FromECDSA(key)), rpc)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("v2 client: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var res struct {
		Status          int    `json:"status"`
		PaymentResponse string `json:"paymentResponse"`
		Body            string `json:"body"`
		Error           string `json:"error"`
		MS              int    `json:"ms"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("v2 client output %q: %v", out, err)
	}
	if res.Error != "" {
		t.Fatalf("v2 client failed: %s\nstderr: %s", res.Error, stderr.String())
	}
	t.Logf("official v2 client: %d in %d ms", res.Status, res.MS)
	return res.Status, res.PaymentResponse, res.Body
}

// tokenBalance reads balanceOf(addr) of the dev token over JSON-RPC.
func tokenBalance(ctx context.Context, t *testing.T, rpc string, addr common.Address) *big.Int {
	t.Helper()
	tok := token.NewEIP3009Token()
	n, err := tok.UnpackBalanceOf(viewCallAt(ctx, t, rpc, devchain.TokenAddress(), tok.PackBalanceOf(addr)))
	if err != nil {
		t.Fatalf("balanceOf %s: %v", addr.Hex(), err)
	}
	return n
}

// viewCallAt reads a contract of the dev chain pod at rpc (its Service, from the node).
func viewCallAt(ctx context.Context, t *testing.T, rpc string, to common.Address, data []byte) []byte {
	t.Helper()
	ec, err := ethclient.DialContext(ctx, rpc)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	out, err := ec.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
	if err != nil {
		t.Fatalf("call %s: %v", to.Hex(), err)
	}
	return out
}

// upstreamStats reads what reached the seller's upstream (testupstream counts arrivals
// without the payer header and with a payment header).
func upstreamStats(ctx context.Context, t *testing.T, c *Cluster) testupstream.Stats {
	t.Helper()
	resp, err := http.Get(serviceURL(ctx, t, c, shopNS, "weather") + testupstream.StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s testupstream.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("upstream stats: %v", err)
	}
	return s
}

func checkUpstreamClean(t *testing.T, s testupstream.Stats) {
	t.Helper()
	if s.WithoutPayer != 0 {
		t.Errorf("%d requests reached the upstream without a verified payer (unpaid)", s.WithoutPayer)
	}
	if s.WithPaymentHeader != 0 {
		t.Errorf("%d requests reached the upstream with the payment header (not stripped)", s.WithPaymentHeader)
	}
}

// loadStats is what the paid load saw, per payment (nonce).
type loadStats struct {
	mu        sync.Mutex
	payments  int                       // fresh payments signed
	served    map[string]map[int64]bool // nonce -> upstream answer sequence numbers served with 200
	errs      map[string]int            // first-attempt and retry failures by kind
	retries   int                       // same payment sent again after an error
	retryOK   int                       // ... answered 200
	retryNo   int                       // ... refused (4xx)
	abandoned int                       // payments given up after the last retry
	noReceipt int                       // 200 without a successful PAYMENT-RESPONSE
}

func (s *loadStats) fail(kind string) {
	s.mu.Lock()
	s.errs[kind]++
	s.mu.Unlock()
}

func errKind(err error) string {
	msg := err.Error()
	for _, k := range []string{"connection reset", "connection refused", "EOF", "timeout", "broken pipe"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return msg
}

// payOnce signs a fresh EIP-3009 payment and sends it, sending the same payment again
// (up to 3 times) after a connection error or a 5xx, as a careful buyer would: the
// retry must get the stored answer or a refusal, never a second settlement.
func payOnce(ctx context.Context, hc *http.Client, url string, key *ecdsa.PrivateKey, pr *x402.PaymentRequired, s *loadStats) {
	var nonce common.Hash
	_, _ = rand.Read(nonce[:])
	p, err := eip3009.NewPayment(key, pr.Accepts[0], &pr.Resource, eip3009.PaymentOptions{Nonce: &nonce})
	if err != nil {
		s.fail("sign: " + err.Error())
		return
	}
	hdr, err := x402.EncodeHeader(p)
	if err != nil {
		s.fail("encode: " + err.Error())
		return
	}
	s.mu.Lock()
	s.payments++
	s.mu.Unlock()
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			s.mu.Lock()
			s.retries++
			s.mu.Unlock()
			time.Sleep(200 * time.Millisecond)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("PAYMENT-SIGNATURE", hdr)
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.fail(errKind(err))
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			var a testupstream.Answer
			_ = json.Unmarshal(body, &a)
			var sr x402.SettleResponse
			ok := x402.DecodeHeader(resp.Header.Get("PAYMENT-RESPONSE"), 0, &sr) == nil && sr.Success
			s.mu.Lock()
			if s.served[nonce.Hex()] == nil {
				s.served[nonce.Hex()] = map[int64]bool{}
			}
			s.served[nonce.Hex()][a.Seq] = true
			if !ok {
				s.noReceipt++
			}
			if attempt > 0 {
				s.retryOK++
			}
			s.mu.Unlock()
			return
		case resp.StatusCode >= 500:
			s.fail(fmt.Sprintf("%d %s", resp.StatusCode, firstLine(body)))
			continue
		default:
			s.mu.Lock()
			if attempt > 0 {
				s.retryNo++
			} else {
				s.errs[fmt.Sprintf("%d %s", resp.StatusCode, firstLine(body))]++
			}
			s.mu.Unlock()
			return
		}
	}
	s.mu.Lock()
	s.abandoned++
	s.mu.Unlock()
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if len(line) > 120 {
		line = line[:120]
	}
	return string(line)
}

// checkRollingRestart: `kubectl rollout restart` of Traefik (2 replicas, the chart's
// maxUnavailable 0 / maxSurge 1) while `workers` buyers pay in a loop; then every
// payment is accounted for: at most one served answer per nonce, no unpaid arrival
// upstream, and the seller got exactly price x payments served.
func checkRollingRestart(ctx context.Context, t *testing.T, c *Cluster, k *kubectl, url, rpc string, key *ecdsa.PrivateKey, seller common.Address, diagnose func() string) {
	const workers = 6
	pr := waitChallenge(ctx, t, url, offerPrice, 10*time.Second, diagnose)
	price, _ := new(big.Int).SetString(pr.Accepts[0].Amount, 10)
	before := upstreamStats(ctx, t, c)
	balBefore := tokenBalance(ctx, t, rpc, seller)

	s := &loadStats{served: map[string]map[int64]bool{}, errs: map[string]int{}}
	// Stopping ends the loops between payments, never inside one: a payment cut off
	// mid-flight would be neither served nor refused, and the accounting below could
	// not tell it from a lost one.
	var stopping atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
			for !stopping.Load() && ctx.Err() == nil {
				payOnce(ctx, hc, url, key, pr, s)
			}
		}()
	}
	time.Sleep(3 * time.Second)
	t0 := time.Now()
	k.must("", "-n", traefikNS, "rollout", "restart", "deployment/traefik")
	k.rollout(traefikNS, "deployment/traefik", diagnose)
	rolled := time.Since(t0)
	time.Sleep(3 * time.Second)
	stopping.Store(true)
	wg.Wait()
	load := time.Since(start)

	after := upstreamStats(ctx, t, c)
	// Settlement happens before the answer, but give the chain a moment to be read.
	var got *big.Int
	served := 0
	twice := 0
	for _, seqs := range s.served {
		served++
		if len(seqs) > 1 {
			twice++
		}
	}
	want := new(big.Int).Mul(price, big.NewInt(int64(served)))
	// The gate settles before it answers; a settlement whose answer was lost would
	// land without a served 200, so look again after a pause: the sum must not grow.
	time.Sleep(2 * time.Second)
	got = new(big.Int).Sub(tokenBalance(ctx, t, rpc, seller), balBefore)
	var kinds []string
	errCount := 0
	for kind, n := range s.errs {
		kinds = append(kinds, fmt.Sprintf("%s: %d", kind, n))
		errCount += n
	}
	sort.Strings(kinds)
	upCalls := after.Requests - before.Requests
	t.Logf("rolling restart of Traefik under paid load (%d workers): rollout %.2f s, load %.2f s; payments signed %d, served 200 %d (%.1f/s), "+
		"served twice %d, errors %d %v, retries %d (200: %d, refused: %d), abandoned %d, 200 without receipt %d; "+
		"upstream calls %d (unpaid %d, payment header %d); seller +%s (want %s x %d = %s)",
		workers, rolled.Seconds(), load.Seconds(), s.payments, served, float64(served)/load.Seconds(), twice, errCount, kinds,
		s.retries, s.retryOK, s.retryNo, s.abandoned, s.noReceipt, upCalls, after.WithoutPayer-before.WithoutPayer,
		after.WithPaymentHeader-before.WithPaymentHeader, got, price, served, want)
	checkUpstreamClean(t, after)
	if twice != 0 {
		t.Errorf("%d payments were served twice (two upstream answers for one nonce)", twice)
	}
	if s.noReceipt != 0 {
		t.Errorf("%d answers served without a successful settlement receipt", s.noReceipt)
	}
	if got.Cmp(want) != 0 {
		t.Errorf("seller received %s, want exactly %s for %d served payments", got, want, served)
	}
	if upCalls != int64(served) {
		t.Errorf("upstream answered %d paid requests, buyers were served %d", upCalls, served)
	}
	if served == 0 {
		t.Error("no payment was served during the restart")
	}
	// The values keep each entry point accepting for requestAcceptGraceTimeout after
	// SIGTERM, until kube-proxy has dropped the pod: no connection may be refused.
	if n := s.errs["connection refused"]; n != 0 {
		t.Errorf("%d connections refused during the rollout: a terminating Traefik stopped accepting before kube-proxy dropped it", n)
	}
}

// routesMountProbe is a restricted pod in turnpike-system that mounts the routes
// ConfigMap as a directory, the way a gate configured with routesFile reads it: the
// file on the node's side of that volume shows when the kubelet delivered a change.
// (The shipped install does not use this mode: the controller renders routesConfigMap,
// and a ConfigMap volume can only come from the pod's own namespace, so Traefik in
// "traefik" cannot mount turnpike-system's ConfigMap.)
const routesMountProbe = `apiVersion: v1
kind: Pod
metadata:
  name: routes-mount-probe
  namespace: turnpike-system
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    seccompProfile: {type: RuntimeDefault}
  terminationGracePeriodSeconds: 1
  containers:
    - name: probe
      image: turnpike.local/testupstream:v1
      imagePullPolicy: Never
      args: ["-listen=:8080"]
      resources:
        requests: {cpu: 5m, memory: 16Mi}
        limits: {memory: 32Mi}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      volumeMounts:
        - {name: routes, mountPath: /etc/turnpike/routes, readOnly: true}
  volumes:
    - name: routes
      configMap: {name: turnpike-routes}
`

// checkPriceChange patches the offer's price and measures how long until the routes
// ConfigMap holds it (the controller), until both Traefik pods answer 402 with it (the
// gate's API watch of that ConfigMap: routesConfigMap, the mode the controller renders
// and the shipped install uses), and until a pod's mounted copy of the ConfigMap holds
// it (the kubelet's delay, what routesFile mode would add before its own poll). Three
// rounds; ends at the original price.
func checkPriceChange(ctx context.Context, t *testing.T, c *Cluster, k *kubectl) {
	pods := traefikPods(ctx, t, c)
	if len(pods) != 2 {
		t.Fatalf("%d ready Traefik pods, want 2", len(pods))
	}
	k.must(routesMountProbe, "apply", "-f", "-")
	k.must("", "-n", systemNS, "wait", "--for=condition=Ready", "--timeout=60s", "pod/routes-mount-probe")
	probe, err := c.Client.CoreV1().Pods(systemNS).Get(ctx, "routes-mount-probe", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mounted := c.path(filepath.Join("kubelet", "pods", string(probe.UID), "volumes", "kubernetes.io~configmap", "routes", routes.DataKey))
	mountedPrice := func() string {
		b, err := os.ReadFile(mounted)
		if err != nil {
			return ""
		}
		doc, err := routes.Parse(b)
		if err != nil {
			return ""
		}
		for _, o := range doc.Offers {
			if o.Namespace == shopNS && o.Name == offerName && len(o.Payments) == 1 {
				return o.Payments[0].Amount
			}
		}
		return ""
	}
	if got := mountedPrice(); got != offerPrice {
		t.Fatalf("mounted routes document at %s asks %q, want %s", mounted, got, offerPrice)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	var docTimes, gateTimes, mountTimes []string
	for _, price := range []string{"2000", "1500", offerPrice} {
		patch := fmt.Sprintf(`[{"op":"replace","path":"/spec/payment/accepts/0/amount","value":%q}]`, price)
		t0 := time.Now()
		k.must("", "-n", shopNS, "patch", "serviceoffer", offerName, "--type=json", "-p", patch)
		var inDoc, inMount time.Duration
		seen := map[string]time.Duration{}
		err := poll(ctx, 90*time.Second, func() (bool, error) {
			if inDoc == 0 {
				if doc := routesDoc(ctx, t, c.Client); doc != nil {
					if e := findOffer(doc); e != nil && len(e.Payments) == 1 && e.Payments[0].Amount == price {
						inDoc = time.Since(t0)
					}
				}
			}
			if inMount == 0 && mountedPrice() == price {
				inMount = time.Since(t0)
			}
			for _, p := range pods {
				if _, ok := seen[p.Name]; ok {
					continue
				}
				_, pr, err := challenge(hc, fmt.Sprintf("http://%s/weather", net.JoinHostPort(p.Status.PodIP, "8000")))
				if err == nil && pr != nil && pr.Accepts[0].Amount == price {
					seen[p.Name] = time.Since(t0)
				}
			}
			return inDoc != 0 && inMount != 0 && len(seen) == len(pods), nil
		})
		if err != nil {
			t.Fatalf("price %s: in routes document after %v, in the mounted copy after %v, pods answering it: %v (%v)", price, inDoc, inMount, seen, err)
		}
		var slowest time.Duration
		for _, d := range seen {
			if d > slowest {
				slowest = d
			}
		}
		docTimes = append(docTimes, fmt.Sprintf("%.2f", inDoc.Seconds()))
		gateTimes = append(gateTimes, fmt.Sprintf("%.2f", slowest.Seconds()))
		mountTimes = append(mountTimes, fmt.Sprintf("%.2f", inMount.Seconds()))
		t.Logf("price -> %s: routes ConfigMap after %.3f s, 402 with it from both Traefik pods after %.3f s (%v), mounted copy after %.3f s",
			price, inDoc.Seconds(), slowest.Seconds(), seen, inMount.Seconds())
	}
	t.Logf("price change, 3 rounds: patch to routes ConfigMap [%s] s; to 402 from both Traefik pods, API watch mode [%s] s; "+
		"to the kubelet's mounted copy (routesFile mode, before the gate's 1 s poll; kubelet syncFrequency 10 s here, 1 m by default) [%s] s",
		strings.Join(docTimes, ", "), strings.Join(gateTimes, ", "), strings.Join(mountTimes, ", "))
	k.must("", "-n", systemNS, "delete", "pod", "routes-mount-probe", "--wait=false")
}

// checkBuyerSidecar runs manifests/examples/buyer-sidecar as a pod paying through
// Traefik's Service by its cluster DNS name. What the example leaves to the user, the
// test does: a volume for the state claim (no provisioner here), the seller's terms in
// the config ConfigMap and pre-signed authorizations in the auths Secret. The example's
// app container (busybox, which nothing here can pull) is removed; the test plays the
// app from the node through the pod IP (no NetworkPolicy controller runs here, so the
// example's policy is not enforced; with one, the call would come from inside the pod).
func checkBuyerSidecar(ctx context.Context, t *testing.T, c *Cluster, k *kubectl, dir, root string, pr *x402.PaymentRequired,
	buyer *ecdsa.PrivateKey, rpc string, seller common.Address, diagnose func() string) {
	const ns, n = "agent-demo", 3
	createVolume(ctx, t, c, filepath.Join(dir, "volumes", "buyer-state"), ns, "turnpike-buyer-state", "64Mi")
	k.must("", "apply", "-k", filepath.Join(root, "manifests", "examples", "buyer-sidecar"))

	req := pr.Accepts[0]
	cfg, err := json.Marshal(map[string]any{
		"url":     "http://traefik.traefik.svc.cluster.local",
		"network": req.Network, "payTo": req.PayTo, "asset": req.Asset,
		"assetSymbol": "USDC", "assetDecimals": 6,
		"eip712Name": devchain.DefaultTokenName, "eip712Version": devchain.DefaultTokenVersion,
		"price": req.Amount,
	})
	if err != nil {
		t.Fatal(err)
	}
	var auths []map[string]any
	for i := 0; i < n; i++ {
		// Signed for the requirement's maxTimeoutSeconds (300 s): the gate refuses a
		// validBefore further ahead than that plus 30 s (authorization_validity_too_long,
		// maxValiditySlackSeconds), so a pool signed for an hour would be refused until
		// its last 5.5 minutes.
		p, err := eip3009.NewPayment(buyer, req, nil, eip3009.PaymentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		auths = append(auths, map[string]any{"id": fmt.Sprintf("incluster-%d", i), "payment": p})
	}
	authsJSON, err := json.Marshal(auths)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{
		k.must("", "-n", ns, "create", "configmap", "turnpike-buyer-config", "--from-literal=weather.json="+string(cfg), "--dry-run=client", "-o", "yaml"),
		k.must("", "-n", ns, "create", "secret", "generic", "turnpike-buyer-auths", "--from-literal=weather.json="+string(authsJSON), "--dry-run=client", "-o", "yaml"),
	} {
		// replace (a PUT of the whole object), not apply: the example writes the
		// Secret with stringData, and the result of a three-way merge from stringData
		// to data is not something this test wants to depend on.
		k.must(obj, "replace", "-f", "-")
	}
	k.must("", "-n", ns, "patch", "deployment", "agent", "--type=json", "-p",
		`[{"op":"test","path":"/spec/template/spec/containers/0/name","value":"app"},{"op":"remove","path":"/spec/template/spec/containers/0"}]`)
	k.rollout(ns, "deployment/agent", diagnose)

	l, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=agent"})
	if err != nil {
		t.Fatal(err)
	}
	var ip string
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			ip = p.Status.PodIP
		}
	}
	if ip == "" {
		t.Fatalf("no running agent pod\n%s", diagnose())
	}
	before, upBefore := tokenBalance(ctx, t, rpc, seller), upstreamStats(ctx, t, c)
	url := fmt.Sprintf("http://%s/upstream/weather/weather/lima", net.JoinHostPort(ip, "8402"))
	var status int
	var body []byte
	// The sidecar is Ready once it serves; its pool loads the auths from the mounted
	// Secret, which may trail the rollout by a kubelet sync.
	err = poll(ctx, 60*time.Second, func() (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		return status == http.StatusOK, nil
	})
	if err != nil {
		var st []byte
		if resp, err := http.Get(fmt.Sprintf("http://%s/status", net.JoinHostPort(ip, "8402"))); err == nil {
			st, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		t.Fatalf("GET %s through the sidecar: %d %s (%v)\nstatus: %s\n%s", url, status, body, err, st,
			k.must("", "-n", ns, "logs", "deployment/agent", "-c", "turnpike-buyer"))
	}
	var a testupstream.Answer
	if err := json.Unmarshal(body, &a); err != nil || !strings.EqualFold(a.Payer, crypto.PubkeyToAddress(buyer.PublicKey).Hex()) || a.Path != "/weather/lima" {
		t.Errorf("answer through the sidecar %s (%v): want the buyer as payer at /weather/lima", body, err)
	}
	price, _ := new(big.Int).SetString(req.Amount, 10)
	if delta := new(big.Int).Sub(tokenBalance(ctx, t, rpc, seller), before); delta.Cmp(price) != 0 {
		t.Errorf("seller balance moved by %s for one sidecar payment, want exactly %s", delta, price)
	}
	up := upstreamStats(ctx, t, c)
	checkUpstreamClean(t, up)
	if d := up.Requests - upBefore.Requests; d != 1 {
		t.Errorf("upstream called %d times for one sidecar payment", d)
	}
	t.Logf("buyer sidecar pod paid through Traefik: %s", strings.TrimSpace(string(body)))
}
