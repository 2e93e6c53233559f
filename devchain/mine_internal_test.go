package devchain

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// ownChain starts a chain only this test uses (these tests hold its sealer), closed
// with the test, and a context for the test's calls.
func ownChain(t *testing.T) (context.Context, *Chain) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	c, err := Start(ctx, Options{Accounts: 8, MaxDrift: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ctx, c
}

// Transactions that arrive while a block is being sealed go into the next block
// together; one that reverts gets a status-0 receipt in that block and does not keep
// the others out. The sealer is held (mineMu) while a JSON-RPC batch of sends arrives,
// so the test knows they meet in one block; the batch is answered only once all of
// them are mined.
func TestRevertSharesBlockWithoutPoisoning(t *testing.T) {
	ctx, c := ownChain(t)
	tokenAddr := TokenAddress()
	sign := func(desc string, role string, to common.Address, data []byte, gas uint64) *types.Transaction {
		tx, err := c.signTx(c.Account(role).Key, 0, &to, big.NewInt(0), data, gas)
		if err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
		return tx
	}
	cases := []struct {
		desc   string
		tx     *types.Transaction
		status uint64
	}{
		{desc: "plain transfer", tx: sign("plain", "dev-5", common.Address{0x01}, nil, 21_000), status: types.ReceiptStatusSuccessful},
		{desc: "call the token with an unknown selector: reverts", tx: sign("revert", "dev-6", tokenAddr, []byte{0xde, 0xad, 0xbe, 0xef}, 100_000), status: types.ReceiptStatusFailed},
		{desc: "another plain transfer after the revert", tx: sign("plain 2", "dev-7", common.Address{0x02}, nil, 21_000), status: types.ReceiptStatusSuccessful},
	}
	batch := make([]rpc.BatchElem, len(cases))
	hashes := make([]common.Hash, len(cases))
	for i, tc := range cases {
		raw, err := tc.tx.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		batch[i] = rpc.BatchElem{Method: "eth_sendRawTransaction", Args: []any{hexutil.Encode(raw)}, Result: &hashes[i]}
	}
	c.mineMu.Lock()
	sent := make(chan error, 1)
	go func() { sent <- c.Client().Client().BatchCallContext(ctx, batch) }()
	for {
		if pending, queued := c.eth.TxPool().Stats(); pending+queued >= len(cases) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-sent:
		c.mineMu.Unlock()
		t.Fatalf("the batch was answered before its transactions could be mined: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	c.mineMu.Unlock()
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	var block common.Hash
	for i, tc := range cases {
		if batch[i].Error != nil || hashes[i] != tc.tx.Hash() {
			t.Fatalf("%s: send answered %s, %v", tc.desc, hashes[i].Hex(), batch[i].Error)
		}
		r, err := c.Client().TransactionReceipt(ctx, tc.tx.Hash())
		if err != nil {
			t.Fatalf("%s: no receipt when the batch was answered: %v", tc.desc, err)
		}
		if r.Status != tc.status {
			t.Fatalf("%s: status %d, want %d", tc.desc, r.Status, tc.status)
		}
		if i == 0 {
			block = r.BlockHash
		} else if r.BlockHash != block {
			t.Fatalf("%s: in block %s, the first in %s: the held sends did not share a block", tc.desc, r.BlockHash.Hex(), block.Hex())
		}
	}
}

// A send waiting behind a nonce gap is not answered as "stays in the pool" when the
// gap is filled between the sealer's count of the pool and the waiter's look at it:
// the sealer announced an idle round before the later send's transaction was
// promoted, so the waiter finds its transaction pending with fees the miner takes.
// Seen as a flaky TestPipelinedNoncesAllMined under load (a send answered unmined).
// The sealer is held (mineMu) and the round announced by hand to force that order.
func TestGapFilledAfterIdleRoundIsAwaited(t *testing.T) {
	ctx, c := ownChain(t)
	key := c.Account("dev-5").Key
	to := common.Address{0x03}
	tx := func(nonce uint64) *types.Transaction {
		signed, err := c.signTx(key, nonce, &to, big.NewInt(1), nil, 21_000)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	pool := c.eth.TxPool()
	gapped, filler := tx(1), tx(0)
	c.mineMu.Lock()
	locked := true
	defer func() {
		if locked {
			c.mineMu.Unlock()
		}
	}()
	if errs := pool.Add([]*types.Transaction{gapped}, false); errs[0] != nil {
		t.Fatal(errs[0])
	}
	answered := make(chan struct{})
	go func() {
		c.awaitMined(ctx, []common.Hash{gapped.Hash()})
		close(answered)
	}()
	// The waiter has taken its round once the sealer's kick is pending (or taken).
	time.Sleep(50 * time.Millisecond)
	if errs := pool.Add([]*types.Transaction{filler}, false); errs[0] != nil {
		t.Fatal(errs[0])
	}
	_ = pool.Sync() // the filler's promotion: the gapped transaction is pending now
	if st := pool.Status(gapped.Hash()); st != txpool.TxStatusPending {
		t.Fatalf("test setup: the gapped transaction is %v, not pending", st)
	}
	// A round whose count was taken before the promotion: idle, nothing includable.
	c.announce(c.syncs.Add(1), true, false)
	select {
	case <-answered:
		t.Fatal("the send was answered unmined: its transaction was taken for one the miner refuses")
	case <-time.After(200 * time.Millisecond):
	}
	c.mineMu.Unlock()
	locked = false
	select {
	case <-answered:
	case <-ctx.Done():
		t.Fatal("the send was never answered once the sealer ran")
	}
	if _, ok := c.minedIn(gapped.Hash()); !ok {
		t.Fatal("the send was answered before its transaction was mined")
	}
}

func TestSendIDsAndHashes(t *testing.T) {
	h1 := "0x" + "1111111111111111111111111111111111111111111111111111111111111111"
	h2 := "0x" + "2222222222222222222222222222222222222222222222222222222222222222"
	for _, tc := range []struct {
		desc     string
		request  string
		response string
		ids      []string
		hashes   []common.Hash
	}{
		{desc: "single raw send", request: `{"jsonrpc":"2.0","id":7,"method":"eth_sendRawTransaction","params":["0x00"]}`,
			response: `{"jsonrpc":"2.0","id":7,"result":"` + h1 + `"}`, ids: []string{"7"}, hashes: []common.Hash{common.HexToHash(h1)}},
		{desc: "not a send", request: `{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}`},
		{desc: "sync send waits in its own handler", request: `{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransactionSync","params":["0x00"]}`},
		{desc: "malformed request", request: `{"method":"eth_sendRawTransaction",`},
		{desc: "refused send has no hash", request: `{"jsonrpc":"2.0","id":"a","method":"eth_sendRawTransaction","params":["0x00"]}`,
			response: `{"jsonrpc":"2.0","id":"a","error":{"code":-32000,"message":"nonce too low"}}`, ids: []string{`"a"`}},
		{desc: "batch mixing sends and reads, answers out of order",
			request: `[{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x00"]},
			          {"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":[]},
			          {"jsonrpc":"2.0","id":3,"method":"eth_sendRawTransaction","params":["0x01"]}]`,
			response: `[{"jsonrpc":"2.0","id":3,"result":"` + h2 + `"},{"jsonrpc":"2.0","id":2,"result":"` + h1 + `"},{"jsonrpc":"2.0","id":1,"result":"` + h1 + `"}]`,
			ids:      []string{"1", "3"}, hashes: []common.Hash{common.HexToHash(h2), common.HexToHash(h1)}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ids := sendIDs([]byte(tc.request))
			if !reflect.DeepEqual(ids, tc.ids) {
				t.Fatalf("ids %q, want %q", ids, tc.ids)
			}
			if tc.response == "" {
				return
			}
			if got := sentHashes([]byte(tc.response), ids); !reflect.DeepEqual(got, tc.hashes) {
				t.Fatalf("hashes %v, want %v", got, tc.hashes)
			}
		})
	}
}
