package demo

import (
	"bytes"
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
)

// TestScriptedFlow runs the whole demo in process (dev chain over JSON-RPC, the real
// facilitator, the gate, the scripted buyer) and checks the outcomes independently of
// the script's own checks: transfers on chain, balances, the gate's counters.
func TestScriptedFlow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	s, err := Start(ctx, Options{Out: &out, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start: %v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	devBuyer := s.Buyer
	strangerKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	stranger := devchain.Account{Role: "stranger", Address: crypto.PubkeyToAddress(strangerKey.PublicKey), Key: strangerKey}

	tok := token.NewEIP3009Token()
	inst := tok.Instance(s.Chain.Client(), s.Info.Token.Address)
	balance := func(a common.Address) *big.Int {
		t.Helper()
		v, err := bind.Call(inst, &bind.CallOpts{Context: ctx}, tok.PackBalanceOf(a), tok.UnpackBalanceOf)
		if err != nil {
			t.Fatalf("balanceOf %s: %v", a.Hex(), err)
		}
		return v
	}

	cases := []struct {
		desc    string
		buyer   devchain.Account
		n       int
		wantErr string // substring of RunScript's error; "" = success
		settled int
	}{
		{desc: "dev buyer pays every request", buyer: devBuyer, n: 4, settled: 4},
		{desc: "a single paid request (no stream)", buyer: devBuyer, n: 1, settled: 1},
		{desc: "buyer without tokens is refused and nothing moves", buyer: stranger, n: 2, wantErr: "payment #1", settled: 0},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			out.Reset()
			s.Buyer = tc.buyer
			fromBlock, err := s.Chain.Client().BlockNumber(ctx)
			if err != nil {
				t.Fatal(err)
			}
			buyerBefore, sellerBefore := balance(tc.buyer.Address), balance(s.Seller.Address)
			chargedBefore, amountBefore := charged(t, ctx, s)

			rep, err := s.RunScript(ctx, tc.n)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("RunScript: %v\n%s", err, out.String())
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("RunScript error = %v, want one containing %q\n%s", err, tc.wantErr, out.String())
			}
			if rep.Settled != tc.settled || len(rep.Paid) != tc.n {
				t.Errorf("settled %d of %d paid requests, want %d of %d", rep.Settled, len(rep.Paid), tc.settled, tc.n)
			}

			// On chain: exactly `settled` Transfers buyer -> seller of the price since
			// the script started, one per receipt the gate returned.
			toBlock, err := s.Chain.Client().BlockNumber(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var logs []types.Log
			if toBlock > fromBlock {
				logs, err = s.Chain.Client().FilterLogs(ctx, ethereum.FilterQuery{
					FromBlock: new(big.Int).SetUint64(fromBlock + 1),
					ToBlock:   new(big.Int).SetUint64(toBlock),
					Addresses: []common.Address{s.Info.Token.Address},
				})
				if err != nil {
					t.Fatalf("FilterLogs: %v", err)
				}
			}
			txs := map[string]bool{}
			for _, l := range logs {
				ev, err := tok.UnpackTransferEvent(&l)
				if err != nil {
					continue // AuthorizationUsed
				}
				if ev.From != tc.buyer.Address || ev.To != s.Seller.Address || ev.Value.Cmp(s.Price) != 0 {
					t.Errorf("unexpected Transfer %s -> %s of %s", ev.From.Hex(), ev.To.Hex(), ev.Value)
				}
				txs[strings.ToLower(l.TxHash.Hex())] = true
			}
			if len(txs) != tc.settled {
				t.Errorf("%d settlement transactions on chain, want %d", len(txs), tc.settled)
			}
			for _, p := range rep.Paid {
				if p.Err == nil && !txs[strings.ToLower(p.Tx)] {
					t.Errorf("payment #%d: receipt names tx %s, which has no Transfer on chain", p.N, p.Tx)
				}
				if tc.wantErr == "" && p.Status != 200 {
					t.Errorf("payment #%d: status %d, want 200", p.N, p.Status)
				}
			}

			// Balances moved by exactly settled x price, read here, not from the report.
			want := new(big.Int).Mul(s.Price, big.NewInt(int64(tc.settled)))
			if got := new(big.Int).Sub(buyerBefore, balance(tc.buyer.Address)); got.Cmp(want) != 0 {
				t.Errorf("buyer paid %s, want %s", got, want)
			}
			if got := new(big.Int).Sub(balance(s.Seller.Address), sellerBefore); got.Cmp(want) != 0 {
				t.Errorf("seller received %s, want %s", got, want)
			}

			// The gate's metrics counted exactly the settled requests and their amount,
			// scraped here and as the script reported them.
			chargedAfter, amountAfter := charged(t, ctx, s)
			if got := chargedAfter - chargedBefore; got != int64(tc.settled) {
				t.Errorf("turnpike_charged_requests_total moved by %d, want %d", got, tc.settled)
			}
			if got := new(big.Int).Sub(amountAfter, amountBefore); got.Cmp(want) != 0 {
				t.Errorf("turnpike_charged_amount_atomic_total moved by %s, want %s", got, want)
			}
			if rep.Charged == nil || rep.Charged.Cmp(big.NewInt(int64(tc.settled))) != 0 {
				t.Errorf("gate counted %v charged requests, want %d", rep.Charged, tc.settled)
			}
			if rep.ChargedAtomic == nil || rep.ChargedAtomic.Cmp(want) != 0 {
				t.Errorf("gate counted %v charged atomic units, want %s", rep.ChargedAtomic, want)
			}
			if tc.wantErr == "" {
				if rep.ReplayReason != "payment_already_used" {
					t.Errorf("replayed payment answered %q, want payment_already_used", rep.ReplayReason)
				}
				if len(rep.Metrics) == 0 {
					t.Errorf("no turnpike_* metrics lines for the offer")
				}
				if !strings.Contains(out.String(), "OK: ") {
					t.Errorf("report has no OK line:\n%s", out.String())
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("demo output:\n%s", out.String())
			}
		})
	}
}

