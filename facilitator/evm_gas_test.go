package facilitator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
)

// rpcCounter forwards JSON-RPC to a node and counts the methods called (batches
// included), so a test can tell an eth_call from an eth_estimateGas.
type rpcCounter struct {
	mu      sync.Mutex
	methods map[string]int
}

func countRPC(t *testing.T, target string) (*rpcCounter, string) {
	t.Helper()
	c := &rpcCounter{methods: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var calls []struct{ Method string }
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			_ = json.Unmarshal(body, &calls)
		} else {
			calls = make([]struct{ Method string }, 1)
			_ = json.Unmarshal(body, &calls[0])
		}
		c.mu.Lock()
		for _, cl := range calls {
			c.methods[cl.Method]++
		}
		c.mu.Unlock()
		resp, err := http.Post(target, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

// take returns the counts since the last take.
func (c *rpcCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.methods
	c.methods = map[string]int{}
	return m
}

// TestEVMSubmitGasLimit: a transfer of an asset whose limit is known is simulated
// once at that limit (eth_call) instead of estimated, is still refused before any
// broadcast when it would fail, and falls back to estimation when the known limit
// is too small.
func TestEVMSubmitGasLimit(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	counter, url := countRPC(t, w.chain.url)
	evm, err := DialEVM(ctx, url, w.relayer, EVMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(evm.Close)
	relayer := crypto.PubkeyToAddress(w.relayer.PublicKey)
	// A payee that holds nothing yet: its first transfer writes a fresh balance slot
	// and needs more gas than transfers to a payee that already holds tokens.
	fresh := common.HexToAddress("0x00000000000000000000000000000000000f5e57")

	authFor := func(t *testing.T, to common.Address) (eip3009.Authorization, []byte) {
		t.Helper()
		req := w.req
		req.PayTo = to.Hex()
		p, rej := decodeRequest(mustJSON(t, request(t, w.sign(t, w.payer, req, eip3009.PaymentOptions{}), req)), func(*big.Int) bool { return true })
		if rej != nil {
			t.Fatalf("decode own payment: %v", rej)
		}
		return p.Auth, p.Signature
	}
	submit := func(t *testing.T, a eip3009.Authorization, sig []byte) (common.Hash, bool, error) {
		t.Helper()
		called := false
		tx, err := evm.Submit(ctx, w.asset, a, sig, func(common.Hash) error { called = true; return nil })
		return tx, called, err
	}
	mined := func(t *testing.T, tx common.Hash) uint64 {
		t.Helper()
		rc, err := w.chain.eth.TransactionReceipt(ctx, tx)
		if err != nil || rc.Status != 1 {
			t.Fatalf("receipt of %s: %+v %v", tx.Hex(), rc, err)
		}
		got, _, err := w.chain.eth.TransactionByHash(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		return got.Gas()
	}
	known := func() uint64 {
		evm.gasMu.Lock()
		defer evm.gasMu.Unlock()
		return evm.gasLimits[w.asset].gas
	}

	for _, tc := range []struct {
		desc      string
		setLimit  uint64 // 0: leave the known limit as the previous case left it
		expire    bool   // the known limit's reuse period is over
		to        common.Address
		spent     bool // submit an authorization that was already used
		estimates int  // eth_estimateGas calls expected
		refused   bool // a *SimulationError, nothing signed or sent
	}{
		{desc: "first transfer of the asset is estimated", to: w.payTo, estimates: 1},
		{desc: "the next one is simulated at the known limit, not estimated", to: w.payTo, estimates: 0},
		{desc: "a failing transfer is refused before broadcast at the known limit", to: w.payTo, spent: true, estimates: 1, refused: true},
		{desc: "a known limit too small falls back to estimation and raises it", setLimit: 30_000, to: w.payTo, estimates: 1},
		{desc: "a payee's first balance within the known limit or estimated", to: fresh},
		{desc: "afterwards no estimation again", to: w.payTo, estimates: 0},
		{desc: "after the reuse period the transfer is estimated again", expire: true, to: w.payTo, estimates: 1},
		{desc: "and the new limit is reused", to: w.payTo, estimates: 0},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if tc.setLimit > 0 || tc.expire {
				evm.gasMu.Lock()
				l := evm.gasLimits[w.asset]
				if tc.setLimit > 0 {
					l = gasLimit{gas: tc.setLimit, until: time.Now().Add(time.Hour)}
				}
				if tc.expire {
					l.until = time.Now().Add(-time.Second)
				}
				evm.gasLimits[w.asset] = l
				evm.gasMu.Unlock()
			}
			a, sig := authFor(t, tc.to)
			if tc.spent {
				tx, _, err := submit(t, a, sig)
				if err != nil {
					t.Fatalf("first use: %v", err)
				}
				mined(t, tx)
			}
			nonce, err := w.chain.eth.PendingNonceAt(ctx, relayer)
			if err != nil {
				t.Fatal(err)
			}
			limitBefore := known()
			counter.take()
			tx, signed, err := submit(t, a, sig)
			calls := counter.take()
			if tc.refused {
				var sim *SimulationError
				if !errors.As(err, &sim) || signed {
					t.Fatalf("got tx %s, signed %v, err %v; want a simulation error and nothing signed", tx.Hex(), signed, err)
				}
				if after, err := w.chain.eth.PendingNonceAt(ctx, relayer); err != nil || after != nonce {
					t.Fatalf("relayer nonce %d -> %d (%v): a refused transfer was sent", nonce, after, err)
				}
			} else {
				if err != nil || !signed {
					t.Fatalf("submit: %v (signed %v)", err, signed)
				}
				if gas := mined(t, tx); gas != known() && limitBefore != 0 && calls["eth_estimateGas"] == 0 {
					t.Fatalf("sent with gas %d, known limit %d", gas, known())
				}
			}
			if tc.desc != "a payee's first balance within the known limit or estimated" && calls["eth_estimateGas"] != tc.estimates {
				t.Fatalf("eth_estimateGas called %d times, want %d (calls %v)", calls["eth_estimateGas"], tc.estimates, calls)
			}
			if calls["eth_getBlockByNumber"] != 0 {
				t.Fatalf("read a whole block for the base fee (calls %v)", calls)
			}
			if tc.setLimit > 0 && known() <= tc.setLimit {
				t.Fatalf("known limit %d after falling back, want above %d", known(), tc.setLimit)
			}
			if tc.expire && known() >= limitBefore {
				t.Fatalf("known limit %d after estimating again, want below %d (raised by the fresh payee's transfer)", known(), limitBefore)
			}
			if known() == 0 {
				t.Fatal("no known limit after a transfer")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
