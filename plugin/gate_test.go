package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const base = "http://example.test/services/weather"

func TestServeHTTPUnpaid(t *testing.T) {
	tg := newTestGate(t, testDoc(7), nil)
	tests := []struct {
		desc       string
		method     string
		target     string
		hdr        map[string]string
		wantStatus int
		wantReason string
		wantUp     bool
	}{
		{desc: "paid path without payment gets 402", method: "GET", target: base + "/forecast/today", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "offer root is charged", method: "GET", target: base, wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "free path passes through", method: "GET", target: base + "/free", wantStatus: 200, wantUp: true},
		{desc: "free path with method restriction, right method", method: "GET", target: base + "/health", wantStatus: 200, wantUp: true},
		{desc: "free path with method restriction, other method falls to no rule", method: "POST", target: base + "/health", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "unmatched path under a paid prefix is refused", method: "GET", target: base + "/other", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "dot segments are refused, not cleaned (the upstream may not clean them)", method: "GET", target: base + "/free/../other", wantStatus: 400, wantReason: "ambiguous_path"},
		{desc: "segment glob matches one segment", method: "GET", target: base + "/v1/abc/items", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "segment glob does not match two segments", method: "GET", target: base + "/v1/a/b/items", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "prefix rule matches the prefix itself", method: "GET", target: base + "/forecast", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
		{desc: "prefix rule does not match a longer segment", method: "GET", target: base + "/forecastX", wantStatus: 403, wantReason: x402.ReasonNoRouteRule},
		{desc: "path outside the prefix is taken as relative (strip-prefix before the gate)", method: "GET", target: "http://example.test/free", wantStatus: 200, wantUp: true},
		{desc: "CORS preflight is answered by the gate", method: "OPTIONS", target: base + "/forecast/x", hdr: map[string]string{"Access-Control-Request-Method": "GET", "Origin": "https://app.example"}, wantStatus: 204},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			before := tg.up.calls.Load()
			rec := tg.do(tc.method, tc.target, tc.hdr)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body.String())
			}
			reached := tg.up.calls.Load() > before
			if reached != tc.wantUp {
				t.Fatalf("upstream reached = %v, want %v", reached, tc.wantUp)
			}
			if tc.wantReason != "" {
				if got := decodeRejection(t, rec.Body.Bytes()).Reason; got != tc.wantReason {
					t.Fatalf("reason %q, want %q", got, tc.wantReason)
				}
			}
		})
	}
}

func TestChallengeContent(t *testing.T) {
	tg := newTestGate(t, testDoc(7), nil)
	target := base + "/forecast/today?city=Z%C3%BCrich&q=\"<x>\""
	rec := tg.do("GET", target, nil)
	if rec.Code != 402 {
		t.Fatalf("status %d", rec.Code)
	}
	h := rec.Header()
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := h.Get("Access-Control-Expose-Headers"); got != cors.ExposeHeaders {
		t.Errorf("expose headers %q", got)
	}
	pr := decodePaymentRequired(t, h.Get(x402.HeaderPaymentRequired))
	// The query is echoed as the client sent it; JSON escaping handles the quotes.
	wantURL := "http://example.test/services/weather/forecast/today?city=Z%C3%BCrich&q=\"<x>\""
	if pr.X402Version != 2 || pr.Resource.URL != wantURL || pr.Error != challenge.ErrorNoPaymentV2 {
		t.Errorf("v2 challenge: version %d url %q error %q", pr.X402Version, pr.Resource.URL, pr.Error)
	}
	if pr.Resource.Description != "Weather <now>" || pr.Resource.MimeType != "application/json" {
		t.Errorf("resource info %+v", pr.Resource)
	}
	if len(pr.Accepts) != 2 || pr.Accepts[0].Amount != "10000" || pr.Accepts[1].Network != "eip155:31337" {
		t.Fatalf("accepts %+v", pr.Accepts)
	}
	if string(pr.Accepts[0].Extra) != `{"name":"USDC","version":"2"}` {
		t.Errorf("extra %s", pr.Accepts[0].Extra)
	}
	// Two decodes instead of one embedding struct: Yaegi does not fill embedded
	// structs on json.Unmarshal.
	var v1 x402.PaymentRequiredV1
	if err := json.Unmarshal(rec.Body.Bytes(), &v1); err != nil {
		t.Fatalf("body: %v", err)
	}
	eb := decodeRejection(t, rec.Body.Bytes())
	if v1.X402Version != 1 || v1.Error == "" || eb.Reason != x402.ReasonPaymentRequired || eb.Message == "" {
		t.Errorf("v1 body header fields: %+v %+v", v1, eb)
	}
	// Only networks with a v1 name appear in the v1 body.
	if len(v1.Accepts) != 1 || v1.Accepts[0].Network != "base-sepolia" || v1.Accepts[0].MaxAmountRequired != "10000" ||
		v1.Accepts[0].Resource != wantURL || v1.Accepts[0].MimeType == "" || v1.Accepts[0].Description != "Weather <now>" {
		t.Errorf("v1 accepts %+v", v1.Accepts)
	}

	t.Run("per-path price", func(t *testing.T) {
		rec := tg.do("GET", base+"/premium/x", nil)
		pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
		if len(pr.Accepts) != 1 || pr.Accepts[0].Amount != "50000" {
			t.Errorf("premium accepts %+v", pr.Accepts)
		}
	})
	t.Run("resource URL honours X-Forwarded-Proto", func(t *testing.T) {
		rec := tg.do("GET", base+"/forecast/a", map[string]string{"X-Forwarded-Proto": "https, http"})
		pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
		if pr.Resource.URL != "https://example.test/services/weather/forecast/a" {
			t.Errorf("url %q", pr.Resource.URL)
		}
	})
	t.Run("browser gets the HTML paywall with the header", func(t *testing.T) {
		rec := tg.do("GET", base+"/forecast/<script>", map[string]string{"Accept": "text/html,application/xhtml+xml", "User-Agent": "Mozilla/5.0"})
		if rec.Code != 402 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		hdr := rec.Header().Get(x402.HeaderPaymentRequired)
		body := rec.Body.String()
		if hdr == "" || !strings.Contains(body, hdr) {
			t.Errorf("paywall lacks the PAYMENT-REQUIRED value")
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("paywall does not escape the URL")
		}
		for _, want := range []string{"0.01", "USDC", "eip155:84532", "0.0025", "Weather &lt;now&gt;"} {
			if !strings.Contains(body, want) {
				t.Errorf("paywall lacks %q", want)
			}
		}
	})
	t.Run("curl without Mozilla gets JSON", func(t *testing.T) {
		rec := tg.do("GET", base+"/forecast/a", map[string]string{"Accept": "text/html", "User-Agent": "curl/8"})
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("type %q", rec.Header().Get("Content-Type"))
		}
	})
	t.Run("preflight allows the payment headers", func(t *testing.T) {
		rec := tg.do("OPTIONS", base+"/forecast/a", map[string]string{"Access-Control-Request-Method": "GET"})
		allow := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
		for _, want := range []string{"payment-signature", "x-payment", "access-control-expose-headers"} {
			if !strings.Contains(allow, want) {
				t.Errorf("allow-headers %q lacks %s", allow, want)
			}
		}
	})
}

