package devchain

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus/misc/eip1559"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/holiman/uint256"
)

// maxBody matches geth's default HTTP body limit.
const maxBody = 5 * 1024 * 1024

// gapGrace is how long a send is held once its transaction is known to wait behind a
// nonce gap (the pool has settled and still queues it). A relayer that pipelines
// nonces fills such gaps within milliseconds; a gap nobody fills is answered like a
// real node answers, with the transaction unmined.
const gapGrace = 2 * time.Second

// maxSealFailures ends a sealing round when blocks stop coming (the engine refuses
// to build), instead of spinning on a pool the miner cannot empty.
const maxSealFailures = 3

// minerTip is the least tip per gas the miner takes, in wei (Miner.GasPrice, see Start).
const minerTip = 1

// serveHTTP answers JSON-RPC over HTTP. A request that submits transactions is
// answered only once each accepted transaction is in a canonical block (its receipt
// and block are queryable), so a client that asks for the receipt right after getting
// the hash finds it (hardhat's automine behaves the same way). The exceptions are the
// cases where a real node would never mine it either: dropped or replaced, fees the
// miner will not take, or a nonce gap nobody fills within gapGrace.
//
// The sender does not mine: it wakes the one sealing goroutine and waits. While a
// block is built, or while the sealer waits for the drift limit, new arrivals collect
// in the pool and go into the next block together (group commit).
func (c *Chain) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		c.rpcSrv.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ids := sendIDs(body)
	if len(ids) == 0 {
		c.rpcSrv.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	c.rpcSrv.ServeHTTP(rec, r)
	if c.senderMines {
		c.sealRound()
	} else if hashes := sentHashes(rec.body.Bytes(), ids); len(hashes) > 0 {
		c.awaitMined(r.Context(), hashes)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// rpcCall is the part of a JSON-RPC request or answer the miner looks at.
type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
}

// decodeCalls reads one JSON-RPC object or a batch of them.
func decodeCalls(body []byte) ([]rpcCall, bool) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var calls []rpcCall
		if json.Unmarshal(body, &calls) != nil {
			return nil, false
		}
		return calls, true
	}
	var one rpcCall
	if json.Unmarshal(body, &one) != nil {
		return nil, false
	}
	return []rpcCall{one}, true
}

// sendIDs returns the ids of the calls in a request that submit a transaction and
// answer with its hash. eth_sendRawTransactionSync is not among them: its handler
// waits for the receipt itself, and the pool subscription gets it mined.
func sendIDs(body []byte) []string {
	if !bytes.Contains(body, []byte("eth_send")) {
		return nil
	}
	calls, ok := decodeCalls(body)
	if !ok {
		return nil
	}
	var ids []string
	for _, cl := range calls {
		switch cl.Method {
		case "eth_sendRawTransaction", "eth_sendTransaction":
			ids = append(ids, string(bytes.TrimSpace(cl.ID)))
		}
	}
	return ids
}

// sentHashes picks the transaction hashes out of the answers to the calls with ids.
// Refused sends carry an error instead of a result and are answered at once.
func sentHashes(resp []byte, ids []string) []common.Hash {
	answers, ok := decodeCalls(resp)
	if !ok {
		return nil
	}
	var hashes []common.Hash
	for _, a := range answers {
		var s string
		if len(a.Result) == 0 || json.Unmarshal(a.Result, &s) != nil || len(s) != 2+2*common.HashLength {
			continue
		}
		id := string(bytes.TrimSpace(a.ID))
		for _, want := range ids {
			if want == id {
				hashes = append(hashes, common.HexToHash(s))
				break
			}
		}
	}
	return hashes
}

// recorder buffers a response so it can be sent after mining.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// round is one announcement of the sealer: a block was sealed, or the sealer went
// idle. Waiters take the current round before they look at the chain, so an
// announcement made between their look and their wait is not missed.
type round struct {
	done chan struct{} // closed at the announcement; the fields below are set before
	// sync is the number of the pool sync the sealer did before this announcement;
	// a waiter compares it with syncs as read after its transaction was added.
	sync uint64
	// idle: the sealer stopped after this announcement. Either the pool held nothing
	// the miner would include after that sync, or (stuck) it did and blocks stopped
	// coming.
	idle, stuck bool
}

// currentRound returns the next announcement.
func (c *Chain) currentRound() *round {
	c.roundMu.Lock()
	defer c.roundMu.Unlock()
	return c.round
}

// announce closes the current round and opens the next. Only the sealer (holding
// mineMu) calls it.
func (c *Chain) announce(sync uint64, idle, stuck bool) {
	c.roundMu.Lock()
	r := c.round
	c.round = &round{done: make(chan struct{})}
	c.roundMu.Unlock()
	r.sync, r.idle, r.stuck = sync, idle, stuck
	close(r.done)
}

// kickSealer asks the sealing goroutine for a round. Kicks coalesce: a round that is
// already due takes every transaction in the pool.
func (c *Chain) kickSealer() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// minedIn returns the number of the canonical block holding tx. The block, its
// receipts and the transaction index are written together when the block becomes
// head, so once it is found eth_getTransactionReceipt and eth_getBlockByNumber answer
// for it.
func (c *Chain) minedIn(tx common.Hash) (uint64, bool) {
	lookup, _ := c.eth.BlockChain().GetCanonicalTransaction(tx)
	if lookup == nil {
		return 0, false
	}
	return lookup.BlockIndex, true
}

