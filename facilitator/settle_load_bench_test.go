package facilitator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Load shape of BenchmarkSettleLoad. The dev chain seals at most one block per second
// once chain time is MaxDrift ahead, and a /settle answers once its receipt is in, so
// the rate at the drift limit is about the number of settles in flight per second,
// as on a chain with one-second blocks.
const (
	loadClients   = 512             // concurrent /settle callers
	loadPerClient = 24              // pre-signed authorizations per caller (must outlast warm-up + window)
	loadWindow    = 6 * time.Second // measured, after the warm-up
	loadWarmup    = 10 * time.Second
)

// BenchmarkSettleLoad is sustained paid load through the real settlement path:
// loadClients callers POST /settle (EIP-3009 transferWithAuthorization, real
// signatures) to our facilitator over HTTP, which verifies and settles them with one
// relayer key over JSON-RPC on a dev chain started as `turnpike devnet` starts it
// (default MaxDrift, 20 s). The load first runs until chain time has reached the
// drift limit (the state where every settlement used to wait ~1 s) or for
// loadWarmup, then settlements/s are counted over loadWindow. Sub-benchmarks:
//
//   - group: the dev chain's group commit (several transactions per block), and the
//     facilitator simulating each transfer once at the asset's known gas limit;
//   - group-estimate: the same, with gas estimated for every settlement
//     (EVMOptions.NoGasReuse), the baseline of that change in the same run;
//   - sender-mines: the same load on the dev chain's previous miner (Options.SenderMines),
//     the baseline of group commit in the same run.
//
// Each settle must succeed. Reported: settlements/s in the window, transactions per
// block, and the largest lead of chain time over the wall clock during the run, which
// must stay within MaxDrift (+1 s of whole-second rounding). One iteration is a whole
// run; use -benchtime 1x and -count for rounds:
//
//	go test -run '^$' -bench '^BenchmarkSettleLoad$' -benchtime 1x -count 3 ./facilitator/
func BenchmarkSettleLoad(b *testing.B) {
	for _, mode := range []struct {
		name        string
		senderMines bool
		estimate    bool
	}{{"group", false, false}, {"group-estimate", false, true}, {"sender-mines", true, false}} {
		b.Run(mode.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				settleLoadRound(b, mode.senderMines, mode.estimate)
			}
		})
	}
}