func TestResourceBaseURL(t *testing.T) {
	tg := newTestGate(t, testDoc(1), func(c *Config) { c.ResourceBaseURL = "https://api.example.com/" })
	rec := tg.do("GET", base+"/forecast/a?x=1", nil)
	pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
	if pr.Resource.URL != "https://api.example.com/services/weather/forecast/a?x=1" {
		t.Errorf("url %q", pr.Resource.URL)
	}
}

func TestOfferStates(t *testing.T) {
	tests := []struct {
		desc       string
		offer      string
		target     string
		wantStatus int
		wantReason string
	}{
		{desc: "unknown offer is 503 with a reason", offer: "shop/nope", target: base, wantStatus: 503, wantReason: x402.ReasonOfferUnknown},
		{desc: "drained offer is refused", offer: "shop/gone", target: "http://example.test/services/gone/x", wantStatus: 403, wantReason: x402.ReasonOfferDrained},
		{desc: "draining offer is still payable", offer: "shop/leaving", target: "http://example.test/services/leaving/x", wantStatus: 402, wantReason: x402.ReasonPaymentRequired},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), func(c *Config) { c.Offer = tc.offer })
			rec := tg.do("GET", tc.target, nil)
			if rec.Code != tc.wantStatus || decodeRejection(t, rec.Body.Bytes()).Reason != tc.wantReason {
				t.Fatalf("got %d %s", rec.Code, rec.Body.String())
			}
			if tg.up.calls.Load() != 0 {
				t.Fatalf("upstream reached")
			}
		})
	}
}

func TestRoutesNotLoaded(t *testing.T) {
	tg := newTestGate(t, nil, nil)
	for _, target := range []string{base + "/free", base + "/forecast"} {
		rec := tg.do("GET", target, nil)
		if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("%s: status %d retry-after %q", target, rec.Code, rec.Header().Get("Retry-After"))
		}
		if r := decodeRejection(t, rec.Body.Bytes()).Reason; r != x402.ReasonRoutesNotLoaded {
			t.Fatalf("reason %q", r)
		}
	}
	if tg.up.calls.Load() != 0 {
		t.Fatalf("upstream reached without routes")
	}
	// The document appears later (the kubelet is slow): the gate starts serving.
	writeDoc(t, tg.file, testDoc(3))
	waitFor(t, "routes loaded", func() bool { return tg.g.loader.table() != nil })
	if rec := tg.do("GET", base+"/forecast", nil); rec.Code != 402 {
		t.Fatalf("after load: %d", rec.Code)
	}
}

