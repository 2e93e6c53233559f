package proxy

import (
	"net/http"
	"testing"

	"github.com/turnpike-x402/turnpike/x402"
)

func TestClassify(t *testing.T) {
	rc := func(s x402.SettleResponse) http.Header {
		v, _ := x402.EncodeHeader(s)
		return http.Header{"Payment-Response": []string{v}}
	}
	pr := func(reason string) http.Header {
		v, _ := x402.EncodeHeader(x402.PaymentRequired{X402Version: 2, Error: reason})
		return http.Header{"Payment-Required": []string{v}}
	}
	for _, tc := range []struct {
		desc   string
		status int
		h      http.Header
		body   string
		want   Verdict
	}{
		{desc: "nonce used in the body", status: 402, body: `{"error":"invalid_exact_evm_nonce_already_used"}`, want: NonceUsed},
		{desc: "nonce used in the v2 challenge", status: 402, h: pr("invalid_exact_evm_nonce_already_used"), want: NonceUsed},
		{desc: "duplicate settlement", status: 402, body: `{"error":"duplicate_settlement"}`, want: NonceUsed},
		{desc: "receipt with a transaction", status: 500, h: rc(x402.SettleResponse{Success: true, Transaction: "0xab"}), want: MaybeSpent},
		{desc: "settlement pending", status: 402, h: rc(x402.SettleResponse{ErrorReason: "settlement_pending"}), want: MaybeSpent},
		{desc: "settle failed in the body", status: 502, body: `{"error":"settle_failed"}`, want: MaybeSpent},
		{desc: "failed receipt naming nonce used", status: 402, h: rc(x402.SettleResponse{ErrorReason: "invalid_exact_evm_nonce_already_used"}), want: NonceUsed},
		{desc: "turnpike gate: already used", status: 402, body: `{"error":"Payment required","reason":"payment_already_used"}`, want: NonceUsed},
		{desc: "turnpike gate: settle did not answer", status: 502, body: `{"reason":"facilitator_unavailable","message":"the payment was verified but could not be settled because the facilitator did not answer usefully"}`, want: MaybeSpent},
		{desc: "turnpike gate: verify did not answer", status: 502, body: `{"reason":"facilitator_unavailable","message":"the payment could not be verified"}`, want: Release},
		{desc: "turnpike gate: expired locally", status: 402, body: `{"reason":"authorization_expired"}`, want: Rejected},
		{desc: "turnpike gate: not yet valid heals with time", status: 402, body: `{"reason":"authorization_not_yet_valid"}`, want: Release},
		{desc: "bad signature", status: 402, body: `{"error":"invalid_exact_evm_signature"}`, want: Rejected},
		{desc: "expired", status: 402, body: `{"error":"invalid_exact_evm_payload_authorization_valid_before"}`, want: Rejected},
		{desc: "insufficient balance", status: 402, body: `{"error":"invalid_exact_evm_insufficient_balance"}`, want: Release},
		{desc: "plain upstream error", status: 503, body: `oops`, want: Release},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			h := tc.h
			if h == nil {
				h = http.Header{}
			}
			if got, reason := Classify(tc.status, h, []byte(tc.body)); got != tc.want || reason == "" {
				t.Fatalf("Classify = %v (%q), want %v", got, reason, tc.want)
			}
		})
	}
}
