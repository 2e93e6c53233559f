//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/facilitator"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// e2eChainID is Base Sepolia's id: the dev chain runs under it so the v1 client, which
// only knows named networks, can pay too ("base-sepolia" in v1 terms).
const e2eChainID = 84532

const price = "10000" // 0.01 USDC; below the v1 client's default cap of 0.1

// chainWorld is the dev chain with its token and our facilitator relaying for it.
type chainWorld struct {
	chain   *devchain.Chain
	info    devchain.Info
	network string
	facURL  string
}

func startChainWorld(t *testing.T) *chainWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c, err := devchain.Start(ctx, devchain.Options{ChainID: e2eChainID})
	must(t, err, "start dev chain")
	t.Cleanup(func() { _ = c.Close() })

	logf, err := os.Create(filepath.Join(t.TempDir(), "facilitator.log"))
	must(t, err, "facilitator log")
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- facilitator.Serve(ctx, facilitator.ServeConfig{
			Addr:    "127.0.0.1:0",
			RPCURLs: []string{c.RPCURL()},
			Key:     c.Account(devchain.RoleFacilitator).Key,
			Logger:  slog.New(slog.NewTextHandler(logf, nil)),
			Ready:   func(a string) { ready <- a },
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = logf.Close()
	})
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("facilitator stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("facilitator not ready after 30 s")
	}
	info := c.Info()
	return &chainWorld{chain: c, info: info, network: info.Network, facURL: "http://" + addr}
}

// payment is the offer's single accepted payment option on the dev token.
func (w *chainWorld) payment(payTo common.Address) routes.Payment {
	p := payment(w.network, w.info.Token.Address.Hex(), payTo.Hex(), price, w.info.Token.Name, w.info.Token.Version)
	p.AssetSymbol = w.info.Token.Symbol
	return p
}

// newBuyer makes a fresh key holding tokens (no ETH: EIP-3009 is gasless for payers).
func (w *chainWorld) newBuyer(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.GenerateKey()
	must(t, err, "buyer key")
	must(t, w.chain.Fund(context.Background(), crypto.PubkeyToAddress(key.PublicKey), nil, big.NewInt(1_000_000)), "fund buyer")
	return key
}

// balance reads the token balance of addr on chain (balanceOf(address)).
func (w *chainWorld) balance(t testing.TB, addr common.Address) *big.Int {
	t.Helper()
	data := append(common.FromHex("0x70a08231"), common.LeftPadBytes(addr.Bytes(), 32)...)
	out, err := w.chain.Client().CallContract(context.Background(), ethereum.CallMsg{To: &w.info.Token.Address, Data: data}, nil)
	must(t, err, "balanceOf %s", addr)
	return new(big.Int).SetBytes(out)
}

// settleRejecter sits in front of the real facilitator: /verify and /supported pass
// through, /settle is refused as a facilitator does when the transfer fails on chain.
func settleRejecter(t *testing.T, facURL string) string {
	target, err := url.Parse(facURL)
	must(t, err, "facilitator URL")
	proxy := httputil.NewSingleHostReverseProxy(target)
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/settle" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(x402.SettleResponse{
				Success: false, ErrorReason: x402.ReasonEVMTransactionFailed,
				ErrorMessage: "transfer reverted", Network: "eip155:84532",
			})
			return
		}
		proxy.ServeHTTP(w, r)
	}))
}

// npmClients returns the folder holding the official clients and pay.mjs.
func npmClients(t *testing.T) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "install-deps.d", "60-e2e-clients.sh")).Output()
	must(t, err, "scripts/install-deps.d/60-e2e-clients.sh")
	dir := filepath.Dir(strings.TrimSpace(string(out))) // the script prints node_modules
	// pay.mjs must sit next to node_modules for Node to resolve the packages.
	src, err := os.ReadFile(filepath.Join(root, "e2e", "clients", "pay.mjs"))
	must(t, err, "read pay.mjs")
	tmp, err := os.CreateTemp(dir, ".pay-*.mjs")
	must(t, err, "stage pay.mjs")
	_, err = tmp.Write(src)
	must(t, err, "stage pay.mjs")
	_ = tmp.Close()
	must(t, os.Rename(tmp.Name(), filepath.Join(dir, "pay.mjs")), "stage pay.mjs")
	return dir
}

