//go:build bench

package e2e

import (
	"context"
	"crypto/ecdsa"
	"io"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/facilitator"
	"github.com/turnpike-x402/turnpike/x402"
)

// stubChain is the chain behind the signed-payment bench row: our facilitator checks
// every EIP-712 signature and runs its claim store for real, while the chain answers
// at once (a transfer "mines" when submitted). Block times and an EVM's simulation
// would otherwise hide the gate's cost, which is what the row measures.
type stubChain struct {
	id       *big.Int
	submits  atomic.Int64
	mu       sync.Mutex
	receipts map[common.Hash]*types.Receipt
}

// transferEventTopic is the topic of Transfer(address,address,uint256), which the
// facilitator looks for in a settlement's receipt.
var transferEventTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

func newStubChain(chainID int64) *stubChain {
	return &stubChain{id: big.NewInt(chainID), receipts: map[common.Hash]*types.Receipt{}}
}

func (c *stubChain) ChainID() *big.Int { return c.id }
func (c *stubChain) Relayer() common.Address {
	return common.HexToAddress("0x00000000000000000000000000000000000000aa")
}
func (c *stubChain) Token(context.Context, common.Address) (facilitator.TokenInfo, error) {
	return facilitator.TokenInfo{IsContract: true, Name: "USDC", Version: "2"}, nil
}

func (c *stubChain) ContractSignature(context.Context, common.Address, common.Hash, []byte) (bool, bool, error) {
	return false, false, nil
}

func (c *stubChain) Simulate(context.Context, common.Address, eip3009.Authorization, []byte) (error, error) {
	return nil, nil
}

func (c *stubChain) Inspect(context.Context, common.Address, eip3009.Authorization, []byte) (facilitator.Inspection, error) {
	return facilitator.Inspection{Balance: big.NewInt(1 << 62)}, nil
}

func (c *stubChain) Submit(_ context.Context, asset common.Address, a eip3009.Authorization, _ []byte, signed func(common.Hash) error) (common.Hash, error) {
	tx := crypto.Keccak256Hash(a.From[:], a.Nonce[:])
	if signed != nil {
		if err := signed(tx); err != nil {
			return common.Hash{}, err
		}
	}
	c.submits.Add(1)
	rc := &types.Receipt{Status: 1, TxHash: tx, Logs: []*types.Log{{Address: asset,
		Topics: []common.Hash{transferEventTopic, common.BytesToHash(a.From[:]), common.BytesToHash(a.To[:])},
		Data:   common.LeftPadBytes(a.Value.Bytes(), 32)}}}
	c.mu.Lock()
	c.receipts[tx] = rc
	c.mu.Unlock()
	return tx, nil
}

func (c *stubChain) Receipt(_ context.Context, tx common.Hash) (*types.Receipt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.receipts[tx], nil
}

func (c *stubChain) Known(_ context.Context, tx common.Hash) (bool, error) {
	rc, _ := c.Receipt(context.Background(), tx)
	return rc != nil, nil
}

func (c *stubChain) FindSettlement(context.Context, common.Address, common.Address, common.Hash) (common.Hash, bool, error) {
	return common.Hash{}, false, nil
}

func (c *stubChain) Healthy(context.Context) error { return nil }

func (c *stubChain) RelayerBalance(context.Context) (*big.Int, error) { return big.NewInt(5e18), nil }

// startSignedFacilitator serves our facilitator (in-memory claim store) over the
// stub chain and returns its URL and the chain, whose submits count the settlements.
func startSignedFacilitator(t testing.TB, chainID int64) (string, *stubChain) {
	t.Helper()
	ch := newStubChain(chainID)
	f, err := facilitator.New(facilitator.Config{Chains: []facilitator.Chain{ch}, ReceiptPoll: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err, "facilitator")
	srv := httptest.NewServer(f.Handler(nil))
	t.Cleanup(func() {
		srv.Close()
		f.Close()
	})
	return srv.URL, ch
}

// signedPayments signs n v2 payments for accepted with key (fresh random nonces), the
// way the official client does: real EIP-3009 authorizations our facilitator verifies.
func signedPayments(t testing.TB, key *ecdsa.PrivateKey, n int, accepted x402.Requirements, resourceURL string) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		p, err := eip3009.NewPayment(key, accepted, &x402.ResourceInfo{URL: resourceURL}, eip3009.PaymentOptions{})
		must(t, err, "sign payment %d", i)
		out[i] = tsClientHeader(t, &p)
	}
	return out
}