func settleLoadRound(b *testing.B, senderMines, estimate bool) {
	b.StopTimer()
	ctx := context.Background()
	dc, err := devchain.Start(ctx, devchain.Options{SenderMines: senderMines})
	if err != nil {
		b.Fatal(err)
	}
	defer dc.Close()
	evm, err := DialEVM(ctx, dc.RPCURL(), dc.Account(devchain.RoleFacilitator).Key, EVMOptions{NoGasReuse: estimate})
	if err != nil {
		b.Fatal(err)
	}
	defer evm.Close()
	reg := prometheus.NewRegistry()
	f, err := New(Config{Chains: []Chain{evm}, Registerer: reg, Logger: quietLogger(),
		ReceiptTimeout: 60 * time.Second, ReceiptPoll: 20 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(f.Handler(reg))
	defer srv.Close()

	req := x402.Requirements{
		Scheme: "exact", Network: dc.Info().Network, Amount: "1000",
		Asset: dc.Info().Token.Address.Hex(), PayTo: dc.Account(devchain.RoleSeller).Address.Hex(), MaxTimeoutSeconds: 60,
		Extra: json.RawMessage(`{"name":"USD Coin","version":"2"}`),
	}
	payer := dc.Account(devchain.RoleBuyer).Key
	// Signed outside the measurement: buyers sign on their own machines. An hour of
	// validity keeps the early ones valid while chain time runs MaxDrift ahead.
	bodies := make([][][]byte, loadClients)
	for cl := range bodies {
		for j := 0; j < loadPerClient; j++ {
			p, err := eip3009.NewPayment(payer, req, &x402.ResourceInfo{URL: "https://seller.example/load"}, eip3009.PaymentOptions{ValidFor: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			pb, err := json.Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			rb, err := json.Marshal(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := json.Marshal(x402.VerifyRequest{X402Version: p.X402Version, PaymentPayload: pb, PaymentRequirements: rb})
			if err != nil {
				b.Fatal(err)
			}
			bodies[cl] = append(bodies[cl], body)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients}, Timeout: 2 * time.Minute}
	defer client.CloseIdleConnections()
	settle := func(body []byte) error {
		resp, err := client.Post(srv.URL+"/settle", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var s x402.SettleResponse
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			return fmt.Errorf("settle answer: %w", err)
		}
		if !s.Success {
			return fmt.Errorf("settle refused: %s: %s", s.ErrorReason, s.ErrorMessage)
		}
		return nil
	}

	eth := dc.Client()
	lead := func() time.Duration {
		h, err := eth.HeaderByNumber(ctx, nil)
		if err != nil {
			return 0
		}
		return time.Until(time.Unix(int64(h.Time), 0))
	}
	var (
		maxLead   atomic.Int64
		inWindow  atomic.Bool
		counted   atomic.Int64
		failed    atomic.Value
		exhausted atomic.Bool
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	for cl := range bodies {
		own := bodies[cl]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range own {
				select {
				case <-stop:
					return
				default:
				}
				if err := settle(body); err != nil {
					failed.Store(err)
					return
				}
				if inWindow.Load() {
					counted.Add(1)
				}
			}
			exhausted.Store(true)
		}()
	}
	// Warm-up: the load runs until chain time reaches the drift limit (where every
	// settlement used to wait ~1 s) or for loadWarmup, whichever comes first: a chain
	// that keeps up without drifting that far never reaches it.
	warm := time.Now()
	for lead() < devchain.DefaultMaxDrift-time.Second && time.Since(warm) < loadWarmup {
		if err, ok := failed.Load().(error); ok {
			close(stop)
			wg.Wait()
			b.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	leadAtStart := lead()
	startBlock, err := eth.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cpuStart := processCPU()
	inWindow.Store(true)
	b.StartTimer()
	start := time.Now()
	for time.Since(start) < loadWindow {
		if l := int64(lead()); l > maxLead.Load() {
			maxLead.Store(l)
		}
		time.Sleep(50 * time.Millisecond)
	}
	inWindow.Store(false)
	elapsed := time.Since(start)
	cpu := processCPU() - cpuStart
	b.StopTimer()
	endBlock, err := eth.BlockNumber(ctx)
	if err != nil {
		b.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	if exhausted.Load() {
		b.Fatalf("a caller ran out of its %d authorizations before the window ended; raise loadPerClient", loadPerClient)
	}
	if ml := time.Duration(maxLead.Load()); ml > devchain.DefaultMaxDrift+time.Second {
		b.Fatalf("chain time ran %v ahead of the wall clock (cap %v)", ml, devchain.DefaultMaxDrift)
	}
	n := counted.Load()
	blocks := endBlock - startBlock
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "settlements/s")
	b.ReportMetric(float64(n)/float64(max(blocks, 1)), "txs/block")
	b.ReportMetric(time.Duration(maxLead.Load()).Seconds(), "max-lead-s")
	b.ReportMetric(leadAtStart.Seconds(), "start-lead-s")
	// CPU of the whole process (callers, facilitator, chain) per settlement: on a
	// shared machine the rate follows the CPU share this run got, this does not.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(max(n, 1)), "cpu-ms/settlement")
	b.ReportMetric(0, "ns/op")
	// Printed, not logged: a sub-benchmark's log is hidden without -v.
	fmt.Printf("settle load (senderMines=%v, estimate gas=%v): %d settlements by %d callers in %.1f s: %.0f/s, %d blocks, chain %.1f s ahead at the start, at most %.1f s (cap %v); process CPU %.2f s (%.2f cores)\n",
		senderMines, estimate, n, loadClients, elapsed.Seconds(), rate, blocks, leadAtStart.Seconds(), time.Duration(maxLead.Load()).Seconds(), devchain.DefaultMaxDrift,
		cpu.Seconds(), cpu.Seconds()/elapsed.Seconds())
}

// processCPU is the user+system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