func TestPaidRequests(t *testing.T) {
	req84532 := requirementOf(basePayment())
	mutateAccepted := func(f func(r *x402.Requirements)) *x402.PaymentPayload {
		p := paymentV2(req84532)
		f(p.Accepted)
		return p
	}
	mutateAuth := func(f func(a *x402.Authorization)) *x402.PaymentPayload {
		p := paymentV2(req84532)
		f(&p.Payload.Authorization)
		return p
	}
	tests := []struct {
		desc        string
		header      string // header name; default PAYMENT-SIGNATURE
		raw         string // raw header value instead of payload
		payload     *x402.PaymentPayload
		target      string
		verify      string
		settle      string
		upStatus    int
		slack       int
		wantStatus  int
		wantReason  string
		wantUp      bool
		wantVerify  int64
		wantSettle  int64
		wantReceipt string // header that must carry the receipt
		wantSuccess bool
		wantX402Err string
		wantBodyHas string
		wantBodyNot string
	}{
		{desc: "v2 payment is verified, served and settled", payload: paymentV2(req84532), wantStatus: 200, wantUp: true,
			wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true, wantBodyHas: "sunny"},
		{desc: "v2 payment for the local chain (no v1 name)", payload: paymentV2(requirementOf(localPayment())), wantStatus: 200, wantUp: true,
			wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "asset and payTo compare case-insensitively", payload: mutateAccepted(func(r *x402.Requirements) {
			r.Asset = strings.ToLower(r.Asset)
			r.PayTo = strings.ToUpper(r.PayTo[:2]) + strings.ToLower(r.PayTo[2:])
		}), wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "extra with reordered keys still matches", payload: mutateAccepted(func(r *x402.Requirements) {
			r.Extra = json.RawMessage(`{ "version":"2", "name":"USDC" }`)
		}), wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "v1 payment gets v1 requirements and X-PAYMENT-RESPONSE", header: x402.HeaderXPayment, payload: paymentV1("base-sepolia", "10000"),
			wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderXPaymentResponse, wantSuccess: true},
		{desc: "v1 payment on a network v1 cannot name", header: x402.HeaderXPayment, payload: paymentV1("eip155:31337", "2500"),
			wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "undecodable header is 400", raw: "%%%not-base64%%%", wantStatus: 400, wantReason: x402.ReasonInvalidHeader},
		{desc: "base64 of non-JSON is 400", raw: "bm90IGpzb24=", wantStatus: 400, wantReason: x402.ReasonInvalidHeader},
		{desc: "oversized header is 400", raw: strings.Repeat("A", x402.MaxHeaderBytes+4), wantStatus: 400, wantReason: x402.ReasonInvalidHeader},
		{desc: "unknown x402Version", payload: func() *x402.PaymentPayload { p := paymentV2(req84532); p.X402Version = 3; return p }(),
			wantStatus: 402, wantReason: x402.ReasonInvalidVersion},
		{desc: "v2 without accepted", payload: func() *x402.PaymentPayload { p := paymentV2(req84532); p.Accepted = nil; return p }(),
			wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "accepted with another amount", payload: mutateAccepted(func(r *x402.Requirements) { r.Amount = "1" }), wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "accepted with another extra", payload: mutateAccepted(func(r *x402.Requirements) { r.Extra = json.RawMessage(`{"name":"USD Coin","version":"2"}`) }),
			wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "accepted with extra missing", payload: mutateAccepted(func(r *x402.Requirements) { r.Extra = nil }), wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "accepted with another maxTimeoutSeconds", payload: mutateAccepted(func(r *x402.Requirements) { r.MaxTimeoutSeconds = 61 }), wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "accepted with another network", payload: mutateAccepted(func(r *x402.Requirements) { r.Network = "eip155:8453" }), wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "cheaper option is not accepted on the premium path", payload: paymentV2(req84532), target: base + "/premium/x", wantStatus: 402, wantReason: x402.ReasonNoMatch},
		{desc: "authorization to someone else", payload: mutateAuth(func(a *x402.Authorization) { a.To = testLocal }), wantStatus: 402, wantReason: x402.ReasonRecipientMismatch},
		{desc: "authorization value too high", payload: mutateAuth(func(a *x402.Authorization) { a.Value = "10001" }), wantStatus: 402, wantReason: x402.ReasonAmountMismatch},
		{desc: "authorization value not a number", payload: mutateAuth(func(a *x402.Authorization) { a.Value = "1e4" }), wantStatus: 402, wantReason: x402.ReasonAmountMismatch},
		{desc: "authorization not yet valid", payload: mutateAuth(func(a *x402.Authorization) { a.ValidAfter = "1767225601" }), wantStatus: 402, wantReason: x402.ReasonNotYetValid},
		{desc: "authorization expiring within the 6 s margin", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767225605" }), wantStatus: 402, wantReason: x402.ReasonExpired},
		{desc: "authorization exactly at the margin is accepted", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767225606" }),
			wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "one-hour window refused by default", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767229200" }),
			wantStatus: 402, wantReason: x402.ReasonValidityTooLong},
		{desc: "window of maxTimeoutSeconds plus the default slack accepted", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767225690" }),
			wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "one second over maxTimeoutSeconds plus the default slack refused", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767225691" }),
			wantStatus: 402, wantReason: x402.ReasonValidityTooLong},
		{desc: "one second over maxTimeoutSeconds plus a configured slack refused", slack: 5, payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767225666" }),
			wantStatus: 402, wantReason: x402.ReasonValidityTooLong},
		{desc: "one-hour window accepted when the bound is disabled (-1)", slack: -1, payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "1767229200" }),
			wantStatus: 200, wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "malformed nonce", payload: mutateAuth(func(a *x402.Authorization) { a.Nonce = "0x1234" }), wantStatus: 402, wantReason: x402.ReasonInvalidAuth},
		{desc: "malformed validBefore", payload: mutateAuth(func(a *x402.Authorization) { a.ValidBefore = "soon" }), wantStatus: 402, wantReason: x402.ReasonInvalidAuth},
		{desc: "facilitator rejects the payment", payload: paymentV2(req84532), verify: "invalid", wantStatus: 402, wantReason: x402.ReasonPaymentInvalid,
			wantVerify: 1, wantX402Err: "insufficient_funds"},
		{desc: "facilitator down at verify is 503, never 200", payload: paymentV2(req84532), verify: "down", wantStatus: 503, wantReason: x402.ReasonFacilitatorUnavailable, wantVerify: 1},
		{desc: "facilitator answers garbage at verify", payload: paymentV2(req84532), verify: "garbage", wantStatus: 503, wantReason: x402.ReasonFacilitatorUnavailable, wantVerify: 1},
		{desc: "settle fails: content withheld, 402 with success:false", payload: paymentV2(req84532), settle: "fail", wantStatus: 402, wantReason: x402.ReasonSettlementFailed,
			wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: false, wantBodyNot: "sunny", wantX402Err: "invalid_exact_evm_transaction_failed"},
		{desc: "settlement pending: answered with the hash, not retried", payload: paymentV2(req84532), settle: "pending", wantStatus: 402, wantReason: x402.ReasonSettlementPending,
			wantUp: true, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: false, wantBodyHas: testTxHash, wantBodyNot: "sunny"},
		{desc: "facilitator down at settle is 503 settlement_unknown and withholds content", payload: paymentV2(req84532), settle: "down", wantStatus: 503, wantReason: x402.ReasonSettlementUnknown,
			wantUp: true, wantVerify: 1, wantSettle: 1, wantBodyNot: "sunny"},
		{desc: "upstream error is passed through and not charged", payload: paymentV2(req84532), upStatus: 500, wantStatus: 500, wantUp: true,
			wantVerify: 1, wantSettle: 0, wantBodyHas: "sunny"},
		{desc: "settle before the upstream on a settle-before route", payload: paymentV2(req84532), target: base + "/stream", wantStatus: 200, wantUp: true,
			wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse, wantSuccess: true},
		{desc: "settle-before failure never reaches the upstream", payload: paymentV2(req84532), target: base + "/stream", settle: "fail", wantStatus: 402,
			wantReason: x402.ReasonSettlementFailed, wantVerify: 1, wantSettle: 1, wantReceipt: x402.HeaderPaymentResponse},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), func(c *Config) { c.MaxValiditySlackSeconds = tc.slack })
			verify, settle := tc.verify, tc.settle
			if verify == "" {
				verify = "ok"
			}
			if settle == "" {
				settle = "ok"
			}
			tg.fac.set(verify, settle)
			tg.up.status = tc.upStatus
			name := tc.header
			if name == "" {
				name = x402.HeaderPaymentSignature
			}
			value := tc.raw
			if tc.payload != nil {
				value = encode(t, tc.payload)
			}
			target := tc.target
			if target == "" {
				target = base + "/forecast/today"
			}
			chargedBefore := atomic.LoadInt64(&offerOf(tg.g.loader.table(), "shop/weather").def.Options[0].Series.Charged)
			rec := tg.do("GET", target, map[string]string{name: value})
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body.String())
			}
			if up := tg.up.calls.Load() > 0; up != tc.wantUp {
				t.Fatalf("upstream reached = %v, want %v", up, tc.wantUp)
			}
			if got := tg.fac.verifyCalls.Load(); got != tc.wantVerify {
				t.Errorf("verify calls %d, want %d", got, tc.wantVerify)
			}
			if got := tg.fac.settleCalls.Load(); got != tc.wantSettle {
				t.Errorf("settle calls %d, want %d", got, tc.wantSettle)
			}
			if tc.wantReason != "" {
				eb := decodeRejection(t, rec.Body.Bytes())
				if eb.Reason != tc.wantReason || eb.Message == "" || eb.Error == "" {
					t.Fatalf("rejection %+v, want reason %q", eb, tc.wantReason)
				}
				if rec.Code == 402 {
					pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
					if len(pr.Accepts) == 0 {
						t.Errorf("402 rejection without the challenge")
					}
					if tc.wantX402Err != "" && pr.Error != tc.wantX402Err {
						t.Errorf("challenge error %q, want %q", pr.Error, tc.wantX402Err)
					}
				}
			}
			if tc.wantBodyHas != "" && !strings.Contains(rec.Body.String(), tc.wantBodyHas) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.wantBodyHas)
			}
			if tc.wantBodyNot != "" && strings.Contains(rec.Body.String(), tc.wantBodyNot) {
				t.Errorf("body %q leaks %q", rec.Body.String(), tc.wantBodyNot)
			}
			if tc.wantReceipt != "" {
				other := x402.HeaderXPaymentResponse
				if tc.wantReceipt == x402.HeaderXPaymentResponse {
					other = x402.HeaderPaymentResponse
				}
				if rec.Header().Get(other) != "" {
					t.Errorf("receipt also in %s", other)
				}
				var sr x402.SettleResponse
				if err := x402.DecodeHeader(rec.Header().Get(tc.wantReceipt), 0, &sr); err != nil {
					t.Fatalf("receipt in %s: %v", tc.wantReceipt, err)
				}
				if sr.Success != tc.wantSuccess {
					t.Errorf("receipt success %v, want %v", sr.Success, tc.wantSuccess)
				}
				if tc.wantSuccess {
					if sr.Transaction != testTxHash {
						t.Errorf("receipt tx %q", sr.Transaction)
					}
					if cc := rec.Header().Get("Cache-Control"); cc != "private, no-store" && tc.target == "" {
						t.Errorf("Cache-Control %q", cc)
					}
				}
			}
			if tc.wantUp {
				h := tg.up.headers
				if h.Get(x402.HeaderPaymentSignature) != "" || h.Get(x402.HeaderXPayment) != "" {
					t.Errorf("payment header reached the upstream")
				}
				if h.Get("X-Turnpike-Payer") != testPayer {
					t.Errorf("payer header %q", h.Get("X-Turnpike-Payer"))
				}
			}
			if tc.wantVerify > 0 {
				checkServerRequirements(t, tg.fac.verifies[0], tc.header == x402.HeaderXPayment)
			}
			charged := atomic.LoadInt64(&offerOf(tg.g.loader.table(), "shop/weather").def.Options[0].Series.Charged) - chargedBefore
			wantCharged := int64(0)
			if tc.wantSuccess && tc.wantStatus == 200 && tc.payload != nil && tc.payload.Network != "eip155:31337" &&
				(tc.payload.Accepted == nil || tc.payload.Accepted.Network == "eip155:84532") {
				wantCharged = 1
			}
			if charged != wantCharged {
				t.Errorf("charged %d, want %d", charged, wantCharged)
			}
		})
	}
}