// clientResult is what pay.mjs prints.
type clientResult struct {
	Status           int    `json:"status"`
	PaymentResponse  string `json:"paymentResponse"`
	XPaymentResponse string `json:"xPaymentResponse"`
	Body             string `json:"body"`
	Error            string `json:"error"`
	MS               int    `json:"ms"`
}

func payWithClient(t *testing.T, dir, version, target string, key *ecdsa.PrivateKey, rpc string) clientResult {
	t.Helper()
	node := testenv.Bin(t, "node")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "pay.mjs"), version, target, "0x"+hex.EncodeToString(crypto.FromECDSA(key)), rpc)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s client: %v\n%s\n%s", version, err, out, stderr.String())
	}
	var res clientResult
	must(t, json.Unmarshal(out, &res), "%s client output %q", version, out)
	if res.Error != "" {
		t.Fatalf("%s client failed: %s\nstderr: %s", version, res.Error, stderr.String())
	}
	return res
}

// signedPayment signs a v2 payment for the challenge at target with our own signer.
func signedPayment(t *testing.T, target string, key *ecdsa.PrivateKey) string {
	t.Helper()
	pr := paymentRequired(t, target)
	p, err := eip3009.NewPayment(key, pr.Accepts[0], &pr.Resource, eip3009.PaymentOptions{})
	must(t, err, "sign payment")
	h, err := x402.EncodeHeader(p)
	must(t, err, "encode payment")
	return h
}

// receipt decodes a settlement receipt header.
func receipt(t *testing.T, value string) x402.SettleResponse {
	t.Helper()
	var sr x402.SettleResponse
	must(t, x402.DecodeHeader(value, 0, &sr), "decode receipt %q", value)
	return sr
}

