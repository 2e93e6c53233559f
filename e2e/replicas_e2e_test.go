//go:build e2e

package e2e

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestReplicasOnePaymentOneAnswer is the deployment users run: several gate replicas
// (real Traefik processes interpreting the plugin, and `turnpike gateway` processes)
// on one routes document and one facilitator. Every payment is sent 4 times to every
// replica at once; each must buy exactly one upstream call and one transfer, whatever
// replica wins, and the same must hold when the facilitator is killed (SIGKILL) and
// restarted on its state file in the middle of a storm.
func TestReplicasOnePaymentOneAnswer(t *testing.T) {
	payments := envInt("TURNPIKE_REPLICA_PAYMENTS", 200)
	const copies = 4 // per replica

	w := startReplicaWorld(t, 2, 3)
	replicas := w.replicas
	t.Logf("%d replicas: %v", len(replicas), replicas)

	phase := func(t *testing.T, n int, midway func()) {
		batch := w.signPayments(t, n)
		sellerBefore := w.balance(t, w.seller)
		hitsBefore := w.up.Hits()
		served := w.storm(t, batch, copies, midway)
		w.settleStragglers(t, batch, served)

		// Every payment: exactly one distinct transfer served (repeats of the same
		// answer carry the same transaction), one upstream call, one transfer.
		for i, p := range batch {
			if got := served[i].txs(); len(got) != 1 {
				t.Errorf("payment %d (%s): served with %d distinct transactions %v, want exactly 1", i, p.path, len(got), got)
			}
			if h := w.up.PathHits(p.path); h != 1 {
				t.Errorf("payment %d (%s): upstream called %d times, want 1", i, p.path, h)
			}
		}
		if d := w.up.Hits() - hitsBefore; d != int64(n) {
			t.Errorf("upstream calls %d, want %d (one per payment)", d, n)
		}
		delta := new(big.Int).Sub(w.balance(t, w.seller), sellerBefore)
		want := new(big.Int).Mul(big.NewInt(int64(n)), big.NewInt(10_000))
		if delta.Cmp(want) != 0 {
			t.Errorf("seller received %s on chain, want %s (%d transfers of 10000)", delta, want, n)
		}
		var answers, repeats int
		for _, s := range served {
			answers += s.count
			repeats += s.count - len(s.txs())
		}
		t.Logf("%d payments x %d replicas x %d copies: %d paid answers (%d repeats of an answer already given), %d upstream calls, %s transferred",
			n, len(replicas), copies, answers, repeats, w.up.Hits()-hitsBefore, delta)
	}

	t.Run("storm", func(t *testing.T) { phase(t, payments, nil) })
	t.Run("storm with facilitator restart", func(t *testing.T) {
		phase(t, payments/2, func() { w.fac.restart(t) })
	})
	if fams := scrapeMetrics(t, w.fac.url+"/metrics"); fams != nil {
		var claims float64
		if f := fams["turnpike_facilitator_claims_total"]; f != nil {
			for _, m := range f.Metric {
				claims += m.GetCounter().GetValue()
			}
		}
		if claims == 0 {
			t.Errorf("the facilitator's turnpike_facilitator_claims_total counts nothing after the storms")
		}
	}
}

// startPaidWorld starts the parts every replica world shares: the dev chain, the
// facilitator process on a state file, a counting upstream, a seller and a funded
// buyer. Hundreds of settlements in a few seconds: the dev chain may run ahead of the
// wall clock instead of waiting a second per block past the default 20 s cap.
func startPaidWorld(t *testing.T) *replicaWorld {
	t.Helper()
	ctx := context.Background()
	c, err := devchain.Start(ctx, devchain.Options{ChainID: e2eChainID, MaxDrift: 2 * time.Hour})
	must(t, err, "start dev chain")
	t.Cleanup(func() { _ = c.Close() })
	w := &replicaWorld{chain: c, info: c.Info(), up: newPathUpstream(t)}
	w.fac = startFacilitatorProcess(t, c)
	sellerKey, err := crypto.GenerateKey()
	must(t, err, "seller key")
	w.seller = crypto.PubkeyToAddress(sellerKey.PublicKey)
	w.buyer, err = crypto.GenerateKey()
	must(t, err, "buyer key")
	must(t, c.Fund(ctx, crypto.PubkeyToAddress(w.buyer.PublicKey), nil, big.NewInt(1_000_000_000)), "fund buyer")
	return w
}

