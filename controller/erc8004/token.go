package erc8004

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/turnpike-x402/turnpike/contracts/token"
)

// TokenDomain is the EIP-712 domain data of an EIP-3009 token that x402 offers carry in
// their requirements (extra.name, extra.version) plus the token's decimals.
type TokenDomain struct {
	Name     string
	Version  string
	Decimals uint8
}

// ReadTokenDomain reads name(), version() and decimals() of the token at asset. Tokens
// without version() (OpenZeppelin's ERC-3009 draft, for one) are read through the
// ERC-5267 eip712Domain() instead, which also yields the EIP-712 name.
func ReadTokenDomain(ctx context.Context, c ethereum.ContractCaller, asset common.Address) (name, version string, decimals uint8, err error) {
	tok := token.NewEIP3009Token()
	call := func(data []byte) ([]byte, error) {
		return c.CallContract(ctx, ethereum.CallMsg{To: &asset, Data: data}, nil)
	}
	out, err := call(tok.PackDecimals())
	if err == nil {
		decimals, err = tok.UnpackDecimals(out)
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("erc8004: token %s decimals(): %w", asset.Hex(), err)
	}
	if out, err = call(tok.PackEip712Domain()); err == nil {
		if d, derr := tok.UnpackEip712Domain(out); derr == nil && d.Name != "" {
			return d.Name, d.Version, decimals, nil
		}
	}
	out, err = call(tok.PackName())
	if err == nil {
		name, err = tok.UnpackName(out)
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("erc8004: token %s name(): %w", asset.Hex(), err)
	}
	out, err = call(tok.PackVersion())
	if err == nil {
		version, err = tok.UnpackVersion(out)
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("erc8004: token %s version(): %w", asset.Hex(), err)
	}
	return name, version, decimals, nil
}

// DomainMismatchError says why an offer's EIP-712 data does not match the token.
type DomainMismatchError struct {
	Reason  string // stable snake_case code
	Message string
}

func (e *DomainMismatchError) Error() string { return e.Reason + ": " + e.Message }

// Reason codes of DomainMismatchError.
const (
	ReasonTokenNameMismatch     = "token_name_mismatch"
	ReasonTokenVersionMismatch  = "token_version_mismatch"
	ReasonTokenDecimalsMismatch = "token_decimals_mismatch"
)

// VerifyTokenDomain reads the token and returns a *DomainMismatchError when want differs
// from it (signatures made with want would never verify), or a read error. A zero
// want.Decimals is not checked.
func VerifyTokenDomain(ctx context.Context, c ethereum.ContractCaller, asset common.Address, want TokenDomain) error {
	name, version, decimals, err := ReadTokenDomain(ctx, c, asset)
	if err != nil {
		return err
	}
	switch {
	case name != want.Name:
		return &DomainMismatchError{Reason: ReasonTokenNameMismatch,
			Message: fmt.Sprintf("token %s has EIP-712 name %q, the offer says %q", asset.Hex(), name, want.Name)}
	case version != want.Version:
		return &DomainMismatchError{Reason: ReasonTokenVersionMismatch,
			Message: fmt.Sprintf("token %s has EIP-712 version %q, the offer says %q", asset.Hex(), version, want.Version)}
	case want.Decimals != 0 && decimals != want.Decimals:
		return &DomainMismatchError{Reason: ReasonTokenDecimalsMismatch,
			Message: fmt.Sprintf("token %s has %d decimals, the offer says %d", asset.Hex(), decimals, want.Decimals)}
	}
	return nil
}
