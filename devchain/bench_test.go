package devchain_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
)

// BenchmarkStart is the cost of a dev chain for a test: start (deploy + fund) and close.
//
//	go test -run '^$' -bench BenchmarkStart ./devchain/
func BenchmarkStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, err := devchain.Start(context.Background(), devchain.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSettle is one EIP-3009 settlement over HTTP JSON-RPC as a facilitator does
// it: send transferWithAuthorization, read the receipt. "serial" waits for each receipt
// (one block per settlement); "parallel" has 5 relayers sending at once, which share
// blocks. MaxDrift is raised so the 1-second-per-block rule does not throttle the
// serial run (see the package doc); blocks/op is reported.
//
//	go test -run '^$' -bench BenchmarkSettle ./devchain/
func BenchmarkSettle(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			c, err := devchain.Start(ctx, devchain.Options{MaxDrift: 24 * time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			tok := token.NewEIP3009Token()
			inst := tok.Instance(c.Client(), devchain.TokenAddress())
			buyer := c.Account(devchain.RoleBuyer)
			seller := c.Account(devchain.RoleSeller)
			head, err := c.Client().HeaderByNumber(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			after := new(big.Int).SetUint64(head.Time - 600)
			before := new(big.Int).SetUint64(head.Time + 30*24*3600)
			// Pre-sign outside the timer: the benchmark is about the chain.
			calldata := make([][]byte, b.N)
			for i := range calldata {
				var nonce [32]byte
				nonce[0], nonce[1], nonce[2], nonce[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
				nonce[31] = 0x5e
				sig := sign(buyer.Key, eip712Digest(c, transferTypehash, buyer.Address, seller.Address, big.NewInt(1), after, before, nonce))
				calldata[i] = tok.PackTransferWithAuthorization(buyer.Address, seller.Address, big.NewInt(1), after, before, nonce, sig)
			}
			var relayers []*ecdsa.PrivateKey
			for _, a := range c.Accounts()[5:] {
				relayers = append(relayers, a.Key)
			}
			settle := func(key *ecdsa.PrivateKey, nonce uint64, data []byte) {
				opts := bind.NewKeyedTransactor(key, c.ChainID())
				opts.Nonce = new(big.Int).SetUint64(nonce)
				opts.GasLimit = 200_000
				opts.GasTipCap = big.NewInt(1e9)
				opts.GasFeeCap = big.NewInt(100e9)
				tx, err := bind.Transact(inst, opts, data)
				if err != nil {
					b.Error(err)
					return
				}
				r, err := c.Client().TransactionReceipt(ctx, tx.Hash())
				if err != nil || r.Status != types.ReceiptStatusSuccessful {
					b.Errorf("receipt %v, %v", r, err)
				}
			}
			startBlock, _ := c.Client().BlockNumber(ctx)
			var next atomic.Int64
			b.ResetTimer()
			if mode == "serial" {
				for i := 0; i < b.N; i++ {
					settle(relayers[0], uint64(i), calldata[i])
				}
			} else {
				var relayer atomic.Int32
				b.SetParallelism(2) // 2 x GOMAXPROCS senders, each with its own relayer key
				b.RunParallel(func(pb *testing.PB) {
					me := int(relayer.Add(1)-1) % len(relayers)
					var nonce uint64
					for pb.Next() {
						i := next.Add(1) - 1
						settle(relayers[me], nonce, calldata[i])
						nonce++
					}
				})
			}
			b.StopTimer()
			endBlock, _ := c.Client().BlockNumber(ctx)
			b.ReportMetric(float64(endBlock-startBlock)/float64(b.N), "blocks/op")
		})
	}
}