// TestPaidThroughTraefik pays the gate inside real Traefik with the official v2 and v1
// clients and our own signer, settles on the dev chain through our facilitator, and
// checks every way a paid request can go.
func TestPaidThroughTraefik(t *testing.T) {
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address
	rejecter := settleRejecter(t, w.facURL)
	official := startOfficialFacilitator(t, w)
	clients := npmClients(t)

	cm := newConfigMapDir(t)
	api := shopOffer(w.payment(seller))
	rej := routes.Offer{Namespace: "shop", Name: "rejects", State: routes.StateActive, PathPrefix: "/rej",
		Payments: []routes.Payment{w.payment(seller)}}
	off := routes.Offer{Namespace: "shop", Name: "official", State: routes.StateActive, PathPrefix: "/off",
		Payments: []routes.Payment{w.payment(seller)}}
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, api, rej, off)})

	up := newUpstream(t)
	metricsAddr := testutil.FreeAddr(t)
	conf := gateConfig(cm, w.facURL, metricsAddr)
	rejConf := gateConfig(cm, rejecter, metricsAddr)
	rejConf["offer"] = "shop/rejects"
	offConf := gateConfig(cm, official, metricsAddr)
	offConf["offer"] = "shop/official"
	dyn := newDyn().
		Plugin("x402", turnpikePlugin, conf).
		Plugin("x402rej", turnpikePlugin, rejConf).
		Service("up", up.URL).
		Router("paid", "PathPrefix(`/api`)", "up", 0, "x402").
		Router("rej", "PathPrefix(`/rej`)", "up", 0, "x402rej").
		Plugin("x402off", turnpikePlugin, offConf).
		Router("off", "PathPrefix(`/off`)", "up", 0, "x402off")
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map()})
	tr.WaitRoute(t, "/api/probe", 30*time.Second)
	testutil.Eventually(t, reloadSlack, "routes loaded", func() string {
		if a := get(t, tr.URL("/api/probe")); a.Status != http.StatusPaymentRequired {
			return a.String()
		}
		return ""
	})

	amount, _ := new(big.Int).SetString(price, 10)
	charged := 0

	// paidOnce checks that exactly one price moved from payer to seller.
	type balances struct{ payer, seller *big.Int }
	snapshot := func(payer common.Address) balances {
		return balances{w.balance(t, payer), w.balance(t, seller)}
	}
	moved := func(t *testing.T, payer common.Address, before balances, times int64) {
		t.Helper()
		after := snapshot(payer)
		want := new(big.Int).Mul(amount, big.NewInt(times))
		if d := new(big.Int).Sub(before.payer, after.payer); d.Cmp(want) != 0 {
			t.Errorf("payer paid %s, want %s", d, want)
		}
		if d := new(big.Int).Sub(after.seller, before.seller); d.Cmp(want) != 0 {
			t.Errorf("seller received %s, want %s", d, want)
		}
	}

	for _, tc := range []struct {
		desc, version, path, receiptHeader string
	}{
		{desc: "official v2 client (@x402/fetch) pays", version: "v2", path: "/api/report", receiptHeader: "paymentResponse"},
		{desc: "official v1 client (x402-fetch) pays", version: "v1", path: "/api/report-v1", receiptHeader: "xPaymentResponse"},
		// Both peers official, only the gate in the middle is ours. (v2 only:
		// interop/facilitator.mjs registers the scheme for v2 payloads.)
		{desc: "official v2 client pays, official TS facilitator settles", version: "v2", path: "/off/report", receiptHeader: "paymentResponse"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			key := w.newBuyer(t)
			payer := crypto.PubkeyToAddress(key.PublicKey)
			before := snapshot(payer)
			res := payWithClient(t, clients, tc.version, tr.URL(tc.path), key, w.chain.RPCURL())
			if res.Status != http.StatusOK || !strings.Contains(res.Body, paidMarker) {
				t.Fatalf("%s client: HTTP %d %s", tc.version, res.Status, res.Body)
			}
			raw := res.PaymentResponse
			if tc.receiptHeader == "xPaymentResponse" {
				raw = res.XPaymentResponse
			}
			sr := receipt(t, raw)
			if !sr.Success || !strings.HasPrefix(sr.Transaction, "0x") || !strings.EqualFold(sr.Payer, payer.Hex()) {
				t.Fatalf("receipt %+v, want success by %s with a transaction", sr, payer.Hex())
			}
			rcpt, err := w.chain.Client().TransactionReceipt(context.Background(), common.HexToHash(sr.Transaction))
			must(t, err, "receipt of %s", sr.Transaction)
			if rcpt.Status != 1 {
				t.Fatalf("settlement transaction %s failed on chain", sr.Transaction)
			}
			moved(t, payer, before, 1)
			if strings.HasPrefix(tc.path, "/api/") { // the offer the metrics check counts
				charged++
			}
			if got := up.LastHeader("X-Turnpike-Payer"); !strings.EqualFold(got, payer.Hex()) {
				t.Errorf("upstream saw payer %q, want %s", got, payer.Hex())
			}
			for _, h := range []string{x402.HeaderPaymentSignature, x402.HeaderXPayment} {
				if up.LastHeader(h) != "" {
					t.Errorf("the payment header %s reached the upstream", h)
				}
			}
			t.Logf("%s client paid in %d ms (tx %s)", tc.version, res.MS, sr.Transaction)
		})
	}

	// One payment, one answer: the same request again gets the same answer (no new
	// upstream call, no new transfer); another request is refused.
	t.Run("replay of a settled payment is rejected", func(t *testing.T) {
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		before := snapshot(payer)
		h := signedPayment(t, tr.URL("/api/once"), key)
		first := get(t, tr.URL("/api/once"), x402.HeaderPaymentSignature, h)
		if first.Status != http.StatusOK {
			t.Fatalf("first use: %s", first)
		}
		charged++
		hits := up.Hits()
		same := get(t, tr.URL("/api/once"), x402.HeaderPaymentSignature, h)
		if same.Status != http.StatusOK || string(same.Body) != string(first.Body) ||
			same.Header.Get(x402.HeaderPaymentResponse) != first.Header.Get(x402.HeaderPaymentResponse) {
			t.Fatalf("the same request again: %s, want the first answer with its receipt", same)
		}
		again := get(t, tr.URL("/api/other"), x402.HeaderPaymentSignature, h)
		if again.Status == http.StatusOK || strings.Contains(string(again.Body), paidMarker) {
			t.Fatalf("replay on /api/other was served: %s", again)
		}
		t.Logf("replay on /api/other: HTTP %d reason %s", again.Status, reasonIn(again.Body))
		if up.Hits() != hits {
			t.Errorf("a replayed payment reached the upstream")
		}
		moved(t, payer, before, 1)
	})

	t.Run("settle rejected: 402 and no content", func(t *testing.T) {
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		before := snapshot(payer)
		a := get(t, tr.URL("/rej/item"), x402.HeaderPaymentSignature, signedPayment(t, tr.URL("/rej/item"), key))
		if a.Status != http.StatusPaymentRequired {
			t.Errorf("settle rejected: %s, want 402", a)
		}
		if strings.Contains(string(a.Body), paidMarker) {
			t.Errorf("content delivered although settlement failed: %s", a.Body)
		}
		if r := reasonIn(a.Body); r == "" {
			t.Errorf("no reason in %s", a.Body)
		}
		moved(t, payer, before, 0)
	})

	t.Run("upstream 500: nothing settled", func(t *testing.T) {
		key := w.newBuyer(t)
		payer := crypto.PubkeyToAddress(key.PublicKey)
		before := snapshot(payer)
		hits := up.Hits()
		a := get(t, tr.URL("/api/fail/x"), x402.HeaderPaymentSignature, signedPayment(t, tr.URL("/api/fail/x"), key))
		if a.Status < 500 {
			t.Errorf("upstream failure answered %s, want the upstream's 5xx", a)
		}
		if up.Hits() != hits+1 {
			t.Errorf("upstream hits grew by %d, want 1", up.Hits()-hits)
		}
		if v := a.Header.Get(x402.HeaderPaymentResponse); v != "" && receipt(t, v).Success {
			t.Errorf("a successful receipt came with the upstream failure")
		}
		moved(t, payer, before, 0)
	})

	for _, sse := range []struct{ desc, path string }{
		{desc: "SSE on a settle-before route streams chunk by chunk", path: "/api/sse/ticks"},
		{desc: "SSE asked for (Accept) on a settle-after route is settled first and streams", path: "/api/live/sse/ticks"},
	} {
		t.Run(sse.desc, func(t *testing.T) {
			key := w.newBuyer(t)
			payer := crypto.PubkeyToAddress(key.PublicKey)
			before := snapshot(payer)
			target := tr.URL(sse.path)
			req, err := http.NewRequest(http.MethodGet, target, nil)
			must(t, err, "request")
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set(x402.HeaderPaymentSignature, signedPayment(t, target, key))
			resp, err := http.DefaultClient.Do(req)
			must(t, err, "GET %s", target)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("SSE: HTTP %d %s", resp.StatusCode, body)
			}
			if sr := receipt(t, resp.Header.Get(x402.HeaderPaymentResponse)); !sr.Success {
				t.Fatalf("SSE receipt %+v", sr)
			}
			var arrivals []time.Time
			var lags []time.Duration
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				if !strings.HasPrefix(line, "data: ") {
					continue
				}
				now := time.Now()
				var ev struct {
					I      int   `json:"i"`
					SentAt int64 `json:"sentAt"`
				}
				must(t, json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev), "event %q", line)
				arrivals = append(arrivals, now)
				lags = append(lags, now.Sub(time.Unix(0, ev.SentAt)))
			}
			if len(arrivals) != sseEvents {
				t.Fatalf("got %d events, want %d", len(arrivals), sseEvents)
			}
			for i, lag := range lags {
				// Each event must arrive long before the next one is even written.
				if lag > sseGap/2 {
					t.Errorf("event %d arrived %v after it was sent: the stream is buffered", i, lag)
				}
			}
			if spread := arrivals[len(arrivals)-1].Sub(arrivals[0]); spread < time.Duration(sseEvents-1)*sseGap*8/10 {
				t.Errorf("events arrived within %v, want about %v apart (buffered)", spread, time.Duration(sseEvents-1)*sseGap)
			}
			t.Logf("SSE lags %v", lags)
			moved(t, payer, before, 1)
			charged++
		})
	}

	t.Run("metrics count what was charged", func(t *testing.T) {
		fams := scrapeMetrics(t, "http://"+metricsAddr+"/metrics")
		labels := map[string]string{"offer_namespace": "shop", "offer_name": "api", "chain": w.network, "asset_symbol": w.info.Token.Symbol}
		n, _ := metricValue(fams, "turnpike_charged_requests_total", labels)
		if int(n) != charged {
			t.Errorf("turnpike_charged_requests_total%v = %v, want %d", labels, n, charged)
		}
		atomic, _ := metricValue(fams, "turnpike_charged_amount_atomic_total", labels)
		if want := float64(charged) * 10000; atomic != want {
			t.Errorf("turnpike_charged_amount_atomic_total = %v, want %v", atomic, want)
		}
		failed, _ := metricValue(fams, "turnpike_payment_failed_total", map[string]string{"offer_name": "rejects"})
		if failed < 1 {
			t.Errorf("turnpike_payment_failed_total for the rejected settlement = %v, want >= 1", failed)
		}
		if _, ok := metricValue(fams, "turnpike_facilitator_request_duration_seconds", labels); !ok {
			t.Errorf("no facilitator latency histogram for %v", labels)
		}
	})
}