// replicaWorld: dev chain, facilitator process, counting upstream, 2 Traefik + 3
// gateway replicas sharing one routes document.
type replicaWorld struct {
	chain    *devchain.Chain
	info     devchain.Info
	fac      *facilitatorProcess
	up       *pathUpstream
	seller   common.Address
	buyer    *ecdsa.PrivateKey
	replicas []string // base URLs
	accepted x402.Requirements
}

func startReplicaWorld(t *testing.T, traefiks, gateways int) *replicaWorld {
	t.Helper()
	w := startPaidWorld(t)
	pay := payment(w.info.Network, w.info.Token.Address.Hex(), w.seller.Hex(), price, w.info.Token.Name, w.info.Token.Version)
	pay.AssetSymbol = w.info.Token.Symbol
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(pay))})

	for i := 0; i < traefiks; i++ {
		conf := gateConfig(cm, w.fac.url, testutil.FreeAddr(t))
		dyn := newDyn().Plugin("x402", turnpikePlugin, conf).Service("up", w.up.URL).
			Router("paid", "PathPrefix(`/api`)", "up", 0, "x402")
		tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map(), LogLevel: "INFO"})
		tr.WaitRoute(t, "/api/probe", 30*time.Second)
		w.replicas = append(w.replicas, "http://"+tr.Web)
	}
	for i := 0; i < gateways; i++ {
		base, _ := startGateway(t, w.up.URL, "/api/probe", gateConfig(cm, w.fac.url, ""))
		w.replicas = append(w.replicas, base)
	}
	for _, r := range w.replicas {
		testutil.Eventually(t, 15*time.Second, "replica "+r+" serves the routes document", func() string {
			if a := get(t, r+"/api/item"); a.Status != http.StatusPaymentRequired {
				return a.String()
			}
			return ""
		})
	}
	pr := paymentRequired(t, w.replicas[0]+"/api/item")
	w.accepted = pr.Accepts[0]
	return w
}

func (w *replicaWorld) balance(t testing.TB, addr common.Address) *big.Int {
	t.Helper()
	cw := &chainWorld{chain: w.chain, info: w.info}
	return cw.balance(t, addr)
}

// replicaPayment is one signed payment for its own path (so upstream calls can be
// told apart per payment).
type replicaPayment struct {
	path, header string
}

var replicaSeq atomic.Int64

func (w *replicaWorld) signPayments(t *testing.T, n int) []replicaPayment {
	t.Helper()
	out := make([]replicaPayment, n)
	for i := range out {
		path := fmt.Sprintf("/api/item/%d", replicaSeq.Add(1))
		p, err := eip3009.NewPayment(w.buyer, w.accepted, &x402.ResourceInfo{URL: w.replicas[0] + path}, eip3009.PaymentOptions{})
		must(t, err, "sign payment")
		h, err := x402.EncodeHeader(p)
		must(t, err, "encode payment")
		out[i] = replicaPayment{path: path, header: h}
	}
	return out
}

// servedLog records the paid answers one payment got (any replica, any copy).
type servedLog struct {
	mu    sync.Mutex
	count int
	tx    map[string]bool
	other map[string]int // refusals by status and reason, for the log
}

func (s *servedLog) add(a answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Status == http.StatusOK && strings.Contains(string(a.Body), paidMarker) {
		s.count++
		if s.tx == nil {
			s.tx = map[string]bool{}
		}
		var r x402.SettleResponse
		_ = x402.DecodeHeader(a.Header.Get(x402.HeaderPaymentResponse), 0, &r)
		s.tx[r.Transaction] = true
		return
	}
	if s.other == nil {
		s.other = map[string]int{}
	}
	s.other[strconv.Itoa(a.Status)+" "+reasonIn(a.Body)]++
}

func (s *servedLog) txs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tx := range s.tx {
		out = append(out, tx)
	}
	return out
}

// storm sends every payment copies times to every replica at once, a few payments at
// a time; midway runs once half the payments were sent.
func (w *replicaWorld) storm(t *testing.T, batch []replicaPayment, copies int, midway func()) []*servedLog {
	t.Helper()
	served := make([]*servedLog, len(batch))
	for i := range served {
		served[i] = &servedLog{}
	}
	client := newLoadClient(64)
	const parallelPayments = 8
	sem := make(chan struct{}, parallelPayments)
	var wg sync.WaitGroup
	start := time.Now()
	for i, p := range batch {
		if midway != nil && i == len(batch)/2 {
			midway()
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var inner sync.WaitGroup
			gate := make(chan struct{})
			for _, r := range w.replicas {
				for c := 0; c < copies; c++ {
					inner.Add(1)
					go func() {
						defer inner.Done()
						<-gate // all copies leave together
						served[i].add(send(client, r+p.path, p.header))
					}()
				}
			}
			close(gate)
			inner.Wait()
		}()
	}
	wg.Wait()
	t.Logf("storm: %d payments x %d requests in %v", len(batch), len(w.replicas)*copies, time.Since(start).Round(time.Millisecond))
	return served
}

