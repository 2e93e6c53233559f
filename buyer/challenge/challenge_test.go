package challenge_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/challenge"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/x402"
)

func TestParseAndPay(t *testing.T) {
	a, err := auth.Parse(buyertest.Sign(t, buyertest.Key(t), buyertest.Requirement(), 1, time.Hour)[0])
	if err != nil {
		t.Fatal(err)
	}
	// The seller's requirement carries an extra field this code does not know: the
	// payload must echo it verbatim, because sellers match `accepted` by deep equality.
	accepts := `{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"` + buyertest.Asset + `","payTo":"` + buyertest.PayTo + `","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2","future":[1,2]}}`
	v2 := `{"x402Version":2,"error":"pay","resource":{"url":"https://s/x"},"accepts":[` + accepts + `],"extensions":{"bazaar":{"info":{"a":1}}}}`
	h2, _ := x402.EncodeHeader(json.RawMessage(v2))
	v1 := `{"x402Version":1,"error":"X-PAYMENT header is required","accepts":[{"scheme":"exact","network":"base-sepolia","maxAmountRequired":"10000","resource":"https://s/x","description":"d","mimeType":"application/json","payTo":"` + buyertest.PayTo + `","maxTimeoutSeconds":60,"asset":"` + buyertest.Asset + `","extra":{"name":"USDC","version":"2"}}]}`
	for _, tc := range []struct {
		desc       string
		header     string
		body       string
		wantErr    bool
		wantHeader string
		check      func(t *testing.T, p map[string]json.RawMessage)
	}{
		{desc: "v2 header wins over the body", header: h2, body: v1, wantHeader: x402.HeaderPaymentSignature, check: func(t *testing.T, p map[string]json.RawMessage) {
			if string(p["accepted"]) != accepts {
				t.Fatalf("accepted not verbatim: %s", p["accepted"])
			}
			if !strings.Contains(string(p["extensions"]), "bazaar") || !strings.Contains(string(p["resource"]), "https://s/x") {
				t.Fatalf("resource/extensions not echoed: %s %s", p["resource"], p["extensions"])
			}
		}},
		{desc: "v1 body", body: v1, wantHeader: x402.HeaderXPayment, check: func(t *testing.T, p map[string]json.RawMessage) {
			if string(p["network"]) != `"base-sepolia"` || string(p["scheme"]) != `"exact"` || p["accepted"] != nil {
				t.Fatalf("v1 payload %v", p)
			}
		}},
		{desc: "v2 object in the body only", body: v2, wantHeader: x402.HeaderPaymentSignature},
		{desc: "plain 402", body: "pay me", wantErr: true},
		{desc: "empty", wantErr: true},
		{desc: "header not base64", header: "%%%", wantErr: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set(x402.HeaderPaymentRequired, tc.header)
			}
			c, err := challenge.Parse(h, []byte(tc.body))
			if tc.wantErr {
				if err == nil {
					t.Fatal("parsed garbage")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Offers) != 1 || c.Offers[0].CAIP2 != "eip155:84532" || c.Offers[0].Amount.String() != "10000" || !a.Pays(c.Offers[0]) {
				t.Fatalf("offers %+v", c.Offers)
			}
			name, value, err := c.Header(0, a)
			if err != nil || name != tc.wantHeader {
				t.Fatalf("header %s %v", name, err)
			}
			raw, err := x402.DecodeHeaderBytes(value, 0)
			if err != nil {
				t.Fatal(err)
			}
			var p map[string]json.RawMessage
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			var pl x402.ExactEVMPayload
			if err := json.Unmarshal(p["payload"], &pl); err != nil || pl.Signature != a.Signature || pl.Authorization != a.Authorization {
				t.Fatalf("payload %s", p["payload"])
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}
