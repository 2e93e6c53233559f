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
		{desc: "receipt could not be read, in the body", status: 502, body: `{"error":"invalid_exact_evm_failed_to_get_receipt"}`, want: MaybeSpent},
		{desc: "failed receipt with a code outside the vocabulary: a settle was attempted", status: 402, h: rc(x402.SettleResponse{ErrorReason: "settle_failed"}), want: MaybeSpent},
		{desc: "a code outside the vocabulary in the body alone", status: 502, body: `{"error":"settle_failed"}`, want: Release},
		{desc: "failed receipt naming nonce used", status: 402, h: rc(x402.SettleResponse{ErrorReason: "invalid_exact_evm_nonce_already_used"}), want: NonceUsed},
		{desc: "turnpike gate: already used", status: 402, body: `{"error":"Payment required","reason":"payment_already_used"}`, want: NonceUsed},
		{desc: "turnpike gate: settle outcome unknown", status: 503, body: `{"error":"settlement_unknown","reason":"settlement_unknown","message":"the payment may have been taken"}`, want: MaybeSpent},
		{desc: "turnpike gate: verify did not answer", status: 503, body: `{"error":"facilitator_unavailable","reason":"facilitator_unavailable","message":"the payment could not be verified"}`, want: Release},
		{desc: "message prose is never read", status: 503, body: `{"error":"facilitator_unavailable","reason":"facilitator_unavailable","message":"the payment could not be settled; nonce already used"}`, want: Release},
		{desc: "turnpike gate: in flight on this replica", status: 402, body: `{"reason":"payment_in_flight"}`, want: MaybeSpent},
		{desc: "turnpike gate: claimed by another request", status: 409, body: `{"reason":"authorization_claimed"}`, want: MaybeSpent},
		{desc: "turnpike gate: settled for another request", status: 409, body: `{"reason":"authorization_settled"}`, want: NonceUsed},
		{desc: "turnpike gate: settlement failed, facilitator says nonce used", status: 402, body: `{"error":"invalid_exact_evm_nonce_already_used","reason":"settlement_failed"}`, want: NonceUsed},
		{desc: "turnpike gate: payment invalid, facilitator says bad signature", status: 402, body: `{"error":"invalid_exact_evm_signature","reason":"payment_invalid"}`, want: Rejected},
		{desc: "error field that is not a string does not hide reason", status: 503, body: `{"error":{"code":1},"reason":"settlement_unknown"}`, want: MaybeSpent},
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
