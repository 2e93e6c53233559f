package facilitator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
)

// BenchmarkVerify measures /verify throughput over HTTP of our facilitator and of the
// official TypeScript facilitator (@x402/core + @x402/evm), in the same run, on the
// same devchain JSON-RPC, with the same pre-signed payloads and 8×GOMAXPROCS
// concurrent clients. Both answers must be valid. The ratio is logged at the end.
//
//	go test -run '^$' -bench BenchmarkVerify ./facilitator/
func BenchmarkVerify(b *testing.B) {
	dir := interopDir(b)
	w := newWorld(b)
	tsRelayer := w.chain.dc.Accounts()[5]
	official := startOfficialFacilitator(b, dir, w.chain.url, w.chain.chainID.String(), hexutil.Encode(crypto.FromECDSA(tsRelayer.Key)))

	bodies := make([][]byte, 64)
	for i := range bodies {
		p := w.sign(b, w.payer, w.req, eip3009.PaymentOptions{ValidFor: time.Hour})
		body, err := json.Marshal(request(b, p, w.req))
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
	}
	// Rounds alternate between the two so that load from elsewhere on the machine
	// hits both alike; the median of the per-round ratios is reported.
	const rounds = 3
	var ratios []float64
	rates := map[string]float64{}
	for round := 0; round < rounds; round++ {
		for _, target := range []struct{ name, url string }{
			{"turnpike", w.client.BaseURL()},
			{"official-ts", official.BaseURL()},
		} {
			b.Run(target.name, func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
				defer client.CloseIdleConnections()
				verify := func(body []byte) error {
					resp, err := client.Post(target.url+"/verify", "application/json", bytes.NewReader(body))
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					var v struct {
						IsValid       bool   `json:"isValid"`
						InvalidReason string `json:"invalidReason"`
					}
					if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
						return err
					}
					if !v.IsValid {
						return &Rejection{Reason: v.InvalidReason, Message: "benchmark payload refused"}
					}
					return nil
				}
				for _, body := range bodies { // warm caches and connections, check validity
					if err := verify(body); err != nil {
						b.Fatalf("%s: %v", target.name, err)
					}
				}
				var next atomic.Uint64
				var failed atomic.Value
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := verify(bodies[next.Add(1)%uint64(len(bodies))]); err != nil {
							failed.Store(err)
						}
					}
				})
				b.StopTimer()
				if err, ok := failed.Load().(error); ok {
					b.Fatalf("%s: %v", target.name, err)
				}
				rate := float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(rate, "verifies/s")
				rates[target.name] = rate
			})
		}
		if rates["turnpike"] > 0 && rates["official-ts"] > 0 {
			ratios = append(ratios, rates["turnpike"]/rates["official-ts"])
			// Printed, not logged: a parent benchmark's log is hidden without -v.
			fmt.Printf("round %d /verify throughput: turnpike %.0f/s, official TS facilitator %.0f/s: ratio %.2fx\n",
				round+1, rates["turnpike"], rates["official-ts"], rates["turnpike"]/rates["official-ts"])
		}
	}
	if len(ratios) > 0 {
		sort.Float64s(ratios)
		fmt.Printf("/verify throughput ratio turnpike/official-ts: median %.2fx over %d rounds (min %.2fx, max %.2fx)\n",
			ratios[len(ratios)/2], len(ratios), ratios[0], ratios[len(ratios)-1])
	}
}

// BenchmarkVerifyOwnCost is our facilitator's own CPU per /verify request body
// (decode, EIP-712 hashing, signature recovery, checks), with the chain faked out.
func BenchmarkVerifyOwnCost(b *testing.B) {
	fx := newFixture()
	c := newFakeChain(common.HexToAddress(fx.req.Asset))
	f, err := New(Config{Chains: []Chain{c}, Now: func() time.Time { return fx.now }, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	payload := body(2, fx.payment(eip3009.PaymentOptions{}), fx.req)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := f.Verify(ctx, payload); !v.IsValid {
			b.Fatalf("%+v", v)
		}
	}
}