// checkServerRequirements asserts the facilitator got the server's own requirement.
func checkServerRequirements(t *testing.T, vr x402.VerifyRequest, v1 bool) {
	t.Helper()
	if v1 {
		var r x402.RequirementsV1
		if err := json.Unmarshal(vr.PaymentRequirements, &r); err != nil || vr.X402Version != 1 || r.MaxAmountRequired == "" || r.Network != "base-sepolia" || r.Resource == "" {
			t.Errorf("v1 verify request: version %d requirements %s (%v)", vr.X402Version, vr.PaymentRequirements, err)
		}
		return
	}
	var r x402.Requirements
	if err := json.Unmarshal(vr.PaymentRequirements, &r); err != nil || vr.X402Version != 2 || r.Amount == "" || !strings.HasPrefix(r.Network, "eip155:") {
		t.Errorf("v2 verify request: version %d requirements %s (%v)", vr.X402Version, vr.PaymentRequirements, err)
	}
	if bytes.Contains(vr.PaymentRequirements, []byte(strings.ToLower(testAsset))) {
		t.Errorf("facilitator got the client's spelling of the asset, not the server's")
	}
}

func TestSettleOrder(t *testing.T) {
	tests := []struct {
		desc   string
		target string
		accept string
		want   []string
		direct bool // the upstream got the original writer
	}{
		{desc: "default settles after the upstream", target: base + "/forecast/a", want: []string{"verify", "upstream", "settle"}},
		{desc: "settle-before route", target: base + "/stream", want: []string{"verify", "settle", "upstream"}, direct: true},
		{desc: "event-stream clients always settle before", target: base + "/forecast/a", accept: "text/event-stream", want: []string{"verify", "settle", "upstream"}, direct: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			req := httptest.NewRequest("GET", tc.target, nil)
			req.Header.Set(x402.HeaderPaymentSignature, encode(t, paymentV2(requirementOf(basePayment()))))
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			tg.g.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			if got := strings.Join(tg.ev.list(), ","); got != strings.Join(tc.want, ",") {
				t.Fatalf("order %s, want %v", got, tc.want)
			}
			direct := tg.up.writer == http.ResponseWriter(rec)
			if direct != tc.direct {
				t.Fatalf("upstream got the original writer = %v, want %v", direct, tc.direct)
			}
			// Settling before hands the upstream the original writer, so the upstream
			// has the last word on Cache-Control there.
			if rec.Header().Get(x402.HeaderPaymentResponse) == "" || (!tc.direct && rec.Header().Get("Cache-Control") != "private, no-store") {
				t.Fatalf("receipt headers %v", rec.Header())
			}
		})
	}
}

func TestLargeResponseSettlesAtTheCap(t *testing.T) {
	tg := newTestGate(t, testDoc(1), func(c *Config) { c.MaxBufferBytes = 16 })
	tg.up.body = strings.Repeat("x", 100)
	rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
	if rec.Code != 200 || rec.Body.Len() != 100 || tg.fac.settleCalls.Load() != 1 || rec.Header().Get(x402.HeaderPaymentResponse) == "" {
		t.Fatalf("status %d len %d settles %d", rec.Code, rec.Body.Len(), tg.fac.settleCalls.Load())
	}
	if got := strings.Join(tg.ev.list(), ","); got != "verify,upstream,settle" {
		t.Fatalf("order %s", got)
	}
	tg.fac.set("ok", "fail")
	rec = tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
	if rec.Code != 402 || strings.Contains(rec.Body.String(), "xxxx") {
		t.Fatalf("failed settle at the cap: %d %q", rec.Code, rec.Body.String())
	}
}

