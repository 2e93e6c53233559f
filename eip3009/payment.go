package eip3009

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/x402"
)

// DefaultValidAfterSlack is how far before "now" validAfter is put, as the official
// TS and Go clients do (600 s): the token requires block.timestamp > validAfter, and
// a payer's clock may run ahead of the chain's.
const DefaultValidAfterSlack = 600 * time.Second

// PaymentOptions tune NewPayment. The zero value reproduces the official TS client:
// validAfter = now - 600 s, validBefore = now + maxTimeoutSeconds, a random nonce.
type PaymentOptions struct {
	Now         time.Time     // zero: time.Now()
	ValidFor    time.Duration // zero: requirements' maxTimeoutSeconds
	ValidAfter  *big.Int      // overrides the computed validAfter
	ValidBefore *big.Int      // overrides the computed validBefore
	Nonce       *common.Hash  // zero: random
	Kind        Kind          // Transfer (x402 exact) unless set
}

// DomainFor builds the EIP-712 domain of an exact-EVM requirement: name and version
// from extra, chain id from the network (CAIP-2 or v1 name), the asset as verifying
// contract.
func DomainFor(network, asset string, extra json.RawMessage) (Domain, error) {
	chainID, err := x402.ChainID(network)
	if err != nil {
		return Domain{}, err
	}
	addr, err := ParseAddress("asset", asset)
	if err != nil {
		return Domain{}, err
	}
	var ex x402.EIP712Extra
	if len(extra) > 0 {
		if err := json.Unmarshal(extra, &ex); err != nil {
			return Domain{}, fmt.Errorf("extra is not {name, version}: %w", err)
		}
	}
	if ex.Name == "" || ex.Version == "" {
		return Domain{}, fmt.Errorf("extra must carry the token's EIP-712 name and version")
	}
	return Domain{Name: ex.Name, Version: ex.Version, ChainID: big.NewInt(chainID), VerifyingContract: addr}, nil
}

// NewPayment signs a v2 payment payload for req: `accepted` is req verbatim (the
// reference server matches it by deep equality) and resource is echoed when given.
func NewPayment(key *ecdsa.PrivateKey, req x402.Requirements, resource *x402.ResourceInfo, opts PaymentOptions) (x402.PaymentPayload, error) {
	if req.Scheme != x402.SchemeExact {
		return x402.PaymentPayload{}, fmt.Errorf("scheme %q: only %q is supported", req.Scheme, x402.SchemeExact)
	}
	p, err := signExact(key, req.Network, req.Asset, req.PayTo, req.Amount, req.MaxTimeoutSeconds, req.Extra, opts)
	if err != nil {
		return x402.PaymentPayload{}, err
	}
	accepted := req
	return x402.PaymentPayload{X402Version: x402.V2, Resource: resource, Accepted: &accepted, Payload: p}, nil
}

// NewPaymentV1 signs a v1 payment payload (scheme and network at the top level).
func NewPaymentV1(key *ecdsa.PrivateKey, req x402.RequirementsV1, opts PaymentOptions) (x402.PaymentPayload, error) {
	if req.Scheme != x402.SchemeExact {
		return x402.PaymentPayload{}, fmt.Errorf("scheme %q: only %q is supported", req.Scheme, x402.SchemeExact)
	}
	p, err := signExact(key, req.Network, req.Asset, req.PayTo, req.MaxAmountRequired, req.MaxTimeoutSeconds, req.Extra, opts)
	if err != nil {
		return x402.PaymentPayload{}, err
	}
	return x402.PaymentPayload{X402Version: x402.V1, Scheme: req.Scheme, Network: req.Network, Payload: p}, nil
}

func signExact(key *ecdsa.PrivateKey, network, asset, payTo, amount string, maxTimeout int64, extra json.RawMessage, opts PaymentOptions) (x402.ExactEVMPayload, error) {
	d, err := DomainFor(network, asset, extra)
	if err != nil {
		return x402.ExactEVMPayload{}, fmt.Errorf("payment domain: %w", err)
	}
	to, err := ParseAddress("payTo", payTo)
	if err != nil {
		return x402.ExactEVMPayload{}, err
	}
	value, err := ParseUint("amount", amount)
	if err != nil {
		return x402.ExactEVMPayload{}, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	validFor := opts.ValidFor
	if validFor == 0 {
		validFor = time.Duration(maxTimeout) * time.Second
	}
	if validFor <= 0 {
		return x402.ExactEVMPayload{}, fmt.Errorf("validity window must be positive (maxTimeoutSeconds %d)", maxTimeout)
	}
	a := Authorization{
		From:        crypto.PubkeyToAddress(key.PublicKey),
		To:          to,
		Value:       value,
		ValidAfter:  big.NewInt(now.Add(-DefaultValidAfterSlack).Unix()),
		ValidBefore: big.NewInt(now.Add(validFor).Unix()),
	}
	if opts.ValidAfter != nil {
		a.ValidAfter = new(big.Int).Set(opts.ValidAfter)
	}
	if opts.ValidBefore != nil {
		a.ValidBefore = new(big.Int).Set(opts.ValidBefore)
	}
	if opts.Nonce != nil {
		a.Nonce = *opts.Nonce
	} else if a.Nonce, err = RandomNonce(); err != nil {
		return x402.ExactEVMPayload{}, err
	}
	sig, err := Sign(key, d, opts.Kind, a)
	if err != nil {
		return x402.ExactEVMPayload{}, err
	}
	return x402.ExactEVMPayload{Signature: hexutil.Encode(sig), Authorization: ToWire(a)}, nil
}

// ToWire renders an authorization as x402 carries it: checksummed addresses, decimal
// integers, 0x-hex nonce.
func ToWire(a Authorization) x402.Authorization {
	return x402.Authorization{
		From:        a.From.Hex(),
		To:          a.To.Hex(),
		Value:       a.Value.String(),
		ValidAfter:  a.ValidAfter.String(),
		ValidBefore: a.ValidBefore.String(),
		Nonce:       a.Nonce.Hex(),
	}
}

// FromWire parses a wire authorization strictly (addresses, uint256 strings, 32-byte
// nonce). The error names the offending field.
func FromWire(w x402.Authorization) (Authorization, error) {
	var a Authorization
	var err error
	if a.From, err = ParseAddress("from", w.From); err != nil {
		return a, err
	}
	if a.To, err = ParseAddress("to", w.To); err != nil {
		return a, err
	}
	if a.Value, err = ParseUint("value", w.Value); err != nil {
		return a, err
	}
	if a.ValidAfter, err = ParseUint("validAfter", w.ValidAfter); err != nil {
		return a, err
	}
	if a.ValidBefore, err = ParseUint("validBefore", w.ValidBefore); err != nil {
		return a, err
	}
	if a.Nonce, err = ParseNonce(w.Nonce); err != nil {
		return a, err
	}
	return a, nil
}
