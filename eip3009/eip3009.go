// Package eip3009 hashes, signs and verifies EIP-3009 authorizations
// (TransferWithAuthorization, ReceiveWithAuthorization) under their EIP-712 domain.
//
// It is compiled Go on go-ethereum's secp256k1 and is used by the buyer, the demo, the
// facilitator and tests; the Yaegi plugin never imports it (signature work stays out of
// the interpreter). Hashing is written out with keccak instead of going through
// apitypes.TypedData so the facilitator's /verify hot path allocates little; the test
// vector and an apitypes cross-check in the tests keep it honest.
package eip3009

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Kind selects the EIP-712 primary type. Both types have the same fields; only the
// typehash (and on chain, who may submit) differs.
type Kind int

const (
	// Transfer is TransferWithAuthorization: anyone holding the signature may submit it.
	Transfer Kind = iota
	// Receive is ReceiveWithAuthorization: only the payee may submit it.
	Receive
)

// The EIP-712 type strings, exactly as in the ERC and in USDC.
const (
	DomainType   = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
	TransferType = "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
	ReceiveType  = "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)

// Typehashes of the type strings above.
var (
	DomainTypeHash   = crypto.Keccak256Hash([]byte(DomainType))
	TransferTypeHash = crypto.Keccak256Hash([]byte(TransferType))
	ReceiveTypeHash  = crypto.Keccak256Hash([]byte(ReceiveType))
)

// TypeHash returns the typehash of k.
func (k Kind) TypeHash() common.Hash {
	if k == Receive {
		return ReceiveTypeHash
	}
	return TransferTypeHash
}

func (k Kind) String() string {
	if k == Receive {
		return "ReceiveWithAuthorization"
	}
	return "TransferWithAuthorization"
}

// Domain is the token's EIP-712 domain. Name and Version must equal the token's
// name() and version(); x402 carries them in requirements.extra.
type Domain struct {
	Name              string
	Version           string
	ChainID           *big.Int
	VerifyingContract common.Address
}

// Separator returns the domain separator (hashStruct of the domain).
func (d Domain) Separator() common.Hash {
	buf := make([]byte, 0, 5*32)
	buf = append(buf, DomainTypeHash[:]...)
	buf = append(buf, crypto.Keccak256([]byte(d.Name))...)
	buf = append(buf, crypto.Keccak256([]byte(d.Version))...)
	buf = append(buf, word(d.ChainID)...)
	buf = append(buf, common.LeftPadBytes(d.VerifyingContract[:], 32)...)
	return crypto.Keccak256Hash(buf)
}

// Authorization is the signed message. Amounts and times are uint256 on chain;
// times are unix seconds.
type Authorization struct {
	From        common.Address
	To          common.Address
	Value       *big.Int
	ValidAfter  *big.Int
	ValidBefore *big.Int
	Nonce       common.Hash
}

// StructHash returns hashStruct(message) for the primary type k.
func (a Authorization) StructHash(k Kind) common.Hash {
	th := k.TypeHash()
	buf := make([]byte, 0, 7*32)
	buf = append(buf, th[:]...)
	buf = append(buf, common.LeftPadBytes(a.From[:], 32)...)
	buf = append(buf, common.LeftPadBytes(a.To[:], 32)...)
	buf = append(buf, word(a.Value)...)
	buf = append(buf, word(a.ValidAfter)...)
	buf = append(buf, word(a.ValidBefore)...)
	buf = append(buf, a.Nonce[:]...)
	return crypto.Keccak256Hash(buf)
}

// Digest returns keccak256(0x1901 ‖ domainSeparator ‖ structHash): what is signed.
func Digest(d Domain, k Kind, a Authorization) common.Hash {
	return DigestWithSeparator(d.Separator(), k, a)
}

// DigestWithSeparator is Digest for callers that cache the domain separator.
func DigestWithSeparator(sep common.Hash, k Kind, a Authorization) common.Hash {
	sh := a.StructHash(k)
	buf := make([]byte, 0, 2+64)
	buf = append(buf, 0x19, 0x01)
	buf = append(buf, sep[:]...)
	buf = append(buf, sh[:]...)
	return crypto.Keccak256Hash(buf)
}

// word encodes a non-negative integer as a 32-byte big-endian ABI word. Values that do
// not fit are truncated to the low 256 bits; Validate rejects them before anyone signs.
func word(v *big.Int) []byte {
	out := make([]byte, 32)
	if v == nil {
		return out
	}
	b := v.Bytes()
	if len(b) > 32 {
		b = b[len(b)-32:]
	}
	copy(out[32-len(b):], b)
	return out
}

var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Validate checks that the integer fields are present and fit in uint256.
func (a Authorization) Validate() error {
	for _, f := range []struct {
		name string
		v    *big.Int
	}{{"value", a.Value}, {"validAfter", a.ValidAfter}, {"validBefore", a.ValidBefore}} {
		if f.v == nil {
			return fmt.Errorf("authorization %s is missing", f.name)
		}
		if f.v.Sign() < 0 || f.v.Cmp(maxUint256) > 0 {
			return fmt.Errorf("authorization %s %s is outside uint256", f.name, f.v)
		}
	}
	return nil
}

// Errors from Recover. They are distinct so a facilitator can tell a malformed
// signature from a valid one by someone else.
var (
	ErrSignatureLength = errors.New("signature is not 65 bytes")
	ErrSignatureV      = errors.New("signature v is not 27/28 (or 0/1)")
	ErrSignatureHighS  = errors.New("signature s is in the upper half of the curve order")
	ErrSignatureRange  = errors.New("signature r or s is zero or not below the curve order")
)

var (
	secp256k1N     = crypto.S256().Params().N
	secp256k1HalfN = new(big.Int).Rsh(secp256k1N, 1)
)

// Sign signs the authorization with key and returns 65 bytes r ‖ s ‖ v with v = 27/28,
// the form USDC's ECRecover and x402 payloads expect. go-ethereum signs low-s.
func Sign(key *ecdsa.PrivateKey, d Domain, k Kind, a Authorization) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	digest := Digest(d, k, a)
	sig, err := crypto.Sign(digest[:], key)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", k, err)
	}
	sig[64] += 27
	return sig, nil
}