func TestReplay(t *testing.T) {
	tg := newTestGate(t, testDoc(1), nil)
	pay := encode(t, paymentV2(requirementOf(basePayment())))
	hdr := map[string]string{x402.HeaderPaymentSignature: pay}

	if rec := tg.do("GET", base+"/forecast/a", hdr); rec.Code != 200 {
		t.Fatalf("first use: %d", rec.Code)
	}
	// The same request again is a retry: it gets its answer (paid_retry_test.go).
	rec := tg.do("GET", base+"/forecast/b", hdr)
	if rec.Code != 402 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonPaymentUsed {
		t.Fatalf("reuse of a settled authorization: %d %s", rec.Code, rec.Body.String())
	}

	t.Run("concurrent reuse is refused while in flight", func(t *testing.T) {
		tg := newTestGate(t, testDoc(1), nil)
		tg.up.block = make(chan struct{})
		tg.up.entered = make(chan struct{}, 1)
		hdr := map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
		done := make(chan int)
		go func() { done <- tg.do("GET", base+"/forecast/a", hdr).Code }()
		<-tg.up.entered
		rec := tg.do("GET", base+"/forecast/a", hdr)
		close(tg.up.block)
		if first := <-done; first != 200 {
			t.Fatalf("first request %d", first)
		}
		if rec.Code != 402 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonPaymentInFlight {
			t.Fatalf("concurrent reuse: %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("an unsettled authorization can be used again", func(t *testing.T) {
		tg := newTestGate(t, testDoc(1), nil)
		hdr := map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
		tg.up.status = 502
		if rec := tg.do("GET", base+"/forecast/a", hdr); rec.Code != 502 {
			t.Fatalf("upstream failure: %d", rec.Code)
		}
		tg.up.status = 200
		if rec := tg.do("GET", base+"/forecast/a", hdr); rec.Code != 200 {
			t.Fatalf("retry after upstream failure: %d %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("settlement_pending is never accepted again", func(t *testing.T) {
		tg := newTestGate(t, testDoc(1), nil)
		tg.fac.set("ok", "pending")
		hdr := map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
		tg.do("GET", base+"/forecast/a", hdr)
		tg.fac.set("ok", "ok")
		// Another request: refused without asking the facilitator (the same request
		// is a retry that waits for reconciliation: claim_test.go).
		rec := tg.do("GET", base+"/forecast/b", hdr)
		if rec.Code != 402 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonPaymentUsed || tg.fac.verifyCalls.Load() != 1 {
			t.Fatalf("reuse after pending: %d %s verifies %d", rec.Code, rec.Body.String(), tg.fac.verifyCalls.Load())
		}
	})
	t.Run("a full guard refuses instead of failing open", func(t *testing.T) {
		tg := newTestGate(t, testDoc(1), nil)
		tg.g.replay = replay.New(1)
		if rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}); rec.Code != 200 {
			t.Fatalf("first: %d", rec.Code)
		}
		rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
		if rec.Code != 503 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonReplayGuardFull {
			t.Fatalf("full guard: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestReloadKeepsLastGoodDocument(t *testing.T) {
	tg := newTestGate(t, testDoc(4), nil)
	src := tg.g.loader.state
	errsBefore := src.ReloadErrors.Load()
	writeFileAtomic(t, tg.file, []byte(`{"schema":"turnpike.x402.dev/routes/v99","generation":5,"offers":[]}`))
	waitFor(t, "refusal", func() bool { return src.ReloadErrors.Load() > errsBefore })
	if g := tg.g.loader.table().generation; g != 4 {
		t.Fatalf("serving generation %d after a bad document, want 4", g)
	}
	if rec := tg.do("GET", base+"/forecast", nil); rec.Code != 402 {
		t.Fatalf("status %d after a bad document", rec.Code)
	}
	writeFileAtomic(t, tg.file, []byte(`not json`))
	waitFor(t, "second refusal", func() bool { return src.ReloadErrors.Load() > errsBefore+1 })

	doc := testDoc(6)
	doc.Offers[0].Payments[0].Amount = "20000"
	writeDoc(t, tg.file, doc)
	waitFor(t, "generation 6", func() bool { return tg.g.loader.table().generation == 6 })
	pr := decodePaymentRequired(t, tg.do("GET", base+"/forecast", nil).Header().Get(x402.HeaderPaymentRequired))
	if pr.Accepts[0].Amount != "20000" {
		t.Fatalf("new price not served: %+v", pr.Accepts[0])
	}
	if src.Generation.Load() != 6 || !src.Loaded.Load() {
		t.Fatalf("gauges generation %d loaded %v", src.Generation.Load(), src.Loaded.Load())
	}
}

func TestReloadThroughSymlinkSwap(t *testing.T) {
	// The kubelet's layout: key -> ..data/key, ..data -> ..<timestamp>/, swapped by
	// renaming a new symlink over ..data.
	tg := newTestGate(t, nil, nil)
	dir := tg.dir
	mk := func(version string, gen int64) {
		d := dir + "/.." + version
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeDoc(t, d+"/"+routes.DataKey, testDoc(gen))
		if err := os.Symlink(".."+version, dir+"/..data_tmp"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir+"/..data_tmp", dir+"/..data"); err != nil {
			t.Fatal(err)
		}
	}
	mk("v1", 10)
	if err := os.Symlink("..data/"+routes.DataKey, tg.file); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "generation 10", func() bool { tb := tg.g.loader.table(); return tb != nil && tb.generation == 10 })
	mk("v2", 11)
	waitFor(t, "generation 11", func() bool { return tg.g.loader.table().generation == 11 })
}

func TestChallengeCacheIsBoundedAndPerURL(t *testing.T) {
	tg := newTestGate(t, testDoc(1), nil)
	o := offerOf(tg.g.loader.table(), "shop/weather")
	for i := 0; i < challengeCacheSize+10; i++ {
		target := base + "/forecast/a?i=" + strconv.Itoa(i)
		rec := tg.do("GET", target, nil)
		pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
		if pr.Resource.URL != target {
			t.Fatalf("request %d got the challenge of %q", i, pr.Resource.URL)
		}
		// A repeat is served from the cache and is identical.
		again := tg.do("GET", target, nil)
		if again.Header().Get(x402.HeaderPaymentRequired) != rec.Header().Get(x402.HeaderPaymentRequired) || again.Body.String() != rec.Body.String() {
			t.Fatalf("request %d: cached challenge differs", i)
		}
	}
	o.fastMu.RLock()
	n := len(o.fast)
	o.fastMu.RUnlock()
	if n > challengeCacheSize || n == 0 {
		t.Fatalf("cache holds %d entries, bound %d", n, challengeCacheSize)
	}
	// Another host is another resource, even for the same path.
	req := httptest.NewRequest("GET", "http://other.test/services/weather/forecast/a?i=1", nil)
	rec := httptest.NewRecorder()
	tg.g.ServeHTTP(rec, req)
	if pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired)); pr.Resource.URL != "http://other.test/services/weather/forecast/a?i=1" {
		t.Fatalf("url %q", pr.Resource.URL)
	}
}

func TestFastCacheKeepsRequestsApart(t *testing.T) {
	tg := newTestGate(t, testDoc(1), nil)
	send := func(method, host, uri string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://"+host+uri, nil)
		req.RequestURI = uri
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		tg.g.ServeHTTP(rec, req)
		return rec
	}
	for round := 0; round < 2; round++ { // the second round is served from the caches
		tests := []struct {
			desc       string
			method     string
			host, uri  string
			hdr        map[string]string
			wantStatus int
			wantURL    string
			wantAmount string
		}{
			{desc: "plain", method: "GET", host: "a.test", uri: "/services/weather/forecast/x", wantStatus: 402, wantURL: "http://a.test/services/weather/forecast/x", wantAmount: "10000"},
			{desc: "other host", method: "GET", host: "b.test", uri: "/services/weather/forecast/x", wantStatus: 402, wantURL: "http://b.test/services/weather/forecast/x", wantAmount: "10000"},
			{desc: "forwarded https", method: "GET", host: "a.test", uri: "/services/weather/forecast/x", hdr: map[string]string{"X-Forwarded-Proto": "https"}, wantStatus: 402, wantURL: "https://a.test/services/weather/forecast/x", wantAmount: "10000"},
			{desc: "premium price", method: "GET", host: "a.test", uri: "/services/weather/premium/x", wantStatus: 402, wantURL: "http://a.test/services/weather/premium/x", wantAmount: "50000"},
			{desc: "free for GET", method: "GET", host: "a.test", uri: "/services/weather/health", wantStatus: 200},
			{desc: "no rule for POST", method: "POST", host: "a.test", uri: "/services/weather/health", wantStatus: 403},
			{desc: "browser gets HTML", method: "GET", host: "a.test", uri: "/services/weather/forecast/x", hdr: map[string]string{"Accept": "text/html", "User-Agent": "Mozilla/5.0"}, wantStatus: 402},
		}
		for _, tc := range tests {
			rec := send(tc.method, tc.host, tc.uri, tc.hdr)
			if rec.Code != tc.wantStatus {
				t.Fatalf("round %d %s: status %d", round, tc.desc, rec.Code)
			}
			if tc.wantURL == "" {
				continue
			}
			pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired))
			if pr.Resource.URL != tc.wantURL || pr.Accepts[0].Amount != tc.wantAmount {
				t.Fatalf("round %d %s: url %q amount %s", round, tc.desc, pr.Resource.URL, pr.Accepts[0].Amount)
			}
			if tc.hdr["Accept"] == "" && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("round %d %s: content type %q", round, tc.desc, rec.Header().Get("Content-Type"))
			}
		}
	}
	o := offerOf(tg.g.loader.table(), "shop/weather")
	o.fastMu.RLock()
	n := len(o.fast)
	o.fastMu.RUnlock()
	if n == 0 {
		t.Fatal("the fast cache was never used")
	}
	// A new routes document brings new prices: nothing stale is served.
	doc := testDoc(2)
	doc.Offers[0].Payments[0].Amount = "77777"
	writeDoc(t, tg.file, doc)
	waitFor(t, "generation 2", func() bool { return tg.g.loader.table().generation == 2 })
	pr := decodePaymentRequired(t, send("GET", "a.test", "/services/weather/forecast/x", nil).Header().Get(x402.HeaderPaymentRequired))
	if pr.Accepts[0].Amount != "77777" {
		t.Fatalf("stale challenge after reload: %s", pr.Accepts[0].Amount)
	}
}

