package interop_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/facilitator"
	"github.com/turnpike-x402/turnpike/gateway"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// chainID is Base Sepolia's: the v1 client only pays networks it knows by name, and
// the gate offers eip155:84532 to v1 clients as "base-sepolia".
const chainID = 84532

// price is what one request costs, in the token's atomic units (0.01 USDC), below the
// v1 client's default cap of 0.1 USDC.
const price = 10_000

// Offer and paths the gate serves.
const (
	offerNS, offerName = "interop", "api"
	pathPrefix         = "/api"
	payerHeader        = "X-Turnpike-Payer"
)

// world is one dev chain (chain id 84532, dev EIP-3009 token) with a seller and an
// upstream that knows nothing about payments.
type world struct {
	chain  *devchain.Chain
	info   devchain.Info
	seller common.Address
	up     *upstream
	upURL  string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	c, err := devchain.Start(ctx, devchain.Options{ChainID: chainID})
	if err != nil {
		t.Fatalf("start dev chain: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	w := &world{chain: c, info: c.Info(), seller: c.Account(devchain.RoleSeller).Address, up: &upstream{}}
	w.upURL = serve(t, w.up)
	return w
}

// serve runs h on a loopback ephemeral port until the test ends.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// upstream is the seller's service: it answers every GET with a body naming the path,
// and records what reached it so tests can prove the gate let nothing unpaid through
// and stripped the payment headers.
type upstream struct {
	mu   sync.Mutex
	seen []seenRequest
	// before runs before the answer to a request for its path (then is removed).
	before map[string]func()
}

// onRequest makes the next request for path run f before it is answered.
func (u *upstream) onRequest(path string, f func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.before == nil {
		u.before = map[string]func(){}
	}
	u.before[path] = f
}

type seenRequest struct {
	path, payer string
	withPayment bool
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.seen = append(u.seen, seenRequest{
		path:        r.URL.Path,
		payer:       r.Header.Get(payerHeader),
		withPayment: r.Header.Get(x402.HeaderPaymentSignature) != "" || r.Header.Get(x402.HeaderXPayment) != "",
	})
	f := u.before[r.URL.Path]
	delete(u.before, r.URL.Path)
	u.mu.Unlock()
	if f != nil {
		f()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, upstreamBody(r.URL.Path))
}

func upstreamBody(path string) string {
	return fmt.Sprintf(`{"resource":%q,"data":"paid content"}`+"\n", path)
}

func (u *upstream) requests() []seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seenRequest(nil), u.seen...)
}