// awaitMined returns once each of hashes is mined, or is out of the miner's reach
// (see serveHTTP), or ctx ends or the chain closes.
func (c *Chain) awaitMined(ctx context.Context, hashes []common.Hash) {
	// Every pool sync numbered above since started after these transactions were
	// added, so what it leaves in the pool reflects them.
	since := c.syncs.Load()
	c.kickSealer()
	pool := c.eth.TxPool()
	var grace <-chan time.Time
	for _, h := range hashes {
		for {
			r := c.currentRound()
			if n, ok := c.minedIn(h); ok {
				// Answer only once the pool has also moved to that block: a sender's
				// next transaction (or one from an account it just funded) is checked
				// against the pool's state, which is reset after the block, not in it.
				if c.poolHead.Load() >= n {
					break
				}
			} else if pool.Status(h) == txpool.TxStatusUnknown {
				// The pool forgets a transaction only after its block is head, so
				// gone from the pool and not mined means dropped or replaced.
				break
			}
			select {
			case <-r.done:
			case <-grace:
				return
			case <-ctx.Done():
				return
			case <-c.stop:
				return
			}
			if !r.idle || r.sync <= since {
				continue
			}
			if _, ok := c.minedIn(h); ok {
				continue
			}
			// The sealer has settled the pool since this transaction arrived and
			// found nothing more to include.
			st := pool.Status(h)
			if st == txpool.TxStatusPending {
				if !r.stuck && c.minerTakes(pool.Get(h)) {
					// It became includable after that round counted the pool: a
					// later send filled its nonce gap. That send (or the pool's
					// promotion event) kicked the sealer, whose next round mines it.
					continue
				}
				break // fees below what the miner takes: it stays in the pool
			}
			if st == txpool.TxStatusQueued && grace == nil {
				t := time.NewTimer(gapGrace)
				defer t.Stop()
				grace = t.C
			}
		}
	}
}

// mineLoop runs the sealing goroutine. Senders over HTTP kick it; transactions that
// reach the pool by other paths (WebSocket, in-process) kick it through the pool's
// event feed. That feed must never wait on us (the sealer holds mineMu while it waits
// for the pool), so its events are drained here at once and coalesced into the
// one-slot kick.
func (c *Chain) mineLoop() {
	defer close(c.loopDone)
	ch := make(chan core.NewTxsEvent, 16)
	sub := c.eth.TxPool().SubscribeTransactions(ch, true)
	defer sub.Unsubscribe()
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		for {
			select {
			case <-c.stop:
				return
			case <-c.kick:
				c.sealRound()
			}
		}
	}()
	defer func() { <-workerDone }()
	for {
		select {
		case <-c.stop:
			return
		case <-sub.Err():
			return
		case <-ch:
			c.kickSealer()
		}
	}
}

func (c *Chain) sealRound() {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	c.sealLocked()
}

// sealLocked seals blocks until the pool holds nothing the miner would include, and
// announces each block and the final idle state. Each block takes every includable
// transaction (up to the block gas limit), including those that arrived while the
// previous block was sealed or while waitForDrift held this one: under load blocks
// fill up instead of the chain running ahead. Caller holds mineMu.
func (c *Chain) sealLocked() {
	pool := c.eth.TxPool()
	chain := c.eth.BlockChain()
	failures := 0
	for {
		n := c.syncs.Add(1)
		// Sync waits for the pool's promotion of just-added transactions and for its
		// reset to the block sealed last (the head event reached it before Commit
		// returned). Only then is that block announced: see awaitMined.
		_ = pool.Sync()
		c.poolHead.Store(chain.CurrentBlock().Number.Uint64())
		stuck := failures >= maxSealFailures
		idle := stuck || c.includable() == 0
		if stuck {
			slog.Warn("devchain: the engine builds no block; leaving transactions in the pool", "includable", c.includable())
		}
		c.announce(n, idle, stuck)
		if idle || !c.waitForDrift() {
			return
		}
		before := chain.CurrentBlock().Number.Uint64()
		c.beacon.Commit()
		if chain.CurrentBlock().Number.Uint64() == before {
			failures++
		} else {
			failures = 0
		}
	}
}

// includable counts the pool's transactions the miner would put in the next block:
// executable, with a fee cap that covers the next base fee and a tip of at least the
// miner's gas price (1 wei, see Start).
func (c *Chain) includable() int {
	_, n := c.eth.TxPool().Pending(txpool.PendingFilter{
		MinTip:  uint256.NewInt(minerTip),
		BaseFee: c.nextBaseFee(),
	})
	return n
}

// minerTakes says whether tx pays what the miner asks of the next block (the fee rule
// of includable), whatever its nonce; false for nil.
func (c *Chain) minerTakes(tx *types.Transaction) bool {
	return tx != nil && tx.EffectiveGasTipIntCmp(uint256.NewInt(minerTip), c.nextBaseFee()) >= 0
}

// nextBaseFee is the base fee of the block after the head.
func (c *Chain) nextBaseFee() *uint256.Int {
	chain := c.eth.BlockChain()
	return uint256.MustFromBig(eip1559.CalcBaseFee(chain.Config(), chain.CurrentBlock()))
}

// waitForDrift sleeps until the next block's timestamp (at least head+1 s) is within
// maxDrift of wall clock plus the offset added by AdvanceTime. False when closing.
func (c *Chain) waitForDrift() bool {
	for {
		head := c.eth.BlockChain().CurrentBlock()
		next := time.Unix(int64(head.Time)+1, 0)
		limit := time.Now().Add(c.offset + c.maxDrift)
		if !next.After(limit) {
			return true
		}
		select {
		case <-c.stop:
			return false
		case <-time.After(next.Sub(limit)):
		}
	}
}