// charged scrapes the gate's charged-requests and charged-amount counters for the offer.
func charged(t *testing.T, ctx context.Context, s *Stack) (int64, *big.Int) {
	t.Helper()
	text, err := scrape(ctx, s.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	n, err1 := sample(text, "turnpike_charged_requests_total")
	amount, err2 := sample(text, "turnpike_charged_amount_atomic_total")
	if err1 != nil || err2 != nil {
		t.Fatalf("metrics: %v %v", err1, err2)
	}
	return n.Int64(), amount
}

func TestMetricsParsing(t *testing.T) {
	text := strings.Join([]string{
		`# TYPE turnpike_charged_requests_total counter`,
		`turnpike_charged_requests_total{offer_namespace="other",offer_name="weather",chain="eip155:1",asset_symbol="USDC"} 7`,
		`turnpike_charged_requests_total{offer_namespace="demo",offer_name="weather",chain="eip155:1337",asset_symbol="USDC"} 3`,
		`turnpike_facilitator_request_duration_seconds_bucket{offer_namespace="demo",offer_name="weather",chain="eip155:1337",asset_symbol="USDC",operation="verify",le="0.005"} 3`,
		`turnpike_charged_amount_total{offer_namespace="demo",offer_name="weather",chain="eip155:1337",asset_symbol="USDC"} 0.03`,
		`turnpike_charged_amount_atomic_total{offer_namespace="demo",offer_name="weather",chain="eip155:1337",asset_symbol="USDC"} 30000`,
		`turnpike_routes_loaded{source="file:/x"} 1`,
	}, "\n")
	cases := []struct {
		desc, metric string
		want         int64
		wantErr      bool
	}{
		{desc: "picks the demo offer's series, not another offer's", metric: "turnpike_charged_requests_total", want: 3},
		{desc: "does not confuse a metric with a longer name", metric: "turnpike_charged_amount_atomic_total", want: 30000},
		{desc: "absent series count as zero", metric: "turnpike_payment_verified_total", want: 0},
		{desc: "a non-integer sample is an error", metric: "turnpike_charged_amount_total", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := sample(text, tc.metric)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				return
			}
			if err != nil || got.Int64() != tc.want {
				t.Fatalf("sample = %v, %v; want %d", got, err, tc.want)
			}
		})
	}
	lines := offerLines(text)
	if len(lines) != 3 {
		t.Fatalf("offerLines kept %d lines, want the 3 non-bucket demo lines: %q", len(lines), lines)
	}
}

func TestOfferDocumentIsValid(t *testing.T) {
	info := devchain.Info{Network: "eip155:1337", Token: devchain.TokenInfo{
		Address: devchain.TokenAddress(), Name: "USD Coin", Symbol: "USDC", Version: "2", Decimals: 6}}
	cases := []struct {
		desc    string
		price   *big.Int
		wantErr bool
	}{
		{desc: "a cent", price: big.NewInt(10000)},
		{desc: "zero is refused (free paths are rules, not prices)", price: big.NewInt(0), wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := writeDocument(t.TempDir(), offerDocument(info, "0x789793e0fAdd63fDD44a4810122a2D82908EB0BC", tc.price))
			if (err != nil) != tc.wantErr {
				t.Fatalf("writeDocument error = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}
