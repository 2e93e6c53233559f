// Package auth is the buyer's model of one pre-signed EIP-3009 authorization: parsing
// it from the auths file, its identity on chain, its validity window, whether it can
// pay a seller's requirement, and the x402 v1/v2 payment header that carries it.
package auth

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// PreSigned is one entry of an auths file: a full x402 v2 PaymentPayload under
// `payment` (preferred), or the flat legacy fields of the reference buyer.
type PreSigned struct {
	ID      string          `json:"id,omitempty"`
	Payment json.RawMessage `json:"payment,omitempty"`

	Signature   string `json:"signature,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	Value       string `json:"value,omitempty"`
	ValidAfter  string `json:"validAfter,omitempty"`
	ValidBefore string `json:"validBefore,omitempty"`
	Nonce       string `json:"nonce,omitempty"`
}

// Auth is a parsed, checked authorization.
type Auth struct {
	ID  string
	Key string // chain identity: lower(from) ":" lower(nonce)

	Signature     string
	Authorization x402.Authorization // wire form, as signed
	Value         *big.Int
	ValidAfter    int64 // unix seconds
	ValidBefore   int64 // unix seconds

	// Accepted is the requirement the payload was signed for, when the stored payment
	// names one; its network and asset then bind the authorization.
	Accepted *x402.Requirements
}

// Key returns the chain identity of an authorization. EIP-3009 marks (from, nonce) as
// used on chain, so this is what must never be offered twice, whatever id the file
// gives it.
func Key(from, nonce string) string {
	return strings.ToLower(from) + ":" + strings.ToLower(nonce)
}

// Parse checks an entry strictly: addresses, uint256 integers, 32-byte nonce, hex
// signature. The error names the entry.
func Parse(p PreSigned) (Auth, error) {
	var a Auth
	sig := p.Signature
	wire := x402.Authorization{From: p.From, To: p.To, Value: p.Value, ValidAfter: p.ValidAfter, ValidBefore: p.ValidBefore, Nonce: p.Nonce}
	if len(p.Payment) > 0 && string(p.Payment) != "null" {
		var pp x402.PaymentPayload
		if err := json.Unmarshal(p.Payment, &pp); err != nil {
			return a, fmt.Errorf("authorization %q: payment is not an x402 PaymentPayload: %w", p.ID, err)
		}
		sig = pp.Payload.Signature
		wire = pp.Payload.Authorization
		if pp.Accepted != nil {
			acc := *pp.Accepted
			a.Accepted = &acc
		}
	}
	parsed, err := eip3009.FromWire(wire)
	if err != nil {
		return a, fmt.Errorf("authorization %q: %w", p.ID, err)
	}
	sigBytes, err := eip3009.ParseSignature(sig)
	if err != nil {
		return a, fmt.Errorf("authorization %q: %w", p.ID, err)
	}
	if len(sigBytes) < 65 {
		return a, fmt.Errorf("authorization %q: signature is %d bytes, want at least 65", p.ID, len(sigBytes))
	}
	if !parsed.ValidBefore.IsInt64() || !parsed.ValidAfter.IsInt64() {
		return a, fmt.Errorf("authorization %q: validity window does not fit unix seconds", p.ID)
	}
	a.ID = p.ID
	a.Key = Key(wire.From, wire.Nonce)
	if a.ID == "" {
		a.ID = wire.Nonce
	}
	a.Signature = sig
	a.Authorization = wire
	a.Value = parsed.Value
	a.ValidAfter = parsed.ValidAfter.Int64()
	a.ValidBefore = parsed.ValidBefore.Int64()
	return a, nil
}

// ExpiresWithin reports whether the authorization stops being valid before now+margin.
// Facilitators refuse validBefore < now+6 s; the buyer drops anything inside 10 s so a
// payment never leaves with a window the seller will refuse on arrival.
func (a Auth) ExpiresWithin(now time.Time, margin time.Duration) bool {
	return a.ValidBefore <= now.Add(margin).Unix()
}

// NotYetValid reports whether the token would still refuse the authorization
// (block.timestamp must be > validAfter).
func (a Auth) NotYetValid(now time.Time) bool {
	return a.ValidAfter >= now.Unix()
}

// Terms are what the buyer agreed to pay one upstream: the seller's requirement must
// equal them exactly.
type Terms struct {
	Network string // CAIP-2
	PayTo   string
	Asset   string
	Amount  *big.Int
}

// Offer is one of the seller's payment options, version-independent.
type Offer struct {
	Scheme  string
	Network string // as the seller wrote it
	CAIP2   string
	PayTo   string
	Asset   string
	Amount  *big.Int
}

// Mismatch says why an offer does not fit the terms, as a stable reason code; "" fits.
func (t Terms) Mismatch(o Offer) string {
	switch {
	case o.Scheme != x402.SchemeExact:
		return "scheme"
	case o.CAIP2 == "" || o.CAIP2 != t.Network:
		return "network"
	case !strings.EqualFold(o.PayTo, t.PayTo):
		return "pay_to"
	case !strings.EqualFold(o.Asset, t.Asset):
		return "asset"
	case o.Amount == nil || t.Amount == nil || o.Amount.Cmp(t.Amount) != 0:
		return "amount"
	}
	return ""
}

// Pays reports whether this authorization can pay the offer: the signed recipient and
// value must be the offer's, and a payload signed for a named requirement must name
// the same network and asset.
func (a Auth) Pays(o Offer) bool {
	if !strings.EqualFold(a.Authorization.To, o.PayTo) || a.Value.Cmp(o.Amount) != 0 {
		return false
	}
	if a.Accepted != nil {
		if n, err := x402.CAIP2(a.Accepted.Network); err != nil || n != o.CAIP2 {
			return false
		}
		if !strings.EqualFold(a.Accepted.Asset, o.Asset) {
			return false
		}
	}
	return true
}
