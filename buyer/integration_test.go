package buyer_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/buyer/state"
)

// TestPaidCallsSettleOnChain: buyer → gate → our facilitator → dev chain over JSON-RPC.
// N paid calls give N transfers on chain, each authorization exactly once, all
// recorded by the buyer; the next call finds the pool empty.
func TestPaidCallsSettleOnChain(t *testing.T) {
	for _, mode := range []string{"after", "before"} {
		t.Run("settle "+mode, func(t *testing.T) {
			const n = 8
			s := startStack(t, "1000", mode)
			dir := t.TempDir()
			auths := s.sign(t, n, time.Hour)
			buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), s.buyerConfig())
			buyertest.WriteJSON(t, filepath.Join(dir, "auths.json"), map[string]any{"weather": auths})
			statePath := filepath.Join(dir, "state", "consumed.json")
			b, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")}, StatePath: statePath, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(b.Handler())
			defer srv.Close()
			defer b.Close()

			for i := 0; i < n; i++ {
				var resp *http.Response
				if i%2 == 0 {
					resp, err = http.Get(srv.URL + "/upstream/weather/today")
				} else {
					resp, err = http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"paid/weather-model","messages":[]}`))
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "sunny") {
					t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
				}
				if resp.Header.Get("PAYMENT-RESPONSE") == "" {
					t.Fatalf("call %d: no receipt", i)
				}
			}
			resp, err := http.Get(srv.URL + "/upstream/weather/today")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var e struct{ Reason string }
			_ = json.Unmarshal(body, &e)
			if resp.StatusCode != 503 || e.Reason != "pool_exhausted" {
				t.Fatalf("after the pool: %d %s", resp.StatusCode, body)
			}

			onChain := s.transfers(t)
			if len(onChain) != n {
				t.Fatalf("%d distinct authorizations transferred on chain, want %d", len(onChain), n)
			}
			recs, err := state.Read(statePath)
			if err != nil {
				t.Fatal(err)
			}
			for k, c := range onChain {
				if c != 1 {
					t.Fatalf("authorization %s transferred %d times", k, c)
				}
				if recs[k].Outcome != state.Spent {
					t.Fatalf("transferred authorization %s recorded as %+v", k, recs[k])
				}
			}
		})
	}
}

// TestPaysAV1SellerOnChain: the same real gate, seen as a v1 server (its challenge
// without the v2 header, on a chain with a v1 name): the buyer pays with X-PAYMENT
// built from the v1 body, and the transfers land on chain.
func TestPaysAV1SellerOnChain(t *testing.T) {
	const n = 3
	s := startStackOn(t, "1000", "after", 84532)
	s.recorder.v1Only = true
	dir := t.TempDir()
	buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), s.buyerConfig())
	buyertest.WriteJSON(t, filepath.Join(dir, "auths.json"), map[string]any{"weather": s.sign(t, n, time.Hour)})
	b, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")},
		StatePath: filepath.Join(dir, "consumed.json"), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	for i := 0; i < n; i++ {
		resp, err := http.Get(srv.URL + "/upstream/weather/today")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-PAYMENT-RESPONSE") == "" {
			t.Fatalf("call %d: %d %s %v", i, resp.StatusCode, body, resp.Header)
		}
	}
	s.recorder.mu.Lock()
	xp := s.recorder.xPayment
	s.recorder.mu.Unlock()
	if xp != n {
		t.Fatalf("%d paid requests used X-PAYMENT, want %d", xp, n)
	}
	if got := len(s.transfers(t)); got != n {
		t.Fatalf("%d transfers on chain, want %d", got, n)
	}
}
