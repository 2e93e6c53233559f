package eip3009

import (
	"encoding/json"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/x402"
)

// The full v2 PAYMENT-SIGNATURE of the reference vector (eip3009_test.go).
const vectorHeader = "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHhkYzUzYTRhNTc5ZGU5ODkzNjhhMGZhZTJlZjIxNzJmZjJmNDc0YjQyOTcwMTNmODY1ZDE3MTIzOWYxN2VmNGMzMTU3YjRiNDAzMGYxYmViYzUzZDU1YWNlMTVjMjM3N2RmZjUwMWE2MGUxZTU2YzI5MWYxMDAwZDZlNzhmMDgyZjFiIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHhmMzlGZDZlNTFhYWQ4OEY2RjRjZTZhQjg4MjcyNzljZmZGYjkyMjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0="

func vectorRequirements() x402.Requirements {
	return x402.Requirements{
		Scheme: "exact", Network: "eip155:84532", Amount: "10000",
		Asset:             "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
		PayTo:             "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
		MaxTimeoutSeconds: 60,
		Extra:             json.RawMessage(`{"name":"USDC","version":"2"}`),
	}
}

func TestNewPaymentReproducesVectorHeader(t *testing.T) {
	key, _ := crypto.HexToECDSA(vectorKey)
	nonce := vectorAuth().Nonce
	p, err := NewPayment(key, vectorRequirements(), &x402.ResourceInfo{
		URL: "https://api.example.com/premium-data", Description: "Access to premium market data", MimeType: "application/json",
	}, PaymentOptions{ValidAfter: big.NewInt(1740672089), ValidBefore: big.NewInt(1740672154), Nonce: &nonce})
	if err != nil {
		t.Fatal(err)
	}
	h, err := x402.EncodeHeader(p)
	if err != nil {
		t.Fatal(err)
	}
	if h != vectorHeader {
		t.Fatalf("header differs from the §1.7 vector:\n got %s\nwant %s", h, vectorHeader)
	}
	// And the vector decodes back into a payload whose signature verifies.
	var back x402.PaymentPayload
	if err := x402.DecodeHeader(vectorHeader, 0, &back); err != nil {
		t.Fatal(err)
	}
	a, err := FromWire(back.Payload.Authorization)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DomainFor(back.Accepted.Network, back.Accepted.Asset, back.Accepted.Extra)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(d, Transfer, a, hexutil.MustDecode(back.Payload.Signature)); err != nil {
		t.Fatalf("vector payload does not verify: %v", err)
	}
}

func TestNewPaymentWindowsAndVersions(t *testing.T) {
	key, _ := crypto.GenerateKey()
	now := time.Unix(1_800_000_000, 0)
	req := vectorRequirements()
	for _, tc := range []struct {
		desc       string
		opts       PaymentOptions
		wantAfter  int64
		wantBefore int64
	}{
		{"TS defaults: now-600 .. now+maxTimeout", PaymentOptions{Now: now}, now.Unix() - 600, now.Unix() + 60},
		{"explicit validity", PaymentOptions{Now: now, ValidFor: time.Hour}, now.Unix() - 600, now.Unix() + 3600},
	} {
		p, err := NewPayment(key, req, nil, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		a, err := FromWire(p.Payload.Authorization)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if a.ValidAfter.Int64() != tc.wantAfter || a.ValidBefore.Int64() != tc.wantBefore {
			t.Errorf("%s: window %s..%s, want %d..%d", tc.desc, a.ValidAfter, a.ValidBefore, tc.wantAfter, tc.wantBefore)
		}
		if p.X402Version != 2 || p.Accepted == nil || p.Accepted.Amount != "10000" || p.Resource != nil {
			t.Errorf("%s: v2 envelope wrong: %+v", tc.desc, p)
		}
		if a.From != crypto.PubkeyToAddress(key.PublicKey) || a.To != common.HexToAddress(req.PayTo) || a.Value.Int64() != 10000 {
			t.Errorf("%s: authorization fields wrong: %+v", tc.desc, a)
		}
		d, _ := DomainFor(req.Network, req.Asset, req.Extra)
		if err := Verify(d, Transfer, a, hexutil.MustDecode(p.Payload.Signature)); err != nil {
			t.Errorf("%s: %v", tc.desc, err)
		}
	}

	v1 := x402.RequirementsV1{Scheme: "exact", Network: "base-sepolia", MaxAmountRequired: "250",
		PayTo: req.PayTo, Asset: req.Asset, MaxTimeoutSeconds: 30, Extra: req.Extra}
	p, err := NewPaymentV1(key, v1, PaymentOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if p.X402Version != 1 || p.Scheme != "exact" || p.Network != "base-sepolia" || p.Accepted != nil || p.Payload.Authorization.Value != "250" {
		t.Errorf("v1 envelope wrong: %+v", p)
	}
	a, _ := FromWire(p.Payload.Authorization)
	d, _ := DomainFor("eip155:84532", req.Asset, req.Extra)
	if err := Verify(d, Transfer, a, hexutil.MustDecode(p.Payload.Signature)); err != nil {
		t.Errorf("v1 signature (v1 network name must map to chain 84532): %v", err)
	}
}

func TestNewPaymentRejects(t *testing.T) {
	key, _ := crypto.GenerateKey()
	for _, tc := range []struct {
		desc   string
		mutate func(r *x402.Requirements)
	}{
		{"other scheme", func(r *x402.Requirements) { r.Scheme = "upto" }},
		{"no extra", func(r *x402.Requirements) { r.Extra = nil }},
		{"extra without version", func(r *x402.Requirements) { r.Extra = json.RawMessage(`{"name":"USDC"}`) }},
		{"bad network", func(r *x402.Requirements) { r.Network = "solana:abc" }},
		{"bad asset", func(r *x402.Requirements) { r.Asset = "USD" }},
		{"bad payTo", func(r *x402.Requirements) { r.PayTo = "0x12" }},
		{"fractional amount", func(r *x402.Requirements) { r.Amount = "0.01" }},
		{"zero timeout", func(r *x402.Requirements) { r.MaxTimeoutSeconds = 0 }},
	} {
		req := vectorRequirements()
		tc.mutate(&req)
		if _, err := NewPayment(key, req, nil, PaymentOptions{}); err == nil {
			t.Errorf("%s: NewPayment succeeded", tc.desc)
		}
	}
}

func TestFromWireRejects(t *testing.T) {
	good := ToWire(vectorAuth())
	for _, tc := range []struct {
		desc   string
		mutate func(w *x402.Authorization)
	}{
		{"from", func(w *x402.Authorization) { w.From = "0x1" }},
		{"to", func(w *x402.Authorization) { w.To = "" }},
		{"value", func(w *x402.Authorization) { w.Value = "ten" }},
		{"validAfter", func(w *x402.Authorization) { w.ValidAfter = "-5" }},
		{"validBefore", func(w *x402.Authorization) { w.ValidBefore = "" }},
		{"nonce", func(w *x402.Authorization) { w.Nonce = "0x1234" }},
	} {
		w := good
		tc.mutate(&w)
		if _, err := FromWire(w); err == nil {
			t.Errorf("%s: accepted", tc.desc)
		}
	}
	if a, err := FromWire(good); err != nil || a.Nonce != vectorAuth().Nonce {
		t.Errorf("good authorization: %v", err)
	}
}
