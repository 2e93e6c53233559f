package facilitator

import (
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/x402"
)

// answer is what the facilitator remembers about one authorization digest: a
// broadcast transaction (final=false, receipt not seen yet) or the final answer.
type answer struct {
	final   bool
	resp    x402.SettleResponse
	tx      common.Hash
	expires time.Time
}

// maxAnswers bounds the answer cache (about 300 bytes an entry). Past it, the entries
// dropped are answered from chain logs instead (FindSettlement), so the bound costs
// RPC calls, never correctness.
const maxAnswers = 200_000

// answerCache keeps settle answers for idempotent replies: one entry per settled
// payment within the retention, pruned on insert.
type answerCache struct {
	mu        sync.Mutex
	m         map[common.Hash]answer
	max       int
	lastPrune time.Time
}

func newAnswerCache() *answerCache { return &answerCache{m: map[common.Hash]answer{}, max: maxAnswers} }

func (c *answerCache) get(k common.Hash) (answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[k]
	if !ok || time.Now().After(a.expires) {
		return answer{}, false
	}
	return a, true
}

func (c *answerCache) forget(k common.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

func (c *answerCache) put(k common.Hash, a answer, ttl time.Duration) {
	now := time.Now()
	a.expires = now.Add(ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = a
	if now.Sub(c.lastPrune) > time.Minute || len(c.m) > c.max {
		c.lastPrune = now
		for key, v := range c.m {
			if now.After(v.expires) {
				delete(c.m, key)
			}
		}
	}
	// Still too big: drop arbitrary final answers (map order), never pending ones,
	// whose transaction would otherwise not be followed up.
	for key, v := range c.m {
		if len(c.m) <= c.max {
			break
		}
		if v.final && key != k {
			delete(c.m, key)
		}
	}
}

// transferTopic is the id of the ERC-20 Transfer event, from the generated bindings.
var transferTopic = eventID("Transfer")

// authorizationUsedTopic is the id of EIP-3009's AuthorizationUsed(authorizer, nonce).
var authorizationUsedTopic = eventID("AuthorizationUsed")

func eventID(name string) common.Hash {
	parsed, err := token.EIP3009TokenMetaData.ParseABI()
	if err != nil {
		panic("facilitator: generated token ABI does not parse: " + err.Error())
	}
	ev, ok := parsed.Events[name]
	if !ok {
		panic("facilitator: generated token ABI has no event " + name)
	}
	return ev.ID
}

// transferLogged reports whether logs hold the ERC-20 Transfer this authorization
// should have caused: emitted by the asset, from payer to payee, exactly the value.
func transferLogged(logs []*types.Log, p *payment) bool {
	for _, l := range logs {
		if l == nil || l.Address != p.Asset || len(l.Topics) != 3 || l.Topics[0] != transferTopic {
			continue
		}
		if common.BytesToAddress(l.Topics[1][:]) != p.Auth.From || common.BytesToAddress(l.Topics[2][:]) != p.Auth.To {
			continue
		}
		if new(big.Int).SetBytes(l.Data).Cmp(p.Auth.Value) == 0 {
			return true
		}
	}
	return false
}
