package auth_test

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/x402"
)

func TestParse(t *testing.T) {
	key := buyertest.Key(t)
	signed := buyertest.Sign(t, key, buyertest.Requirement(), 1, time.Hour)[0]
	var pp x402.PaymentPayload
	if err := json.Unmarshal(signed.Payment, &pp); err != nil {
		t.Fatal(err)
	}
	w := pp.Payload.Authorization
	for _, tc := range []struct {
		desc    string
		in      auth.PreSigned
		wantErr string
		wantID  string
	}{
		{desc: "full v2 payment", in: signed, wantID: "a000"},
		{desc: "legacy flat fields, id defaults to nonce", in: auth.PreSigned{Signature: pp.Payload.Signature, From: w.From, To: w.To, Value: w.Value, ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: w.Nonce}, wantID: w.Nonce},
		{desc: "payment is not an object", in: auth.PreSigned{ID: "x", Payment: json.RawMessage(`"nope"`)}, wantErr: "not an x402 PaymentPayload"},
		{desc: "short nonce", in: auth.PreSigned{ID: "x", Signature: pp.Payload.Signature, From: w.From, To: w.To, Value: w.Value, ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: "0x01"}, wantErr: "nonce"},
		{desc: "negative value", in: auth.PreSigned{ID: "x", Signature: pp.Payload.Signature, From: w.From, To: w.To, Value: "-1", ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: w.Nonce}, wantErr: "value"},
		{desc: "short signature", in: auth.PreSigned{ID: "x", Signature: "0x1234", From: w.From, To: w.To, Value: w.Value, ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: w.Nonce}, wantErr: "signature"},
		{desc: "bad from", in: auth.PreSigned{ID: "x", Signature: pp.Payload.Signature, From: "alice", To: w.To, Value: w.Value, ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: w.Nonce}, wantErr: "from"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a, err := auth.Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != tc.wantID || a.Key != strings.ToLower(w.From)+":"+strings.ToLower(w.Nonce) || a.Value.String() != buyertest.Price {
				t.Fatalf("parsed %+v", a)
			}
		})
	}
}

func TestTermsAndPays(t *testing.T) {
	key := buyertest.Key(t)
	a, err := auth.Parse(buyertest.Sign(t, key, buyertest.Requirement(), 1, time.Hour)[0])
	if err != nil {
		t.Fatal(err)
	}
	terms := auth.Terms{Network: buyertest.Network, PayTo: buyertest.PayTo, Asset: buyertest.Asset, Amount: big.NewInt(10000)}
	good := auth.Offer{Scheme: "exact", Network: "base-sepolia", CAIP2: buyertest.Network, PayTo: strings.ToLower(buyertest.PayTo), Asset: buyertest.Asset, Amount: big.NewInt(10000)}
	for _, tc := range []struct {
		desc     string
		mutate   func(o *auth.Offer)
		mismatch string
		pays     bool
	}{
		{desc: "exact terms, payTo in another case", mutate: func(*auth.Offer) {}, pays: true},
		{desc: "seller raised the price", mutate: func(o *auth.Offer) { o.Amount = big.NewInt(10001) }, mismatch: "amount"},
		{desc: "other chain", mutate: func(o *auth.Offer) { o.CAIP2 = "eip155:8453" }, mismatch: "network"},
		{desc: "other recipient", mutate: func(o *auth.Offer) { o.PayTo = "0x0000000000000000000000000000000000000001" }, mismatch: "pay_to"},
		{desc: "other asset", mutate: func(o *auth.Offer) { o.Asset = "0x0000000000000000000000000000000000000002" }, mismatch: "asset"},
		{desc: "other scheme", mutate: func(o *auth.Offer) { o.Scheme = "upto" }, mismatch: "scheme", pays: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			o := good
			tc.mutate(&o)
			if got := terms.Mismatch(o); got != tc.mismatch {
				t.Fatalf("Mismatch = %q, want %q", got, tc.mismatch)
			}
			if got := a.Pays(o); got != tc.pays {
				t.Fatalf("Pays = %v, want %v", got, tc.pays)
			}
		})
	}
	if a.Pays(auth.Offer{PayTo: buyertest.PayTo, Amount: big.NewInt(9999), CAIP2: buyertest.Network, Asset: buyertest.Asset}) {
		t.Fatal("an authorization paid a different amount")
	}
}

func TestWindow(t *testing.T) {
	a := auth.Auth{ValidAfter: 1000, ValidBefore: 2000}
	for _, tc := range []struct {
		desc            string
		now             int64
		expires, notYet bool
	}{
		{desc: "inside the window", now: 1500},
		{desc: "less than 10 s left", now: 1991, expires: true},
		{desc: "exactly 10 s left is dropped", now: 1990, expires: true},
		{desc: "11 s left", now: 1989},
		{desc: "not yet valid", now: 1000, notYet: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			now := time.Unix(tc.now, 0)
			if got := a.ExpiresWithin(now, 10*time.Second); got != tc.expires {
				t.Fatalf("ExpiresWithin = %v", got)
			}
			if got := a.NotYetValid(now); got != tc.notYet {
				t.Fatalf("NotYetValid = %v", got)
			}
		})
	}
}