// settleStragglers retries, with the same payment, every payment that got no paid
// answer in the storm (the facilitator was down, or its settle outcome was being
// reconciled): a buyer who paid must get the answer, from whichever replica holds it.
func (w *replicaWorld) settleStragglers(t *testing.T, batch []replicaPayment, served []*servedLog) {
	t.Helper()
	client := newLoadClient(8)
	deadline := time.Now().Add(60 * time.Second)
	for i, p := range batch {
		for len(served[i].txs()) == 0 {
			for _, r := range w.replicas {
				served[i].add(send(client, r+p.path, p.header))
			}
			if len(served[i].txs()) > 0 {
				break
			}
			if time.Now().After(deadline) {
				served[i].mu.Lock()
				t.Errorf("payment %d (%s) never got its answer: %v", i, p.path, served[i].other)
				served[i].mu.Unlock()
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

func send(client *http.Client, url, header string) answer {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return answer{Status: -1, Body: []byte(err.Error())}
	}
	req.Header.Set(x402.HeaderPaymentSignature, header)
	resp, err := client.Do(req)
	if err != nil {
		return answer{Status: -1, Body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// pathUpstream counts calls per path and keeps the headers of the last call per
// path; paths containing /fail/ answer 500, paths containing /slow/ take 300 ms.
type pathUpstream struct {
	URL     string
	hits    atomic.Int64
	mu      sync.Mutex
	paths   map[string]int
	headers map[string]http.Header
}

func newPathUpstream(t testing.TB) *pathUpstream {
	u := &pathUpstream{paths: map[string]int{}, headers: map[string]http.Header{}}
	u.URL = serve(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		u.mu.Lock()
		u.paths[r.URL.Path]++
		u.headers[r.URL.Path] = r.Header.Clone()
		u.mu.Unlock()
		if strings.Contains(r.URL.Path, "/slow/") {
			select {
			case <-time.After(300 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		if strings.Contains(r.URL.Path, "/fail/") {
			http.Error(rw, `{"error":"upstream broke"}`, http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"content":%q,"path":%q}`, paidMarker, r.URL.Path)
	}))
	return u
}

// Header returns a header the upstream received on its last call for path p.
func (u *pathUpstream) Header(p, name string) []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.headers[p].Values(name)
}

func (u *pathUpstream) Hits() int64 { return u.hits.Load() }

func (u *pathUpstream) PathHits(p string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.paths[p]
}

// facilitatorProcess is `turnpike facilitator` as its own process with a state file,
// so a test can kill it (SIGKILL, no graceful shutdown) and start it again on the same
// address and state.
type facilitatorProcess struct {
	url, addr, state, rpc, key, dir string
	cmd                             *exec.Cmd
	starts                          int
}

func startFacilitatorProcess(t *testing.T, c *devchain.Chain) *facilitatorProcess {
	t.Helper()
	dir := t.TempDir()
	f := &facilitatorProcess{
		addr: testutil.FreeAddr(t), dir: dir, state: filepath.Join(dir, "facilitator.state"), rpc: c.RPCURL(),
		key: hex.EncodeToString(crypto.FromECDSA(c.Account(devchain.RoleFacilitator).Key)),
	}
	f.url = "http://" + f.addr
	f.start(t)
	t.Cleanup(func() { f.kill() })
	return f
}

func (f *facilitatorProcess) start(t *testing.T) {
	t.Helper()
	if moduleRoot == "" {
		moduleRoot = testenv.RepoRoot(t)
	}
	bin, err := turnpikeBinary()
	if err != nil {
		t.Fatal(err)
	}
	f.starts++
	logf, err := os.Create(filepath.Join(f.dir, fmt.Sprintf("facilitator-%d.log", f.starts)))
	must(t, err, "facilitator log")
	f.cmd = exec.Command(bin, "facilitator", "-listen", f.addr, "-rpc", f.rpc, "-state", f.state)
	f.cmd.Env = append(os.Environ(), "TURNPIKE_RELAYER_KEY="+f.key)
	f.cmd.Stdout, f.cmd.Stderr = logf, logf
	must(t, f.cmd.Start(), "start facilitator")
	testutil.Eventually(t, 20*time.Second, "facilitator answers /supported", func() string {
		resp, err := http.Get(f.url + "/supported")
		if err != nil {
			return err.Error()
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return ""
	})
}

func (f *facilitatorProcess) kill() {
	if f.cmd != nil && f.cmd.Process != nil {
		_ = f.cmd.Process.Signal(syscall.SIGKILL)
		_ = f.cmd.Wait()
	}
}

// restart kills the facilitator without warning and starts it on the same state.
func (f *facilitatorProcess) restart(t *testing.T) {
	t.Helper()
	f.kill()
	f.start(t)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestReplicasWithoutClaims measures what the safe default buys with a facilitator
// that cannot claim (the official TypeScript facilitator, as x402.org or CDP would
// behave): two Traefik replicas, every payment sent 4 times to each at once. The gate
// sees no claim, settles before the upstream, and only the replica whose settle
// spends the nonce calls the upstream: at most one answer, one upstream call, one
// transfer per payment; when concurrent settles all fail, nothing moved and the retry
// is served. The refusals are logged (docs/gate.md, "Guarantees").
func TestReplicasWithoutClaims(t *testing.T) {
	const payments, copies = 10, 4
	cw := startChainWorld(t)
	official := startOfficialFacilitator(t, cw)
	w := &replicaWorld{chain: cw.chain, info: cw.info, up: newPathUpstream(t)}
	sellerKey, err := crypto.GenerateKey()
	must(t, err, "seller key")
	w.seller = crypto.PubkeyToAddress(sellerKey.PublicKey)
	w.buyer, err = crypto.GenerateKey()
	must(t, err, "buyer key")
	must(t, cw.chain.Fund(context.Background(), crypto.PubkeyToAddress(w.buyer.PublicKey), nil, big.NewInt(1_000_000)), "fund buyer")
	pay := payment(w.info.Network, w.info.Token.Address.Hex(), w.seller.Hex(), price, w.info.Token.Name, w.info.Token.Version)
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(pay))})
	metrics := []string{}
	for i := 0; i < 2; i++ {
		addr := testutil.FreeAddr(t)
		metrics = append(metrics, "http://"+addr+"/metrics")
		dyn := newDyn().Plugin("x402", turnpikePlugin, gateConfig(cm, official, addr)).Service("up", w.up.URL).
			Router("paid", "PathPrefix(`/api`)", "up", 0, "x402")
		tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map(), LogLevel: "INFO"})
		tr.WaitRoute(t, "/api/probe", 30*time.Second)
		w.replicas = append(w.replicas, "http://"+tr.Web)
	}
	for _, r := range w.replicas {
		testutil.Eventually(t, 15*time.Second, "replica "+r+" serves the routes document", func() string {
			if a := get(t, r+"/api/item"); a.Status != http.StatusPaymentRequired {
				return a.String()
			}
			return ""
		})
	}
	w.accepted = paymentRequired(t, w.replicas[0]+"/api/item").Accepts[0]
	batch := w.signPayments(t, payments)
	before := w.balance(t, w.seller)
	served := w.storm(t, batch, copies, nil)
	unanswered := 0
	for i := range batch {
		if len(served[i].txs()) == 0 {
			unanswered++
		}
	}
	// Two replicas settling one authorization at the same moment may both be refused
	// (nothing moves, both say so); the buyer's retry with the same payment is served.
	w.settleStragglers(t, batch, served)
	refusals := map[string]int{}
	for i, p := range batch {
		if got := served[i].txs(); len(got) != 1 {
			t.Errorf("payment %d: served with %d distinct transactions, want 1 (refusals %v)", i, len(got), served[i].other)
		}
		if h := w.up.PathHits(p.path); h != 1 {
			t.Errorf("payment %d (%s): upstream called %d times, want 1", i, p.path, h)
		}
		for k, n := range served[i].other {
			refusals[k] += n
		}
	}
	if d := new(big.Int).Sub(w.balance(t, w.seller), before); d.Cmp(big.NewInt(payments*10_000)) != 0 {
		t.Errorf("seller received %s, want %d transfers", d, payments)
	}
	var unclaimed float64
	for _, m := range metrics {
		v, _ := metricValue(scrapeMetrics(t, m), "turnpike_payment_unclaimed_total", map[string]string{"offer_name": "api"})
		unclaimed += v
	}
	if unclaimed == 0 {
		t.Errorf("turnpike_payment_unclaimed_total counts nothing: the gates did not notice the facilitator cannot claim")
	}
	t.Logf("no-claim facilitator, 2 replicas x %d copies: %d payments, %d unanswered in the storm (served on retry), %d upstream calls, refusals %v, unclaimed payments settled first %v",
		copies, payments, unanswered, w.up.Hits(), refusals, unclaimed)
}
