package devchain

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/txpool"
)

// maxBody matches geth's default HTTP body limit.
const maxBody = 5 * 1024 * 1024

// queuedGrace is how long a send waits for a transaction the pool holds as queued
// (its nonce leaves a gap). Senders that pipeline nonces fill such gaps within
// milliseconds; a gap nobody fills is answered like a real node would, unmined.
const queuedGrace = 2 * time.Second

// serveHTTP answers JSON-RPC over HTTP. Requests that submit a transaction are answered
// only after the transaction is mined, so a client that asks for the receipt right
// after getting the hash finds it (hardhat's automine behaves the same way).
//
// The sender does not mine its own block: it wakes the one sealing goroutine and waits
// for its transaction to leave the pool. That is what lets concurrent senders share
// blocks: while a block is being sealed, or while the miner waits for the drift limit,
// every transaction that arrives waits in the pool and goes into the next block.
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
	if hashes := sentHashes(rec.body.Bytes(), ids); len(hashes) > 0 {
		c.waitMined(r.Context(), hashes)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// rpcCall is the part of a JSON-RPC request or response the miner looks at.
type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
}

// decodeCalls reads one JSON-RPC object or a batch of them.
func decodeCalls(body []byte) ([]rpcCall, bool) {
	var calls []rpcCall
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		if json.Unmarshal(body, &calls) != nil {
			return nil, false
		}
		return calls, true
	}
	var one rpcCall
	if json.Unmarshal(body, &one) != nil {
		return nil, false
	}
	return append(calls, one), true
}

// sendIDs returns the ids of the calls in a JSON-RPC request or batch that submit a
// transaction and answer with its hash, or nil when there are none.
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
			ids = append(ids, string(cl.ID))
		}
		// eth_sendRawTransactionSync waits for its own receipt inside the handler; the
		// pool subscription (mineLoop) mines it.
	}
	return ids
}

// sentHashes picks the transaction hashes out of the answers to the calls with ids.
// Failed sends have no result and are answered at once.
func sentHashes(resp []byte, ids []string) []common.Hash {
	answers, ok := decodeCalls(resp)
	if !ok {
		return nil
	}
	var hashes []common.Hash
	for _, a := range answers {
		var s string
		if len(a.Result) == 0 || json.Unmarshal(a.Result, &s) != nil || len(s) != 66 {
			continue
		}
		for _, id := range ids {
			if id == string(a.ID) {
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

// kickMiner asks the sealing goroutine for a mining round. Kicks coalesce: a round
// that is already due takes every transaction in the pool.
func (c *Chain) kickMiner() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// waitMined returns once none of hashes is waiting in the pool any more (mined, or
// dropped or replaced), or one has sat queued behind a nonce gap for queuedGrace, or
// the client or the chain goes away. The miner calls pool.Sync after every block and
// only then announces it (minedRound), so a mined transaction is no longer in the pool
// when a waiter looks.
func (c *Chain) waitMined(ctx context.Context, hashes []common.Hash) {
	c.kickMiner()
	pool := c.eth.TxPool()
	var grace <-chan time.Time
	for _, h := range hashes {
		for {
			round := c.minedRound()
			status := pool.Status(h)
			if status == txpool.TxStatusUnknown {
				break
			}
			if status == txpool.TxStatusQueued && grace == nil {
				// Also what a transaction looks like for a moment right after it is
				// added, before the pool promotes it; the miner's Sync does that.
				t := time.NewTimer(queuedGrace)
				defer t.Stop()
				grace = t.C
			}
			select {
			case <-round.done:
				if round.refused {
					return // the miner leaves it in the pool (fee below base fee, say)
				}
			case <-grace:
				return
			case <-ctx.Done():
				return
			case <-c.stop:
				return
			}
		}
	}
}

// mineRound is announced when the miner seals a block or ends a mining round.
type mineRound struct {
	done chan struct{} // closed at the announcement
	// refused: the round ended with executable transactions the miner would not
	// include; waiting for another round would not mine them.
	refused bool
}

// minedRound returns the next announcement.
func (c *Chain) minedRound() *mineRound {
	c.roundMu.Lock()
	defer c.roundMu.Unlock()
	return c.round
}

// announceRound wakes everyone waiting in waitMined to look at the pool again.
func (c *Chain) announceRound(refused bool) {
	c.roundMu.Lock()
	c.round.refused = refused
	close(c.round.done)
	c.round = &mineRound{done: make(chan struct{})}
	c.roundMu.Unlock()
}

// mineLoop is the sealing goroutine: it mines whenever kicked, by a sender over HTTP
// or by a transaction reaching the pool by another path (WebSocket, in-process). The
// pool's event feed must never wait on us: the miner holds mineMu while it waits for
// the pool (Sync), so the events are drained here at once and coalesced into the
// one-slot kick for the worker that mines.
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
				c.mine()
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
			c.kickMiner()
		}
	}
}

func (c *Chain) mine() {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	c.mineLocked()
}

// mineLocked seals blocks until no executable transaction is left. Each block takes
// every executable transaction in the pool (up to the block gas limit), including
// those that arrived while the previous block was sealed or while waitForDrift held
// the next one: under load, blocks fill up instead of the chain running ahead.
// Caller holds mineMu.
func (c *Chain) mineLocked() {
	refused := false
	defer func() { c.announceRound(refused) }()
	pool := c.eth.TxPool()
	last := -1
	for i := 0; i < 64; i++ {
		// Sync waits for the pool's background promotion of just-added transactions
		// and its reset after the previous block, so waiters see mined ones gone.
		_ = pool.Sync()
		if i > 0 {
			c.announceRound(false)
		}
		executable, _ := pool.Stats()
		if executable == 0 {
			return
		}
		if executable == last && i > 2 {
			refused = true
			return // the miner keeps refusing them; don't spin
		}
		last = executable
		if !c.waitForDrift() {
			return
		}
		c.beacon.Commit()
	}
	_ = pool.Sync()
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
