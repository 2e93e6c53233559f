package devchain_test

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
)

// loadSenders is how many relayer accounts send at once in BenchmarkSettleLoad. Each
// waits for its transaction to be mined before sending the next (the synchronous
// eth_sendRawTransaction of the dev chain), so at one block per second of chain time
// the rate can be at most loadSenders per second.
const loadSenders = 384

// BenchmarkSettleLoad is sustained paid load on a chain started as `turnpike devnet`
// starts it (default MaxDrift): loadSenders relayers each send EIP-3009
// transferWithAuthorization settlements back to back over HTTP JSON-RPC. It reports
// settlements/s, blocks, transactions per block and the largest lead of chain time over
// the wall clock seen during the run (sampled every 50 ms), which must stay within
// MaxDrift. Use a fixed count so the run lasts long enough to be sustained load:
//
//	go test -run '^$' -bench BenchmarkSettleLoad -benchtime 3000x -count 3 ./devchain/
func BenchmarkSettleLoad(b *testing.B) {
	ctx := context.Background()
	c, err := devchain.Start(ctx, devchain.Options{Accounts: 5 + loadSenders})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// A client per benchmark with enough idle connections for every sender; the
	// default transport keeps two and would measure TCP set-up instead.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadSenders * 2}}
	rc, err := rpc.DialOptions(ctx, c.RPCURL(), rpc.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	client := ethclient.NewClient(rc)
	defer client.Close()

	tok := token.NewEIP3009Token()
	buyer := c.Account(devchain.RoleBuyer)
	seller := c.Account(devchain.RoleSeller)
	head, err := client.HeaderByNumber(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	after := new(big.Int).SetUint64(head.Time - 600)
	before := new(big.Int).SetUint64(head.Time + 24*3600)
	relayers := c.Accounts()[5:]
	// Pre-sign everything outside the timer: the benchmark is about the chain. The
	// i-th settlement goes to relayer i mod loadSenders with that relayer's next nonce.
	txs := make([][]*types.Transaction, len(relayers))
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(4)), big.NewInt(1e9))
	for i := 0; i < b.N; i++ {
		var nonce [32]byte
		nonce[0], nonce[1], nonce[2], nonce[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		nonce[31] = 0x10
		sig := sign(buyer.Key, eip712Digest(c, transferTypehash, buyer.Address, seller.Address, big.NewInt(1), after, before, nonce))
		data := tok.PackTransferWithAuthorization(buyer.Address, seller.Address, big.NewInt(1), after, before, nonce, sig)
		r := i % len(relayers)
		to := devchain.TokenAddress()
		tx, err := types.SignNewTx(relayers[r].Key, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
			ChainID: c.ChainID(), Nonce: uint64(len(txs[r])), GasTipCap: big.NewInt(1e9), GasFeeCap: feeCap,
			Gas: 200_000, To: &to, Data: data,
		})
		if err != nil {
			b.Fatal(err)
		}
		txs[r] = append(txs[r], tx)
	}

	// Chain time's lead over the wall clock, sampled while the load runs.
	var maxAhead atomic.Int64
	stopSampler := make(chan struct{})
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampler:
				return
			case <-t.C:
			}
			h, err := client.HeaderByNumber(ctx, nil)
			if err != nil {
				continue
			}
			ahead := int64(time.Until(time.Unix(int64(h.Time), 0)))
			for {
				cur := maxAhead.Load()
				if ahead <= cur || maxAhead.CompareAndSwap(cur, ahead) {
					break
				}
			}
		}
	}()

	startBlock, err := client.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	for _, own := range txs {
		wg.Add(1)
		go func(own []*types.Transaction) {
			defer wg.Done()
			for _, tx := range own {
				if err := client.SendTransaction(ctx, tx); err != nil {
					failed.Store(err)
					return
				}
			}
		}(own)
	}
	wg.Wait()
	b.StopTimer()
	close(stopSampler)
	<-samplerDone
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	endBlock, err := client.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	// Every settlement must have been mined, and succeeded, by the time its send
	// returned; check them after the clock stopped, in batches.
	var all []*types.Transaction
	for _, own := range txs {
		all = append(all, own...)
	}
	for start := 0; start < len(all); start += 500 {
		end := start + 500
		if end > len(all) {
			end = len(all)
		}
		batch := make([]rpc.BatchElem, 0, end-start)
		receipts := make([]*types.Receipt, end-start)
		for i, tx := range all[start:end] {
			batch = append(batch, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{tx.Hash()}, Result: &receipts[i]})
		}
		if err := rc.BatchCallContext(ctx, batch); err != nil {
			b.Fatal(err)
		}
		for i, el := range batch {
			if el.Error != nil || receipts[i] == nil || receipts[i].Status != types.ReceiptStatusSuccessful {
				b.Fatalf("settlement %s: receipt %+v, %v", all[start+i].Hash().Hex(), receipts[i], el.Error)
			}
		}
	}
	blocks := endBlock - startBlock
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "settlements/s")
	b.ReportMetric(float64(blocks), "blocks")
	b.ReportMetric(float64(b.N)/float64(blocks), "txs/block")
	b.ReportMetric(time.Duration(maxAhead.Load()).Seconds(), "max-ahead-s")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("settle load: %d settlements from %d senders in %.1f s: %.0f/s, %d blocks (%.1f txs/block), chain time at most %.1f s ahead (cap %v)\n",
		b.N, len(relayers), secs, float64(b.N)/secs, blocks, float64(b.N)/float64(blocks),
		time.Duration(maxAhead.Load()).Seconds(), devchain.DefaultMaxDrift)
}