func TestBufferedWriterEdgeCases(t *testing.T) {
	tests := []struct {
		desc       string
		handler    http.HandlerFunc
		wantStatus int
		wantBody   string
		wantSettle int64
	}{
		{desc: "upstream writes nothing: 200 and settled", handler: func(w http.ResponseWriter, r *http.Request) {}, wantStatus: 200, wantSettle: 1},
		{desc: "redirect is below 400 and settles", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(302)
		}, wantStatus: 302, wantSettle: 1},
		{desc: "404 passes through uncharged", handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, wantStatus: 404, wantBody: "404 page not found\n"},
		{desc: "flush while buffering is harmless", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("a"))
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			_, _ = w.Write([]byte("b"))
		}, wantStatus: 200, wantBody: "ab", wantSettle: 1},
		{desc: "second WriteHeader is ignored", handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			w.WriteHeader(500)
			_, _ = w.Write([]byte("made"))
		}, wantStatus: 201, wantBody: "made", wantSettle: 1},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			tg.g.next = tc.handler
			rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
			if rec.Code != tc.wantStatus || rec.Body.String() != tc.wantBody || tg.fac.settleCalls.Load() != tc.wantSettle {
				t.Fatalf("status %d body %q settles %d", rec.Code, rec.Body.String(), tg.fac.settleCalls.Load())
			}
			if tc.wantSettle == 1 && rec.Header().Get(x402.HeaderPaymentResponse) == "" {
				t.Fatal("no receipt")
			}
		})
	}
}

