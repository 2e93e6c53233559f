package buyer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/facilitator"
	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// stack is the real seller side: the embedded dev chain over JSON-RPC, our
// facilitator over HTTP against it, and the gate (the plugin compiled natively) in
// front of an upstream, all on loopback.
type stack struct {
	chain    *devchain.Chain
	req      x402.Requirements
	gateURL  string // seller base URL: gateURL + "/services/weather"
	payer    devchain.Account
	payTo    common.Address
	upstream *countingUpstream
	recorder *gateRecorder // every answer of the gate to a paid request
}

type countingUpstream struct {
	calls   chan struct{}
	mu      sync.Mutex
	handler http.Handler // replaces the default answer when set
}

func (u *countingUpstream) set(h http.Handler) {
	u.mu.Lock()
	u.handler = h
	u.mu.Unlock()
}

func (u *countingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	h := u.handler
	u.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case u.calls <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"forecast":"sunny"}`)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func startStack(t testing.TB, price string, settlement string) *stack {
	t.Helper()
	return startStackOn(t, price, settlement, 0)
}

// startStackOn runs the stack on a chain id (0: devchain's default). 84532 has a v1
// network name (base-sepolia), so the gate offers v1 as well.
func startStackOn(t testing.TB, price string, settlement string, chainID uint64) *stack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// Every settlement is a block and blocks are >= 1 s apart in chain time; the
	// default 10 s drift limit would pace hundreds of calls at one block per second.
	// Authorizations here are valid for an hour, so chain time may run well ahead.
	chain, err := devchain.Start(ctx, devchain.Options{MaxDrift: 30 * time.Minute, ChainID: chainID})
	if err != nil {
		t.Fatalf("devchain: %v", err)
	}
	t.Cleanup(func() { chain.Close() })
	info := chain.Info()

	evm, err := facilitator.DialEVM(ctx, chain.RPCURL(), chain.Account(devchain.RoleFacilitator).Key, facilitator.EVMOptions{})
	if err != nil {
		t.Fatalf("facilitator dial: %v", err)
	}
	t.Cleanup(evm.Close)
	reg := prometheus.NewRegistry()
	fac, err := facilitator.New(facilitator.Config{Chains: []facilitator.Chain{evm}, Registerer: reg, Logger: quiet(), ReceiptPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	facSrv := httptest.NewServer(fac.Handler(reg))
	t.Cleanup(facSrv.Close)

	seller := chain.Account(devchain.RoleSeller)
	// maxTimeoutSeconds 3600: a seller serving pre-signed pools publishes a window as
	// long as the pools' (one hour here), because the gate bounds validBefore by it.
	pay := routes.Payment{Scheme: "exact", Network: info.Network, Amount: price, Asset: info.Token.Address.Hex(), PayTo: seller.Address.Hex(),
		MaxTimeoutSeconds: 3600, EIP712Name: info.Token.Name, EIP712Version: info.Token.Version, AssetSymbol: info.Token.Symbol, AssetDecimals: int(info.Token.Decimals)}
	doc := routes.Document{Schema: routes.Schema, Generation: 1, Offers: []routes.Offer{{
		Namespace: "shop", Name: "weather", State: routes.StateActive, PathPrefix: "/services/weather",
		Settlement: settlement, Payments: []routes.Payment{pay},
	}}}
	dir := t.TempDir()
	raw, _ := json.Marshal(doc)
	routesFile := filepath.Join(dir, "routes.json")
	if err := os.WriteFile(routesFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	up := &countingUpstream{calls: make(chan struct{}, 1)}
	cfg := plugin.CreateConfig()
	cfg.Offer = "shop/weather"
	cfg.RoutesFile = routesFile
	cfg.FacilitatorURL = facSrv.URL
	cfg.PollIntervalMs = 100
	gate, err := plugin.New(ctx, up, cfg, fmt.Sprintf("buyer-it-%d", time.Now().UnixNano()))
	if err != nil {
		t.Fatalf("gate: %v", err)
	}
	rec := &gateRecorder{next: gate}
	gateSrv := httptest.NewServer(rec)
	t.Cleanup(gateSrv.Close)

	s := &stack{chain: chain, gateURL: gateSrv.URL, payer: chain.Account(devchain.RoleBuyer), payTo: seller.Address, upstream: up, recorder: rec}
	s.req = x402.Requirements{Scheme: "exact", Network: info.Network, Amount: price, Asset: info.Token.Address.Hex(), PayTo: seller.Address.Hex(),
		MaxTimeoutSeconds: 3600, Extra: json.RawMessage(fmt.Sprintf(`{"name":%q,"version":%q}`, info.Token.Name, info.Token.Version))}
	// Wait until the gate has loaded its routes (it answers 503 before).
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(gateSrv.URL + "/services/weather/today")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusPaymentRequired {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gate never answered 402 (last %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// sign pre-signs n authorizations for the stack's offer, as a controller would.
func (s *stack) sign(t testing.TB, n int, validFor time.Duration) []auth.PreSigned {
	t.Helper()
	out := make([]auth.PreSigned, 0, n)
	for i := 0; i < n; i++ {
		p, err := eip3009.NewPayment(s.payer.Key, s.req, nil, eip3009.PaymentOptions{ValidFor: validFor})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(p)
		out = append(out, auth.PreSigned{ID: fmt.Sprintf("auth-%04d", i), Payment: raw})
	}
	return out
}

// upstreamConfig is the buyer config that pays this stack.
func (s *stack) buyerConfig() map[string]any {
	return map[string]any{"upstreams": map[string]any{"weather": map[string]any{
		"url": s.gateURL + "/services/weather", "remoteModel": "weather-model", "network": s.req.Network,
		"payTo": s.req.PayTo, "asset": s.req.Asset, "price": s.req.Amount,
	}}}
}

// transfers returns, per authorization key (from:nonce), how many AuthorizationUsed
// events the token emitted: the chain's own record of what was spent.
func (s *stack) transfers(t testing.TB) map[string]int {
	t.Helper()
	topic := crypto.Keccak256Hash([]byte("AuthorizationUsed(address,bytes32)"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	logs, err := s.chain.Client().FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: big.NewInt(0), Addresses: []common.Address{common.HexToAddress(s.req.Asset)}, Topics: [][]common.Hash{{topic}},
	})
	if err != nil {
		t.Fatalf("filter logs: %v", err)
	}
	out := map[string]int{}
	for _, l := range logs {
		from := common.BytesToAddress(l.Topics[1].Bytes())
		out[auth.Key(from.Hex(), l.Topics[2].Hex())]++
	}
	return out
}
