package facilitator

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/turnpike-x402/turnpike/eip3009"
)

// Chain is what the facilitator needs from one EVM chain. EVM (evm.go) implements it
// over JSON-RPC with the generated token bindings; unit tests use a fake.
type Chain interface {
	// ChainID is the chain's EIP-155 id.
	ChainID() *big.Int
	// Relayer is the account that pays gas for settlements.
	Relayer() common.Address
	// Token returns the token's EIP-712 name and version as the contract reports
	// them, and whether asset is a contract at all. Implementations cache it.
	Token(ctx context.Context, asset common.Address) (TokenInfo, error)
	// ContractSignature asks signer, when it has code, whether sig is its signature of
	// digest (ERC-1271 isValidSignature), in one round trip. isContract is false for
	// an account without code.
	ContractSignature(ctx context.Context, signer common.Address, digest common.Hash, sig []byte) (isContract, valid bool, err error)
	// Simulate runs transferWithAuthorization as an eth_call from the relayer. The
	// first result is the revert (nil when it would succeed); the second is a
	// transport failure.
	Simulate(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (revert error, err error)
	// Inspect reads, in one round trip where possible, what diagnosing a failed
	// simulation needs: the simulation again, whether the nonce is used, and the
	// payer's balance.
	Inspect(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (Inspection, error)
	// Submit broadcasts transferWithAuthorization from the relayer and returns the
	// transaction hash. A simulation failure (gas estimation revert) is reported as
	// *SimulationError so the caller can diagnose it. signed is called with each
	// signed transaction's hash before it is sent; its error aborts the send and is
	// returned as is.
	Submit(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte, signed func(tx common.Hash) error) (common.Hash, error)
	// Receipt returns the receipt of a transaction, or nil without error when it is
	// not mined yet.
	Receipt(ctx context.Context, tx common.Hash) (*types.Receipt, error)
	// Known reports whether the node knows the transaction (pending or mined); a
	// broadcast that was dropped from the pool is not known.
	Known(ctx context.Context, tx common.Hash) (bool, error)
	// FindSettlement looks for the transaction that used (from, nonce) on asset, for
	// settles that arrive after the authorization was spent. ok=false when none is
	// found within the chain's lookback window.
	FindSettlement(ctx context.Context, asset, from common.Address, nonce common.Hash) (tx common.Hash, ok bool, err error)
	// Healthy answers whether the JSON-RPC endpoint is reachable.
	Healthy(ctx context.Context) error
	// RelayerBalance is the relayer's native balance in wei (it pays for gas).
	RelayerBalance(ctx context.Context) (*big.Int, error)
}

// TokenInfo is what the facilitator caches per asset.
type TokenInfo struct {
	IsContract bool
	Name       string
	Version    string
	// NameErr/VersionErr are set when the getter reverted (the token has no such
	// function); the domain then cannot be checked against the chain.
	NameErr    error
	VersionErr error
}

// Inspection is the chain's view of one authorization at the latest block.
type Inspection struct {
	// SimErr is nil when transferWithAuthorization simulates (eth_call) successfully.
	SimErr error
	// StateErr is set when authorizationState reverted (not an EIP-3009 token).
	StateErr error
	Used     bool
	// BalanceErr is set when balanceOf failed.
	BalanceErr error
	Balance    *big.Int
}

// SimulationError is a transfer that reverts in simulation before broadcast.
type SimulationError struct{ Err error }

func (e *SimulationError) Error() string { return "simulation reverted: " + e.Err.Error() }
func (e *SimulationError) Unwrap() error { return e.Err }
