package facilitator

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// fakeChain is an in-memory Chain for unit tests: a token whose state the test sets,
// and a ledger of submitted transfers whose receipts appear when the test says so.
type fakeChain struct {
	id      *big.Int
	relayer common.Address
	token   TokenInfo
	tokErr  error

	mu          sync.Mutex
	used        map[common.Hash]bool // by nonce
	allUsed     bool
	healthErr   error
	dropped     map[common.Hash]bool // broadcasts the pool forgot
	balance     *big.Int
	simErr      error // forced simulation error
	inspErr     error
	submitErr   error
	submitDelay time.Duration
	// mine controls whether receipts exist: nil = immediately, else receipts appear
	// once mine is closed.
	mine     chan struct{}
	revert   bool
	submits  atomic.Int32
	receipts map[common.Hash]*types.Receipt
	byNonce  map[common.Hash]common.Hash
	asset    common.Address
}

func newFakeChain(asset common.Address) *fakeChain {
	return &fakeChain{
		id: big.NewInt(84532), relayer: common.HexToAddress("0x00000000000000000000000000000000000000aa"),
		token:    TokenInfo{IsContract: true, Name: "USDC", Version: "2"},
		used:     map[common.Hash]bool{},
		balance:  big.NewInt(1_000_000),
		receipts: map[common.Hash]*types.Receipt{},
		byNonce:  map[common.Hash]common.Hash{},
		asset:    asset,
	}
}

func (c *fakeChain) ChainID() *big.Int       { return c.id }
func (c *fakeChain) Relayer() common.Address { return c.relayer }
func (c *fakeChain) Healthy(context.Context) error {
	return c.healthErr
}

func (c *fakeChain) RelayerBalance(context.Context) (*big.Int, error) {
	return big.NewInt(5e18), nil
}

func (c *fakeChain) Token(ctx context.Context, asset common.Address) (TokenInfo, error) {
	return c.token, c.tokErr
}

func (c *fakeChain) Inspect(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (Inspection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inspErr != nil {
		return Inspection{}, c.inspErr
	}
	ins := Inspection{Used: c.allUsed || c.used[a.Nonce], Balance: new(big.Int).Set(c.balance)}
	switch {
	case c.simErr != nil:
		ins.SimErr = c.simErr
	case ins.Used:
		ins.SimErr = errors.New("execution reverted: FiatTokenV2: authorization is used or canceled")
	case ins.Balance.Cmp(a.Value) < 0:
		ins.SimErr = errors.New("execution reverted: ERC20: transfer amount exceeds balance")
	}
	return ins, nil
}

func (c *fakeChain) ContractSignature(ctx context.Context, signer common.Address, digest common.Hash, sig []byte) (bool, bool, error) {
	return false, false, nil
}

func (c *fakeChain) Simulate(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (error, error) {
	ins, err := c.Inspect(ctx, asset, a, sig)
	return ins.SimErr, err
}

func (c *fakeChain) Submit(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte, signed func(common.Hash) error) (common.Hash, error) {
	// Gas estimation: refuse what would revert, without broadcasting.
	if ins, _ := c.Inspect(ctx, asset, a, sig); ins.SimErr != nil {
		return common.Hash{}, &SimulationError{Err: ins.SimErr}
	}
	if c.submitDelay > 0 {
		time.Sleep(c.submitDelay)
	}
	if c.submitErr != nil {
		c.submits.Add(1)
		return common.Hash{}, c.submitErr
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used[a.Nonce] {
		return common.Hash{}, &SimulationError{Err: errors.New("execution reverted: authorization is used")}
	}
	tx := crypto.Keccak256Hash(a.Nonce[:], big.NewInt(int64(c.submits.Load()+1)).Bytes())
	if signed != nil {
		if err := signed(tx); err != nil {
			return common.Hash{}, err
		}
	}
	c.submits.Add(1)
	if !c.revert { // a reverted transfer leaves no trace in the token's state
		c.used[a.Nonce] = true
		c.balance.Sub(c.balance, a.Value)
	}
	status := uint64(1)
	var logs []*types.Log
	if c.revert {
		status = 0
	} else {
		logs = []*types.Log{{Address: asset, Topics: []common.Hash{transferTopic,
			common.BytesToHash(a.From[:]), common.BytesToHash(a.To[:])}, Data: common.LeftPadBytes(a.Value.Bytes(), 32)}}
	}
	c.receipts[tx] = &types.Receipt{Status: status, TxHash: tx, Logs: logs}
	if !c.revert {
		c.byNonce[a.Nonce] = tx
	}
	return tx, nil
}

func (c *fakeChain) Receipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	if c.mine != nil {
		select {
		case <-c.mine:
		default:
			return nil, nil
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.receipts[tx], nil
}

func (c *fakeChain) Known(ctx context.Context, tx common.Hash) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped[tx] {
		return false, nil
	}
	_, ok := c.receipts[tx]
	return ok, nil
}

func (c *fakeChain) FindSettlement(ctx context.Context, asset, from common.Address, nonce common.Hash) (common.Hash, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx, ok := c.byNonce[nonce]
	return tx, ok, nil
}

// fixture builds signed requests against the fake chain.
type fixture struct {
	key   *ecdsa.PrivateKey
	payer common.Address
	req   x402.Requirements
	now   time.Time
}

func newFixture() *fixture {
	key, _ := crypto.GenerateKey()
	return &fixture{
		key:   key,
		payer: crypto.PubkeyToAddress(key.PublicKey),
		now:   time.Unix(1_800_000_000, 0),
		req: x402.Requirements{
			Scheme: "exact", Network: "eip155:84532", Amount: "10000",
			Asset:             "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
			PayTo:             "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
			MaxTimeoutSeconds: 60,
			Extra:             json.RawMessage(`{"name":"USDC","version":"2"}`),
		},
	}
}

func (fx *fixture) payment(opts eip3009.PaymentOptions) x402.PaymentPayload {
	if opts.Now.IsZero() {
		opts.Now = fx.now
	}
	p, err := eip3009.NewPayment(fx.key, fx.req, &x402.ResourceInfo{URL: "https://seller.example/api"}, opts)
	if err != nil {
		panic(err)
	}
	return p
}

func body(version int, payload any, req any) []byte {
	pb, _ := json.Marshal(payload)
	rb, _ := json.Marshal(req)
	b, _ := json.Marshal(x402.VerifyRequest{X402Version: version, PaymentPayload: pb, PaymentRequirements: rb})
	return b
}
