package facilitator

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// settleClients is how many /settle requests BenchmarkSettleThroughput keeps in
// flight. The dev chain seals about one block per second once its drift allowance is
// spent, and a settle returns after its block, so the rate is at most this per second.
const settleClients = 384

// BenchmarkSettleThroughput is paid load end to end on the chain `turnpike devnet`
// runs (default MaxDrift): settleClients clients POST distinct pre-signed payments
// to our facilitator's /settle over HTTP; it verifies, broadcasts
// transferWithAuthorization from its one relayer and waits for the receipt. Every
// answer must be a success. Reports settlements/s, blocks, transactions per block and
// how far chain time ran ahead of the wall clock at the end (at most MaxDrift).
//
//	go test -run '^$' -bench BenchmarkSettleThroughput -benchtime 4000x -count 3 ./facilitator/
func BenchmarkSettleThroughput(b *testing.B) {
	w := newWorld(b)
	reqs := make([]x402.VerifyRequest, b.N)
	for i := range reqs {
		reqs[i] = request(b, w.sign(b, w.payer, w.req, eip3009.PaymentOptions{ValidFor: time.Hour}), w.req)
	}
	// Enough idle connections for every client; the default keeps two per host.
	client, err := x402.NewFacilitatorClient(w.client.BaseURL(), &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * settleClients}, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	startBlock, err := w.chain.eth.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := 0; g < settleClients; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(reqs)) {
					return
				}
				resp, err := client.Settle(ctx, reqs[i])
				if err != nil {
					failed.Store(err)
					return
				}
				if !resp.Success {
					failed.Store(fmt.Errorf("settle %d: %s: %s", i, resp.ErrorReason, resp.ErrorMessage))
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	endBlock, err := w.chain.eth.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	head, err := w.chain.eth.HeaderByNumber(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ahead := time.Until(time.Unix(int64(head.Time), 0)).Seconds()
	blocks := float64(endBlock - startBlock)
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "settlements/s")
	b.ReportMetric(blocks, "blocks")
	b.ReportMetric(float64(b.N)/blocks, "txs/block")
	b.ReportMetric(ahead, "ahead-s")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("facilitator settle load: %d settlements, %d clients, one relayer, in %.1f s: %.0f/s, %.0f blocks (%.1f txs/block), chain %.1f s ahead at the end (cap %v)\n",
		b.N, settleClients, b.Elapsed().Seconds(), rate, blocks, float64(b.N)/blocks, ahead, devchain.DefaultMaxDrift)
}