// ourFacilitator runs Turnpike's facilitator on the chain and returns its URL.
func (w *world) ourFacilitator(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- facilitator.Serve(ctx, facilitator.ServeConfig{
			Addr:           "127.0.0.1:0",
			RPCURLs:        []string{w.chain.RPCURL()},
			Key:            w.chain.Account(devchain.RoleFacilitator).Key,
			ReceiptTimeout: 20 * time.Second,
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			Ready:          func(a string) { ready <- a },
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case a := <-ready:
		return "http://" + a
	case err := <-done:
		t.Fatalf("our facilitator stopped at start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("our facilitator not ready after 30 s")
	}
	return ""
}

// officialFacilitator runs the official TypeScript facilitator (interop/facilitator.mjs:
// @x402/core x402Facilitator + @x402/evm ExactEvmScheme behind a small HTTP server) on
// the chain's JSON-RPC, relaying with its own dev account, and returns its URL.
func (w *world) officialFacilitator(t *testing.T) string {
	t.Helper()
	dir := stageNode(t, officialModules(t), rootFile(t, "interop", "facilitator.mjs"))
	relayer := w.chain.Accounts()[5] // not a role account: our facilitator's nonces stay apart
	cmd := exec.Command(testenv.Bin(t, "node"), "facilitator.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RPC_URL="+w.chain.RPCURL(), fmt.Sprintf("CHAIN_ID=%d", chainID),
		"RELAYER_KEY=0x"+hex.EncodeToString(crypto.FromECDSA(relayer.Key)))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testenv.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start official facilitator: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() && stderr.String() != "" {
			t.Logf("official facilitator stderr:\n%s", stderr.String())
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-lines:
		var ready struct {
			Listening string `json:"listening"`
		}
		if json.Unmarshal([]byte(line), &ready) != nil || ready.Listening == "" {
			t.Fatalf("official facilitator did not start: %q, stderr: %s", line, stderr.String())
		}
		return "http://" + ready.Listening
	case <-time.After(60 * time.Second):
		t.Fatalf("official facilitator not ready after 60 s, stderr: %s", stderr.String())
	}
	return ""
}

// gatewayConfig is a Traefik dynamic configuration (file provider) with the gate
// middleware; `turnpike gateway -config` reads the middleware from such a file.
const gatewayConfig = `http:
  middlewares:
    pay-api:
      plugin:
        turnpike:
          offer: %q
          routesFile: %q
          facilitatorURL: %q
          payerHeader: %q
          pollIntervalMs: 100
          # Generous: the first calls into a cold node process under -race on 2 cores.
          verifyTimeoutMs: 30000
          settleTimeoutMs: 60000
          # One gateway here: keep settle-after with the official facilitator (which
          # cannot claim), so its settle failures after the upstream are exercised.
          unclaimedSettlement: after
  routers:
    api:
      rule: "PathPrefix(` + "`" + pathPrefix + "`" + `)"
      middlewares: [pay-api]
      service: api
  services:
    api:
      loadBalancer:
        servers:
          - url: %q
`

// gateway runs `turnpike gateway` (the gateway package, in process) in front of the
// upstream, selling the offer through the facilitator at facURL, and returns its URL
// once the routes document is loaded.
func (w *world) gateway(t *testing.T, facURL string) string {
	t.Helper()
	dir := t.TempDir()
	doc := routes.Document{Schema: routes.Schema, Generation: 1, Offers: []routes.Offer{{
		Namespace: offerNS, Name: offerName, State: routes.StateActive, PathPrefix: pathPrefix,
		Description: "interop test API", MimeType: "application/json", Settlement: routes.SettleAfter,
		Payments: []routes.Payment{{
			Scheme: x402.SchemeExact, Network: w.info.Network, Amount: fmt.Sprint(price),
			Asset: w.info.Token.Address.Hex(), PayTo: w.seller.Hex(), MaxTimeoutSeconds: 60,
			EIP712Name: w.info.Token.Name, EIP712Version: w.info.Token.Version,
			AssetSymbol: w.info.Token.Symbol, AssetDecimals: int(w.info.Token.Decimals),
		}},
	}}}
	if err := doc.Validate(); err != nil {
		t.Fatalf("routes document: %v", err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	routesFile := filepath.Join(dir, routes.DataKey)
	if err := os.WriteFile(routesFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "dynamic.yml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(gatewayConfig, offerNS+"/"+offerName, routesFile, facURL, payerHeader, w.upURL)), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- gateway.Run(ctx, gateway.Options{DynamicConfig: conf, Listen: "127.0.0.1:0", Upstream: w.upURL,
			Ready: func(a string) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway stopped with %v", err)
		}
	})
	var base string
	select {
	case a := <-ready:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("gateway stopped at start: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("gateway not ready after 15 s")
	}
	// Until the routes document is loaded the gate answers 503 routes_not_loaded.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + pathPrefix + "/probe")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusPaymentRequired {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not load its routes within 15 s (last: %v %v)", resp, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newBuyer is a fresh key holding tokens and no ETH (EIP-3009 payers need no gas).
func (w *world) newBuyer(t *testing.T, tokens int64) *ecdsa.PrivateKey {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if tokens > 0 {
		if err := w.chain.Fund(context.Background(), crypto.PubkeyToAddress(key.PublicKey), nil, big.NewInt(tokens)); err != nil {
			t.Fatalf("fund buyer: %v", err)
		}
	}
	return key
}

// balance reads balanceOf(addr) of the dev token on chain.
func (w *world) balance(t *testing.T, addr common.Address) *big.Int {
	t.Helper()
	data := append(common.FromHex("0x70a08231"), common.LeftPadBytes(addr.Bytes(), 32)...)
	out, err := w.chain.Client().CallContract(context.Background(), ethereum.CallMsg{To: &w.info.Token.Address, Data: data}, nil)
	if err != nil {
		t.Fatalf("balanceOf %s: %v", addr.Hex(), err)
	}
	return new(big.Int).SetBytes(out)
}

type balances struct{ payer, seller *big.Int }

func (w *world) snapshot(t *testing.T, payer common.Address) balances {
	t.Helper()
	return balances{w.balance(t, payer), w.balance(t, w.seller)}
}

// moved asserts that exactly want token units went from payer to the seller since
// before.
func (w *world) moved(t *testing.T, payer common.Address, before balances, want int64) {
	t.Helper()
	after := w.snapshot(t, payer)
	if d := new(big.Int).Sub(before.payer, after.payer); d.Cmp(big.NewInt(want)) != 0 {
		t.Errorf("payer balance went down by %s, want %d", d, want)
	}
	if d := new(big.Int).Sub(after.seller, before.seller); d.Cmp(big.NewInt(want)) != 0 {
		t.Errorf("seller balance went up by %s, want %d", d, want)
	}
}

var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// transferred asserts that tx is a successful transaction whose only token Transfer
// is price from payer to the seller.
func (w *world) transferred(t *testing.T, tx string, payer common.Address) {
	t.Helper()
	if len(tx) != 66 || !strings.HasPrefix(tx, "0x") {
		t.Fatalf("receipt transaction %q is not a transaction hash", tx)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := w.chain.Client().TransactionReceipt(ctx, common.HexToHash(tx))
	if err != nil {
		t.Fatalf("transaction %s on chain: %v", tx, err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s reverted", tx)
	}
	var transfers []*types.Log
	for _, l := range r.Logs {
		if l.Address == w.info.Token.Address && len(l.Topics) == 3 && l.Topics[0] == transferTopic {
			transfers = append(transfers, l)
		}
	}
	if len(transfers) != 1 {
		t.Fatalf("transaction %s has %d token transfers, want 1", tx, len(transfers))
	}
	l := transfers[0]
	from, to := common.BytesToAddress(l.Topics[1].Bytes()), common.BytesToAddress(l.Topics[2].Bytes())
	value := new(big.Int).SetBytes(l.Data)
	if from != payer || to != w.seller || value.Cmp(big.NewInt(price)) != 0 {
		t.Fatalf("transaction %s transfers %s from %s to %s, want %d from %s to %s",
			tx, value, from.Hex(), to.Hex(), price, payer.Hex(), w.seller.Hex())
	}
}

// lockSum is the install stamp of scripts/lib.sh's npm_install_pinned: the first 12
// hex digits of sha256(package.json + package-lock.json).
func lockSum(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// officialModules: @x402/core, @x402/evm, viem (scripts/install-deps.d/50-x402-interop.sh).
func officialModules(t *testing.T) string {
	t.Helper()
	return npmModules(t, "x402-interop", "interop", "50-x402-interop.sh")
}

// clientModules: @x402/fetch 2.x and x402-fetch 1.x (scripts/install-deps.d/60-e2e-clients.sh).
func clientModules(t *testing.T) string {
	t.Helper()
	return npmModules(t, "e2e-clients", filepath.Join("e2e", "clients"), "60-e2e-clients.sh")
}

// npmModules returns the node_modules that npm_install_pinned (scripts/lib.sh)
// installed as name from the lock file in src, checking its stamp so a test never
// runs against packages an older lock file pinned.
func npmModules(t *testing.T, name, src, script string) string {
	t.Helper()
	want := lockSum(t, filepath.Join(testenv.RepoRoot(t), src))
	dir := filepath.Join(testenv.Cache(), name)
	if got, err := os.ReadFile(filepath.Join(dir, ".done")); err != nil || strings.TrimSpace(string(got)) != want {
		t.Fatalf("the npm packages %s/package-lock.json pins are not installed in %s: run `make test-deps` (scripts/install-deps.d/%s)", filepath.ToSlash(src), dir, script)
	}
	return filepath.Join(dir, "node_modules")
}

// stageNode makes a folder holding copies of scripts next to a node_modules link:
// Node resolves a script's imports only from node_modules folders above the script.
func stageNode(t *testing.T, modules string, scripts ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(s)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// clientResult is what e2e/clients/pay.mjs prints.
type clientResult struct {
	Status           int    `json:"status"`
	PaymentResponse  string `json:"paymentResponse"`
	XPaymentResponse string `json:"xPaymentResponse"`
	Body             string `json:"body"`
	Error            string `json:"error"`
	MS               int    `json:"ms"`
}

// pay has an official client (version "v1" or "v2") pay one GET of url with key.
func pay(t *testing.T, dir, version, url string, key *ecdsa.PrivateKey, rpc string) clientResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Bin(t, "node"), "pay.mjs", version, url, "0x"+hex.EncodeToString(crypto.FromECDSA(key)), rpc)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s client: %v\nstdout: %s\nstderr: %s", version, err, out, stderr.String())
	}
	var res clientResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s client output %q: %v", version, out, err)
	}
	if res.Error != "" {
		t.Fatalf("%s client failed: %s\nstderr: %s", version, res.Error, stderr.String())
	}
	return res
}

// rootFile is a path inside the repository.
func rootFile(t *testing.T, parts ...string) string {
	t.Helper()
	return filepath.Join(append([]string{testenv.RepoRoot(t)}, parts...)...)
}
