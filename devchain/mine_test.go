package devchain_test

import (
	"crypto/ecdsa"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
)

// transferAt signs a plain transfer with an explicit nonce (for senders that pipeline
// nonces or leave gaps).
func transferAt(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey, nonce uint64) *types.Transaction {
	t.Helper()
	to := common.Address{0xb0, 0x57}
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
		ChainID: c.ChainID(), Nonce: nonce, GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9),
		Gas: 21000, To: &to, Value: big.NewInt(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// A burst of concurrent senders at a small drift cap: every send returns with its
// transaction mined, blocks are shared (group commit) and chain time never runs more
// than the cap ahead of the wall clock. Before group commit a sender mined its own
// block and the burst needed about one block per transaction.
func TestBurstSharesBlocksWithinDrift(t *testing.T) {
	ctx := ctxT(t)
	const drift = 2 * time.Second
	const senders, each = 32, 4
	c, err := devchain.Start(ctx, devchain.Options{MaxDrift: drift, Accounts: 5 + senders})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startBlock, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, senders*each)
	for _, a := range c.Accounts()[5:] {
		wg.Add(1)
		go func(key *ecdsa.PrivateKey) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tx := transferAt(t, c, key, uint64(i))
				if err := c.Client().SendTransaction(ctx, tx); err != nil {
					errs <- "send: " + err.Error()
					return
				}
				if r, err := c.Client().TransactionReceipt(ctx, tx.Hash()); err != nil || r.Status != types.ReceiptStatusSuccessful {
					errs <- "no successful receipt when the send returned"
					return
				}
				head, err := c.Client().HeaderByNumber(ctx, nil)
				if err != nil {
					errs <- err.Error()
					return
				}
				// Whole seconds on chain: allow one second of rounding.
				if ahead := time.Until(time.Unix(int64(head.Time), 0)); ahead > drift+time.Second {
					errs <- "chain time " + ahead.String() + " ahead of the wall clock"
					return
				}
			}
		}(a.Key)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	endBlock, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for n := startBlock + 1; n <= endBlock; n++ {
		b, err := c.Client().BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Transactions()) > most {
			most = len(b.Transactions())
		}
	}
	blocks := int(endBlock - startBlock)
	t.Logf("%d transactions from %d senders in %d blocks (largest %d)", senders*each, senders, blocks, most)
	if most < 2 || blocks > senders*each/4 {
		t.Fatalf("%d transactions took %d blocks, the largest with %d: concurrent senders do not share blocks",
			senders*each, blocks, most)
	}
}

// A sender that pipelines nonces (several sends in flight, arriving in any order)
// gets each send answered after its transaction is mined, gaps included: a later
// nonce waits in the pool until the earlier one arrives.
func TestPipelinedNoncesAllMined(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key, _ := crypto.GenerateKey()
	if err := c.Fund(ctx, crypto.PubkeyToAddress(key.PublicKey), big.NewInt(1e18), nil); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := n - 1; i >= 0; i-- { // highest nonce first: most of them start with a gap
		wg.Add(1)
		go func(nonce uint64) {
			defer wg.Done()
			time.Sleep(time.Duration(n-nonce) * 5 * time.Millisecond)
			tx := transferAt(t, c, key, nonce)
			if err := c.Client().SendTransaction(ctx, tx); err != nil {
				errs <- "send: " + err.Error()
				return
			}
			if _, err := c.Client().TransactionReceipt(ctx, tx.Hash()); err != nil {
				errs <- "receipt right after send: " + err.Error()
			}
		}(uint64(i))
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// A nonce gap nobody fills does not hang the send: it is answered (unmined, as a real
// node answers) after a bounded wait, and the transaction is mined once the gap is
// filled.
func TestUnfilledNonceGapAnswers(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key, _ := crypto.GenerateKey()
	if err := c.Fund(ctx, crypto.PubkeyToAddress(key.PublicKey), big.NewInt(1e18), nil); err != nil {
		t.Fatal(err)
	}
	late := transferAt(t, c, key, 1)
	start := time.Now()
	if err := c.Client().SendTransaction(ctx, late); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("send behind a nonce gap took %v", took)
	}
	if _, err := c.Client().TransactionReceipt(ctx, late.Hash()); err == nil {
		t.Fatal("a transaction behind a nonce gap was mined")
	}
	if err := c.Client().SendTransaction(ctx, transferAt(t, c, key, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client().TransactionReceipt(ctx, late.Hash()); err != nil {
		t.Fatalf("filling the gap did not mine the waiting transaction: %v", err)
	}
}
