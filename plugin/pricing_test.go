package plugin

import (
	"encoding/json"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// perMTokDoc is the test document with the offer priced per million tokens: the
// routes entry carries how the amount was derived, as the controller renders it.
func perMTokDoc() (*routes.Document, routes.Payment) {
	doc := testDoc(1)
	p := basePayment()
	p.Amount = "500"
	p.Pricing = &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "0.50", ApproxTokensPerRequest: 1000}
	doc.Offers[0].Payments = []routes.Payment{p}
	return doc, p
}

// The 402 says how the per-request price was derived, in the v2 header and the v1
// body alike, and a payment that echoes the requirement (pricing included, in any key
// order) is accepted, while one with other pricing is not the offered requirement.
func TestPricingTravelsInExtra(t *testing.T) {
	doc, p := perMTokDoc()
	tg := newTestGate(t, doc, nil)
	rec := tg.do("GET", base+"/forecast/today", nil)
	if rec.Code != 402 {
		t.Fatalf("unpaid: status %d", rec.Code)
	}
	pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
	var extra x402.EIP712Extra
	if err := json.Unmarshal(pr.Accepts[0].Extra, &extra); err != nil {
		t.Fatal(err)
	}
	if extra.Pricing == nil || *extra.Pricing != *p.Pricing || extra.Name != "USDC" || pr.Accepts[0].Amount != "500" {
		t.Fatalf("v2 accepts[0] = %s amount %s, want pricing %+v", pr.Accepts[0].Extra, pr.Accepts[0].Amount, *p.Pricing)
	}
	var v1 x402.PaymentRequiredV1
	if err := json.Unmarshal(rec.Body.Bytes(), &v1); err != nil {
		t.Fatal(err)
	}
	if string(v1.Accepts[0].Extra) != string(pr.Accepts[0].Extra) {
		t.Fatalf("v1 extra %s, v2 extra %s", v1.Accepts[0].Extra, pr.Accepts[0].Extra)
	}

	tests := []struct {
		desc       string
		extra      string
		wantStatus int
	}{
		{desc: "extra as offered", extra: string(pr.Accepts[0].Extra), wantStatus: 200},
		{desc: "keys reordered, nested too", extra: `{"pricing":{"approxTokensPerRequest":1000,"perMTok":"0.50","model":"perMTok"},"version":"2","name":"USDC"}`, wantStatus: 200},
		{desc: "other token count", extra: `{"name":"USDC","version":"2","pricing":{"model":"perMTok","perMTok":"0.50","approxTokensPerRequest":2000}}`, wantStatus: 402},
		{desc: "pricing left out", extra: `{"name":"USDC","version":"2"}`, wantStatus: 402},
		{desc: "pricing as a string", extra: `{"name":"USDC","version":"2","pricing":"perMTok"}`, wantStatus: 402},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, doc, nil)
			tg.fac.set("ok", "ok")
			r := requirementOf(p)
			r.Extra = json.RawMessage(tc.extra)
			rec := tg.do("GET", base+"/forecast/today", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(r))})
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body.String())
			}
			if tc.wantStatus == 402 {
				if eb := decodeRejection(t, rec.Body.Bytes()); eb.Reason != x402.ReasonNoMatch {
					t.Fatalf("reason %q, want %q", eb.Reason, x402.ReasonNoMatch)
				}
			}
		})
	}
}