func TestFailedSettlementDropsUpstreamHeaders(t *testing.T) {
	for _, mode := range []string{"fail", "pending", "down"} {
		mode := mode
		t.Run(mode, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			tg.fac.set("ok", mode)
			tg.g.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Set-Cookie", "session=paid-content")
				w.Header().Set("Content-Length", "6")
				w.Header().Set("X-Upstream", "1")
				_, _ = w.Write([]byte("secret"))
			})
			rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
			if rec.Code == 200 || strings.Contains(rec.Body.String(), "secret") {
				t.Fatalf("status %d body %q", rec.Code, rec.Body.String())
			}
			for _, h := range []string{"Set-Cookie", "Content-Length", "X-Upstream"} {
				if v := rec.Header().Get(h); v != "" {
					t.Errorf("upstream header %s=%q leaked into the refusal", h, v)
				}
			}
			if rec.Header().Get("Access-Control-Expose-Headers") == "" {
				t.Errorf("refusal lost the CORS expose header")
			}
		})
	}
}

// errUpstreamPanic is what the panicking upstream throws; the gate must let it through.
var errUpstreamPanic = errors.New("upstream exploded")

func TestUpstreamPanicReleasesTheAuthorization(t *testing.T) {
	tests := []struct {
		desc string
		path string
		// panicAfterWrite: the upstream writes part of its answer before panicking.
		panicAfterWrite bool
		wantSettles     int64  // settle calls by the panicking request
		wantReuse       int    // status of the same authorization sent again
		wantReuseReason string // reason of that answer, when refused
	}{
		{desc: "settle after: nothing settled, the authorization is free again", path: "/forecast/a", wantSettles: 0, wantReuse: 200},
		{desc: "settle after, panic mid-answer: still nothing settled", path: "/forecast/a", panicAfterWrite: true, wantSettles: 0, wantReuse: 200},
		{desc: "settle before: already settled, the retry gets the receipt, not a second answer", path: "/stream", wantSettles: 1, wantReuse: 409, wantReuseReason: x402.ReasonAnswerNotKept},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			ok := tg.g.next
			tg.g.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.panicAfterWrite {
					w.Header().Set("X-Partial", "1")
					_, _ = w.Write([]byte("half"))
				}
				panic(errUpstreamPanic)
			})
			hdr := map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
			var rec *httptest.ResponseRecorder
			got := func() (v any) {
				defer func() { v = recover() }()
				rec = tg.do("GET", base+tc.path, hdr)
				return nil
			}()
			// By its text: under Yaegi a panic raised by interpreted code (this test's
			// upstream) is recovered as a reflect.Value wrapping it.
			if got == nil || fmt.Sprint(got) != errUpstreamPanic.Error() {
				t.Fatalf("the upstream's panic did not reach the server: recovered %T %v", got, got)
			}
			if rec != nil {
				t.Fatalf("the gate answered %d instead of letting the panic through", rec.Code)
			}
			if n := tg.fac.settleCalls.Load(); n != tc.wantSettles {
				t.Fatalf("settle calls %d, want %d", n, tc.wantSettles)
			}
			tg.g.next = ok
			again := tg.do("GET", base+tc.path, hdr)
			if again.Code != tc.wantReuse {
				t.Fatalf("same authorization after the panic: %d %s", again.Code, again.Body.String())
			}
			if tc.wantReuseReason != "" && decodeRejection(t, again.Body.Bytes()).Reason != tc.wantReuseReason {
				t.Fatalf("reason %s", again.Body.String())
			}
		})
	}
}

// TestChallengeCacheByteBudget: any client can make every URL new, so what the
// challenge caches hold is bounded in bytes across all offers of a routes document,
// not only in entries per offer; every answer stays right whatever is cached.
func TestChallengeCacheByteBudget(t *testing.T) {
	ownCacheCount(t)
	doc := testDoc(1)
	tides := doc.Offers[0]
	tides.Name, tides.PathPrefix = "tides", "/services/tides"
	doc.Offers = append(doc.Offers, tides)
	tg := newTestGate(t, doc, nil)
	// A second gate on the same routes file serves the other offer from the same table.
	tg2 := newTestGate(t, nil, func(c *Config) { c.RoutesFile = tg.file; c.Offer = "shop/tides" })
	waitFor(t, "shared routes loaded", func() bool { return tg2.g.loader.table() != nil })
	tb := tg.g.loader.table()
	if tg2.g.loader.table() != tb {
		t.Fatal("test setup: the two gates do not share the routes table")
	}
	weather, tidesO := offerOf(tb, "shop/weather"), offerOf(tb, "shop/tides")
	check := func(step string) {
		t.Helper()
		_, b1 := cacheHeld(weather)
		_, b2 := cacheHeld(tidesO)
		if got := atomic.LoadInt64(challengeCacheBytes); got != b1+b2 || got > challengeCacheBudget || b1 < 0 || b2 < 0 {
			t.Fatalf("%s: the process counts %d bytes, the offers hold %d + %d, budget %d", step, got, b1, b2, challengeCacheBudget)
		}
	}
	pad := strings.Repeat("p", 900)
	const dontCare = -1
	cases := []struct {
		desc    string
		gate    *testGate
		prefix  string
		n       int
		query   string
		cached  int // 1: the last URL is in the cache afterwards, 0: it is not
		minHeld int // entries the offer holds at least afterwards
		budget  int64
	}{
		{desc: "a URL of 20 KiB is answered, not cached", gate: tg, prefix: "/services/weather", n: 1, query: strings.Repeat("q", 20<<10), cached: 0, budget: 16 << 20},
		{desc: "an offer caches while the document's budget has room", gate: tg2, prefix: "/services/tides", n: 1, query: pad, cached: 1, minHeld: 1, budget: 64 << 10},
		{desc: "1 KiB URLs fill the document's budget, not past it", gate: tg, prefix: "/services/weather", n: 200, query: pad, cached: 1, minHeld: 1},
		{desc: "the other offer gets room only from its own entries, the budget holds", gate: tg2, prefix: "/services/tides", n: 200, query: pad, cached: dontCare},
		{desc: "at 1,024 entries an offer starts over and gives its bytes back", gate: tg, prefix: "/services/weather", n: challengeCacheSize + 10, query: "s", cached: 1, minHeld: 1, budget: 16 << 20},
	}
	for ci, tc := range cases {
		if tc.budget != 0 {
			challengeCacheBudget = tc.budget
		}
		var key string
		for i := 0; i < tc.n; i++ {
			target := "http://example.test" + tc.prefix + "/forecast/a?c=" + strconv.Itoa(ci) + "&i=" + strconv.Itoa(i) + "&" + tc.query
			rec := tc.gate.do("GET", target, nil)
			if rec.Code != http.StatusPaymentRequired {
				t.Fatalf("%s: request %d: status %d", tc.desc, i, rec.Code)
			}
			if pr := decodePaymentRequired(t, rec.Header().Get(x402.HeaderPaymentRequired)); pr.Resource.URL != target {
				t.Fatalf("%s: request %d got the challenge of %q", tc.desc, i, pr.Resource.URL)
			}
			key = "GET " + target
			check(fmt.Sprintf("%s, request %d", tc.desc, i))
		}
		o := weather
		if tc.gate == tg2 {
			o = tidesO
		}
		o.fastMu.RLock()
		_, cached := o.fast[key]
		n := len(o.fast)
		o.fastMu.RUnlock()
		if (tc.cached != dontCare && cached != (tc.cached == 1)) || n < tc.minHeld || n > challengeCacheSize {
			t.Fatalf("%s: last URL cached %v (want %d), the offer holds %d entries (want %d..%d)", tc.desc, cached, tc.cached, n, tc.minHeld, challengeCacheSize)
		}
	}
}