// RecoverDigest returns the address that produced sig over digest. It accepts v as 27/28
// or 0/1 and rejects high-s signatures, which the token's ECRecover would revert on.
func RecoverDigest(digest common.Hash, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, ErrSignatureLength
	}
	v := sig[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return common.Address{}, ErrSignatureV
	}
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:64])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(secp256k1N) >= 0 || s.Cmp(secp256k1N) >= 0 {
		return common.Address{}, ErrSignatureRange
	}
	if s.Cmp(secp256k1HalfN) > 0 {
		return common.Address{}, ErrSignatureHighS
	}
	norm := make([]byte, 65)
	copy(norm, sig[:64])
	norm[64] = v
	pub, err := crypto.SigToPub(digest[:], norm)
	if err != nil {
		return common.Address{}, fmt.Errorf("recover signer: %w", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// Recover returns the signer of an authorization.
func Recover(d Domain, k Kind, a Authorization, sig []byte) (common.Address, error) {
	return RecoverDigest(Digest(d, k, a), sig)
}

// Verify reports whether sig is a valid low-s signature of a by a.From.
func Verify(d Domain, k Kind, a Authorization, sig []byte) error {
	got, err := Recover(d, k, a, sig)
	if err != nil {
		return err
	}
	if got != a.From {
		return fmt.Errorf("signature is by %s, not by from %s", got.Hex(), a.From.Hex())
	}
	return nil
}

// SplitSignature returns v (27/28), r and s of a 65-byte signature, the arguments of
// the v,r,s overload of transferWithAuthorization.
func SplitSignature(sig []byte) (v uint8, r, s [32]byte, err error) {
	if len(sig) != 65 {
		return 0, r, s, ErrSignatureLength
	}
	v = sig[64]
	if v < 27 {
		v += 27
	}
	if v != 27 && v != 28 {
		return 0, r, s, ErrSignatureV
	}
	copy(r[:], sig[:32])
	copy(s[:], sig[32:64])
	return v, r, s, nil
}

// RandomNonce returns 32 random bytes, the nonce x402 clients use.
func RandomNonce() (common.Hash, error) {
	var n common.Hash
	if _, err := rand.Read(n[:]); err != nil {
		return n, fmt.Errorf("random nonce: %w", err)
	}
	return n, nil
}

// ParseUint parses a decimal (or 0x-hex) unsigned integer string as x402 carries
// amounts and times.
func ParseUint(field, s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("%s is empty", field)
	}
	base := 10
	digits := s
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		base, digits = 16, s[2:]
	}
	v, ok := new(big.Int).SetString(digits, base)
	if !ok || v.Sign() < 0 || strings.HasPrefix(digits, "+") || strings.HasPrefix(digits, "-") {
		return nil, fmt.Errorf("%s %q is not an unsigned integer", field, s)
	}
	if v.Cmp(maxUint256) > 0 {
		return nil, fmt.Errorf("%s %q is outside uint256", field, s)
	}
	return v, nil
}

// ParseAddress parses a 0x-prefixed 20-byte hex address (any case; the checksum is
// not enforced because x402 clients send lower case too).
func ParseAddress(field, s string) (common.Address, error) {
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return common.Address{}, fmt.Errorf("%s %q is not a 0x address", field, s)
	}
	if !common.IsHexAddress(s) {
		return common.Address{}, fmt.Errorf("%s %q is not a 20-byte hex address", field, s)
	}
	return common.HexToAddress(s), nil
}

// ParseNonce parses a 0x-prefixed 32-byte hex nonce.
func ParseNonce(s string) (common.Hash, error) {
	var n common.Hash
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return n, fmt.Errorf("nonce %q is not 0x hex", s)
	}
	b, err := decodeHex(s[2:])
	if err != nil || len(b) != 32 {
		return n, fmt.Errorf("nonce %q is not 32 bytes of hex", s)
	}
	copy(n[:], b)
	return n, nil
}

// ParseSignature parses 0x-hex signature bytes (any length; Recover checks it).
func ParseSignature(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return nil, fmt.Errorf("signature is not 0x hex")
	}
	b, err := decodeHex(s[2:])
	if err != nil {
		return nil, fmt.Errorf("signature is not hex: %w", err)
	}
	return b, nil
}

func decodeHex(s string) ([]byte, error) {
	return hex.DecodeString(s)
}
