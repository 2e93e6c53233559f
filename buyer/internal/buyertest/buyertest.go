// Package buyertest builds signed authorization pools and a fake x402 seller for the
// buyer's unit tests. The fake checks signatures and keeps an on-"chain" nonce ledger,
// so tests can assert that no authorization is ever accepted twice. Integration tests
// use the real gate, facilitator and chain instead.
package buyertest

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Fixed test parties (not secrets: generated for tests only).
const (
	Network = "eip155:84532"
	Asset   = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	PayTo   = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
	Price   = "10000"
)

// Requirement is the offer the fake seller makes.
func Requirement() x402.Requirements {
	return x402.Requirements{Scheme: x402.SchemeExact, Network: Network, Amount: Price, Asset: Asset, PayTo: PayTo, MaxTimeoutSeconds: 60, Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)}
}

// Key returns a fresh signer key.
func Key(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Sign returns n pre-signed authorizations for req, valid for validFor from now.
func Sign(t testing.TB, key *ecdsa.PrivateKey, req x402.Requirements, n int, validFor time.Duration) []auth.PreSigned {
	t.Helper()
	out := make([]auth.PreSigned, 0, n)
	for i := 0; i < n; i++ {
		p, err := eip3009.NewPayment(key, req, nil, eip3009.PaymentOptions{ValidFor: validFor})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, auth.PreSigned{ID: fmt.Sprintf("a%03d", i), Payment: raw})
	}
	return out
}

// Seller is a fake x402 gate in front of a handler.
type Seller struct {
	Version  int // 1 or 2
	Req      x402.Requirements
	Upstream http.Handler // nil: answers 200 "paid"

	// Hooks for error paths; nil means normal behaviour.
	Refuse func(p x402.PaymentPayload) (status int, reason string) // refuse before settling
	Drop   func(p x402.PaymentPayload) bool                        // settle, then drop the connection

	mu       sync.Mutex
	ledger   map[string]int // nonce key → times accepted
	Unpaid   int
	Paid     int
	Rejected map[string]int // reason → count
}

// NewSeller returns a v2 (or v1) fake gate.
func NewSeller(version int) *Seller {
	return &Seller{Version: version, Req: Requirement(), ledger: map[string]int{}, Rejected: map[string]int{}}
}

// Accepted returns how often each nonce key was settled.
func (s *Seller) Accepted() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.ledger))
	for k, v := range s.ledger {
		out[k] = v
	}
	return out
}

func (s *Seller) challenge(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "application/json")
	if s.Version == x402.V2 {
		pr := x402.PaymentRequired{X402Version: 2, Error: reason, Resource: x402.ResourceInfo{URL: "http://seller/x"}, Accepts: []x402.Requirements{s.Req}}
		h, _ := x402.EncodeHeader(pr)
		w.Header().Set(x402.HeaderPaymentRequired, h)
		w.WriteHeader(http.StatusPaymentRequired)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": reason})
		return
	}
	w.WriteHeader(http.StatusPaymentRequired)
	v1 := x402.RequirementsV1{Scheme: s.Req.Scheme, Network: "base-sepolia", MaxAmountRequired: s.Req.Amount, Resource: "http://seller/x", Description: "d", MimeType: "application/json", PayTo: s.Req.PayTo, MaxTimeoutSeconds: 60, Asset: s.Req.Asset, Extra: s.Req.Extra}
	_ = json.NewEncoder(w).Encode(x402.PaymentRequiredV1{X402Version: 1, Error: reason, Accepts: []x402.RequirementsV1{v1}})
}

func (s *Seller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := x402.HeaderPaymentSignature
	if s.Version == x402.V1 {
		hdr = x402.HeaderXPayment
	}
	v := r.Header.Get(hdr)
	if v == "" {
		s.mu.Lock()
		s.Unpaid++
		s.mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		s.challenge(w, "payment required")
		return
	}
	var p x402.PaymentPayload
	if err := x402.DecodeHeader(v, 0, &p); err != nil {
		s.refuse(w, "invalid_payload")
		return
	}
	if reason := s.check(p); reason != "" {
		s.refuse(w, reason)
		return
	}
	if s.Refuse != nil {
		if st, reason := s.Refuse(p); st != 0 {
			s.mu.Lock()
			s.Rejected[reason]++
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(st)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": reason})
			return
		}
	}
	key := auth.Key(p.Payload.Authorization.From, p.Payload.Authorization.Nonce)
	s.mu.Lock()
	if s.ledger[key] > 0 {
		s.Rejected[x402.ReasonEVMNonceUsed]++
		s.mu.Unlock()
		s.challenge(w, x402.ReasonEVMNonceUsed)
		return
	}
	s.ledger[key]++
	s.Paid++
	s.mu.Unlock()
	if s.Drop != nil && s.Drop(p) {
		if hj, ok := w.(http.Hijacker); ok {
			c, _, err := hj.Hijack()
			if err == nil {
				c.Close()
				return
			}
		}
	}
	rc, _ := x402.EncodeHeader(x402.SettleResponse{Success: true, Transaction: "0x" + strings.Repeat("ab", 32), Network: Network, Payer: p.Payload.Authorization.From})
	if s.Version == x402.V2 {
		w.Header().Set(x402.HeaderPaymentResponse, rc)
	} else {
		w.Header().Set(x402.HeaderXPaymentResponse, rc)
	}
	if s.Upstream != nil {
		s.Upstream.ServeHTTP(w, r)
		return
	}
	_, _ = io.WriteString(w, "paid")
}

func (s *Seller) refuse(w http.ResponseWriter, reason string) {
	s.mu.Lock()
	s.Rejected[reason]++
	s.mu.Unlock()
	s.challenge(w, reason)
}

// check does what a facilitator's verify does, minus the chain.
func (s *Seller) check(p x402.PaymentPayload) string {
	if s.Version == x402.V2 {
		if p.X402Version != 2 || p.Accepted == nil {
			return "invalid_x402_version"
		}
		got, _ := json.Marshal(p.Accepted)
		want, _ := json.Marshal(s.Req)
		if string(got) != string(want) {
			return "no_matching_requirements"
		}
	} else if p.X402Version != 1 || p.Scheme != "exact" || p.Network != "base-sepolia" {
		return "invalid_x402_version"
	}
	a, err := eip3009.FromWire(p.Payload.Authorization)
	if err != nil {
		return x402.ReasonEVMPayload
	}
	sig, err := eip3009.ParseSignature(p.Payload.Signature)
	if err != nil {
		return x402.ReasonEVMSignatureFormat
	}
	d, err := eip3009.DomainFor(s.Req.Network, s.Req.Asset, s.Req.Extra)
	if err != nil {
		return x402.ReasonEVMMissingDomain
	}
	if err := eip3009.Verify(d, eip3009.Transfer, a, sig); err != nil {
		return x402.ReasonEVMSignature
	}
	if !strings.EqualFold(a.To.Hex(), s.Req.PayTo) {
		return x402.ReasonEVMRecipientMismatch
	}
	if a.Value.Cmp(mustBig(s.Req.Amount)) != 0 {
		return x402.ReasonEVMValueMismatch
	}
	if a.ValidBefore.Int64() < time.Now().Unix()+x402.ClockSkewMarginSeconds {
		return x402.ReasonEVMValidBefore
	}
	return ""
}

func mustBig(s string) *big.Int {
	v, _ := new(big.Int).SetString(s, 10)
	return v
}

// WriteJSON writes v as JSON to path.
func WriteJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, raw); err != nil {
		t.Fatal(err)
	}
}

func writeFile(path string, raw []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