// cacheHeld is what o's challenge cache holds: entries and bytes.
func cacheHeld(o *offer) (int, int64) {
	o.fastMu.RLock()
	defer o.fastMu.RUnlock()
	return len(o.fast), o.fastBytes
}

// ownCacheCount gives the test a challenge-cache count of its own, so tables other
// tests left in service (their loaders stop after a grace) do not move it, and
// restores the budget afterwards. Offers compiled before it keep the old count.
func ownCacheCount(t *testing.T) {
	t.Helper()
	savedBudget, savedCount := challengeCacheBudget, challengeCacheBytes
	challengeCacheBytes = new(int64)
	t.Cleanup(func() { challengeCacheBudget, challengeCacheBytes = savedBudget, savedCount })
}

// The challenge-cache budget is the process's, not one per routes table: a Traefik
// replica reading N shards holds N tables, and must not hold N budgets. A table that
// is replaced or whose loader stops gives its bytes back, and a request still in
// flight on a retired table cannot move the count.
func TestChallengeCacheBudgetSpansTables(t *testing.T) {
	ownCacheCount(t)
	shortGrace(t)
	shardA := newTestGate(t, testDoc(1), nil)
	shardB := newTestGate(t, testDoc(1), nil) // another routes file: another table
	if shardA.g.loader == shardB.g.loader {
		t.Fatal("test setup: the two gates share a loader")
	}
	offerIn := func(tg *testGate) *offer { return offerOf(tg.g.loader.table(), testOfferNS+"/"+testOffer) }
	counted := func() int64 { return atomic.LoadInt64(challengeCacheBytes) }
	pad := strings.Repeat("p", 900)
	ask := func(tg *testGate, i int) {
		t.Helper()
		target := "http://example.test/services/weather/forecast/a?i=" + strconv.Itoa(i) + "&" + pad
		if rec := tg.do("GET", target, nil); rec.Code != http.StatusPaymentRequired {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	oldA := offerIn(shardA)
	cases := []struct {
		desc string
		run  func()
		// want returns what the process should count, and what must hold beside it.
		want func() (int64, string)
	}{
		{
			desc: "one shard's offer fills the process's budget",
			run: func() {
				// Entries of one size (two-digit i): the budget holds ten and a half.
				ask(shardA, 10)
				_, one := cacheHeld(oldA)
				challengeCacheBudget = 10*one + one/2
				for i := 11; i < 20; i++ {
					ask(shardA, i)
				}
			},
			want: func() (int64, string) {
				n, b := cacheHeld(oldA)
				if n != 10 {
					return b, fmt.Sprintf("shard A holds %d entries, %d bytes, want 10", n, b)
				}
				return b, ""
			},
		},
		{
			desc: "another shard's table finds the budget spent and caches nothing",
			run:  func() { ask(shardB, 1000) },
			want: func() (int64, string) {
				_, a := cacheHeld(oldA)
				if n, _ := cacheHeld(offerIn(shardB)); n != 0 {
					return a, fmt.Sprintf("shard B cached %d entries past the process's budget", n)
				}
				return a, ""
			},
		},
		{
			desc: "a new routes document retires shard A's table and gives its bytes back",
			run: func() {
				writeDoc(t, shardA.file, testDoc(2))
				waitFor(t, "generation 2 loaded", func() bool { return shardA.g.loader.table().generation == 2 })
			},
			want: func() (int64, string) {
				if _, b := cacheHeld(oldA); b == 0 {
					return 0, "the retired offer lost its entries' count"
				}
				return 0, ""
			},
		},
		{
			desc: "a request still in flight on the retired table counts on its own",
			run: func() {
				req := httptest.NewRequest("GET", "http://example.test/services/weather/forecast/late", nil)
				req.RequestURI = req.URL.RequestURI()
				if fastChallenge(shardA.g, req, oldA) == nil {
					t.Fatal("the retired offer did not answer")
				}
			},
			want: func() (int64, string) { return 0, "" },
		},
		{
			desc: "with the budget free, shard B caches again",
			run:  func() { ask(shardB, 1001) },
			want: func() (int64, string) {
				n, b := cacheHeld(offerIn(shardB))
				if n != 1 {
					return b, fmt.Sprintf("shard B holds %d entries", n)
				}
				return b, ""
			},
		},
		{
			desc: "a loader that stops gives its table's bytes back",
			run: func() {
				shardB.stop()
				waitFor(t, "shard B's loader stopped", func() bool {
					reg.mu.Lock()
					defer reg.mu.Unlock()
					return reg.loaders[shardB.g.loader.name] != shardB.g.loader
				})
			},
			want: func() (int64, string) { return 0, "" },
		},
	}
	for _, tc := range cases {
		tc.run()
		want, problem := tc.want()
		if problem != "" {
			t.Fatalf("%s: %s", tc.desc, problem)
		}
		if got := counted(); got != want || got > challengeCacheBudget {
			t.Fatalf("%s: the process counts %d bytes, want %d (budget %d)", tc.desc, got, want, challengeCacheBudget)
		}
		// Operators see the same count on /metrics.
		var scrape strings.Builder
		if err := reg.metrics.Write(&scrape); err != nil {
			t.Fatal(err)
		}
		if line := "\nturnpike_challenge_cache_bytes " + strconv.FormatInt(want, 10) + "\n"; !strings.Contains(scrape.String(), line) {
			t.Fatalf("%s: /metrics lacks %q", tc.desc, strings.TrimSpace(line))
		}
	}
}
