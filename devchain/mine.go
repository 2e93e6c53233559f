package devchain

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/core"
)

// maxBody matches geth's default HTTP body limit.
const maxBody = 5 * 1024 * 1024

// serveHTTP answers JSON-RPC over HTTP. Requests that submit a transaction are answered
// only after the transaction is mined, so a client that asks for the receipt right
// after getting the hash finds it (hardhat's automine behaves the same way).
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
	if !sendsTransaction(body) {
		c.rpcSrv.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	c.rpcSrv.ServeHTTP(rec, r)
	c.mine()
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// sendsTransaction reports whether a JSON-RPC request or batch submits a transaction.
func sendsTransaction(body []byte) bool {
	if !bytes.Contains(body, []byte("eth_send")) {
		return false
	}
	type call struct {
		Method string `json:"method"`
	}
	var calls []call
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		if json.Unmarshal(body, &calls) != nil {
			return false
		}
	} else {
		var one call
		if json.Unmarshal(body, &one) != nil {
			return false
		}
		calls = append(calls, one)
	}
	for _, cl := range calls {
		switch cl.Method {
		case "eth_sendRawTransaction", "eth_sendTransaction", "eth_sendRawTransactionSync":
			return true
		}
	}
	return false
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

// mineLoop mines transactions that reach the pool without passing serveHTTP
// (WebSocket, in-process clients). The pool's event feed must never wait on us: the
// miner holds mineMu while it waits for the pool (Sync), so the events are drained here
// at once and coalesced into a one-slot kick for the worker that mines.
func (c *Chain) mineLoop() {
	defer close(c.loopDone)
	ch := make(chan core.NewTxsEvent, 16)
	sub := c.eth.TxPool().SubscribeTransactions(ch, true)
	defer sub.Unsubscribe()
	kick := make(chan struct{}, 1)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		for {
			select {
			case <-c.stop:
				return
			case <-kick:
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
			select {
			case kick <- struct{}{}:
			default: // a mining round is already due; it takes this transaction too
			}
		}
	}
}

func (c *Chain) mine() {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	c.mineLocked()
}

// mineLocked seals blocks until no executable transaction is left. Each block takes
// every executable transaction in the pool. Caller holds mineMu.
func (c *Chain) mineLocked() {
	pool := c.eth.TxPool()
	last := -1
	for i := 0; i < 64; i++ {
		// Sync waits for the pool's background promotion of just-added transactions.
		_ = pool.Sync()
		executable, _ := pool.Stats()
		if executable == 0 {
			return
		}
		if executable == last && i > 2 {
			return // the miner keeps refusing them; don't spin
		}
		last = executable
		if !c.waitForDrift() {
			return
		}
		c.beacon.Commit()
	}
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
