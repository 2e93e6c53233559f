//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestHostile is the attacker's suite through real Traefik with the gate under Yaegi,
// our facilitator and the dev chain: methods, payment header encodings, payment terms
// with real signatures, replays, free paths, forged payer headers and upstream
// failures. Every case asserts the status, the reason code where one is promised, the
// upstream calls on the case's own path and the transfers on chain.
func TestHostile(t *testing.T) {
	w := startReplicaWorld(t, 1, 0)
	h := &hostile{w: w, base: w.replicas[0], client: newLoadClient(8)}
	h.v1 = h.requirementsV1(t)
	cases := h.cases(t)
	if len(cases) < 150 {
		t.Fatalf("only %d hostile cases; the suite promises at least 150", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) { h.run(t, i, tc) })
	}
	t.Logf("%d hostile cases", len(cases))
}

type hostile struct {
	// releasedMark is the facilitator's released-claims count before a case whose
	// upstream fails.
	releasedMark float64
	w            *replicaWorld
	base         string
	client       *http.Client
	v1           x402.RequirementsV1
}

// hostileCase is one request (or a scripted few) and what it may cause.
type hostileCase struct {
	desc   string
	method string
	// path under /api; empty: a fresh paid path per case.
	path string
	// headers builds the request's headers (pairs); it may sign payments.
	headers func(t *testing.T) []string
	// wantStatus 0: any status that is not 2xx.
	wantStatus int
	wantReason string
	// wantUpstream and wantTransfers are counts for this case's path and the seller.
	wantUpstream, wantTransfers int
	// check runs extra assertions after the request.
	check func(t *testing.T, path string, a answer)
	// before runs first, outside what the case is charged with (e.g. it spends the
	// payment on another path).
	before func(t *testing.T)
	// copies > 1 sends the same request that many times at once; every paid answer
	// among them must carry one and the same transaction.
	copies int
}

func (h *hostile) run(t *testing.T, i int, tc hostileCase) {
	path := tc.path
	if path == "" {
		path = fmt.Sprintf("/api/h/%d", i)
	}
	if tc.before != nil {
		tc.before(t)
	}
	var hdr []string
	if tc.headers != nil {
		hdr = tc.headers(t)
	}
	hitsBefore := h.w.up.PathHits(path)
	sellerBefore := h.w.balance(t, h.w.seller)
	method := tc.method
	if method == "" {
		method = http.MethodGet
	}
	var a answer
	if tc.copies > 1 {
		a = h.storm(t, method, path, hdr, tc.copies)
	} else {
		a = h.do(t, method, path, hdr)
	}
	if tc.wantStatus == 0 && a.Status >= 200 && a.Status < 300 {
		t.Errorf("%s %s: %s, want a refusal", method, path, a)
	}
	if tc.wantStatus != 0 && a.Status != tc.wantStatus {
		t.Errorf("%s %s: %s, want status %d", method, path, a, tc.wantStatus)
	}
	if tc.wantReason != "" && method != http.MethodHead {
		if got := reasonIn(a.Body); got != tc.wantReason {
			t.Errorf("reason %q, want %q (%s)", got, tc.wantReason, a)
		}
	}
	if got := h.w.up.PathHits(path) - hitsBefore; got != tc.wantUpstream {
		t.Errorf("upstream calls on %s: %d, want %d", path, got, tc.wantUpstream)
	}
	delta := new(big.Int).Sub(h.w.balance(t, h.w.seller), sellerBefore)
	if want := big.NewInt(int64(tc.wantTransfers) * 10_000); delta.Cmp(want) != 0 {
		t.Errorf("seller received %s on chain, want %s", delta, want)
	}
	if tc.check != nil {
		tc.check(t, path, a)
	}
}

func (h *hostile) do(t *testing.T, method, path string, hdr []string) answer {
	t.Helper()
	req, err := http.NewRequest(method, h.base+path, nil)
	must(t, err, "request")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := h.client.Do(req)
	must(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// storm sends one request copies times at once and returns a paid answer if any
// (else the first); it fails when paid answers name different transactions.
func (h *hostile) storm(t *testing.T, method, path string, hdr []string, copies int) answer {
	t.Helper()
	answers := make([]answer, copies)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			req, err := http.NewRequest(method, h.base+path, nil)
			if err != nil {
				answers[i] = answer{Status: -1}
				return
			}
			for j := 0; j+1 < len(hdr); j += 2 {
				req.Header.Add(hdr[j], hdr[j+1])
			}
			resp, err := h.client.Do(req)
			if err != nil {
				answers[i] = answer{Status: -1, Body: []byte(err.Error())}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			answers[i] = answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
		}()
	}
	close(gate)
	wg.Wait()
	txs := map[string]bool{}
	paid := -1
	for i, a := range answers {
		if a.Status == http.StatusOK {
			paid = i
			r := a.Header.Get(x402.HeaderPaymentResponse)
			if r == "" {
				r = a.Header.Get(x402.HeaderXPaymentResponse) // v1
			}
			txs[receipt(t, r).Transaction] = true
		}
	}
	if len(txs) > 1 {
		t.Errorf("%d copies of one payment were answered with %d different transactions", copies, len(txs))
	}
	if paid >= 0 {
		return answers[paid]
	}
	return answers[0]
}

// released reads turnpike_facilitator_claims_total{outcome="released"}.
func (h *hostile) released(t *testing.T) float64 {
	v, _ := metricValue(scrapeMetrics(t, h.w.fac.url+"/metrics"), "turnpike_facilitator_claims_total", map[string]string{"outcome": "released"})
	return v
}

func (h *hostile) requirementsV1(t *testing.T) x402.RequirementsV1 {
	a := get(t, h.base+"/api/item")
	_, v1 := challenge(t, a)
	return firstV1(v1)
}

// terms describes how a payment deviates from the honest one.
type terms struct {
	signReq  func(r *x402.Requirements)
	opts     func(o *eip3009.PaymentOptions)
	wire     func(p *x402.PaymentPayload)
	unfunded bool
}

// pay signs a payment (v2 or v1) with optional deviations and encodes it with enc.
func (h *hostile) pay(t *testing.T, version int, tm terms, enc func([]byte) string) string {
	t.Helper()
	key := h.w.buyer
	if tm.unfunded {
		k, err := crypto.GenerateKey()
		must(t, err, "key")
		key = k
	}
	var opts eip3009.PaymentOptions
	if tm.opts != nil {
		tm.opts(&opts)
	}
	var p x402.PaymentPayload
	var err error
	if version == 1 {
		r := h.v1
		if tm.signReq != nil {
			r2 := x402.Requirements{Scheme: r.Scheme, Network: r.Network, Amount: r.MaxAmountRequired, Asset: r.Asset, PayTo: r.PayTo, MaxTimeoutSeconds: r.MaxTimeoutSeconds, Extra: r.Extra}
			tm.signReq(&r2)
			r.PayTo, r.MaxAmountRequired, r.Asset, r.Extra = r2.PayTo, r2.Amount, r2.Asset, r2.Extra
		}
		p, err = eip3009.NewPaymentV1(key, r, opts)
	} else {
		r := h.w.accepted
		if tm.signReq != nil {
			tm.signReq(&r)
		}
		p, err = eip3009.NewPayment(key, r, &x402.ResourceInfo{URL: h.base + "/api/item"}, opts)
		acc := h.w.accepted // echo the honest requirement: only the signed terms differ
		p.Accepted = &acc
	}
	must(t, err, "sign")
	if tm.wire != nil {
		tm.wire(&p)
	}
	raw, err := json.Marshal(p)
	must(t, err, "marshal")
	if enc == nil {
		enc = base64.StdEncoding.EncodeToString
	}
	return enc(raw)
}

func headerName(version int) string {
	if version == 1 {
		return x402.HeaderXPayment
	}
	return x402.HeaderPaymentSignature
}

func (h *hostile) cases(t *testing.T) []hostileCase {
	var cs []hostileCase
	honest := func(version int) func(t *testing.T) []string {
		return func(t *testing.T) []string {
			return []string{headerName(version), h.pay(t, version, terms{}, nil)}
		}
	}
	now := time.Now().Unix()

	// Unpaid requests: every method on a paid, a free and a streamed path.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "PROPFIND", "OPTIONS", "BREW"} {
		cs = append(cs,
			hostileCase{desc: "unpaid " + m + " on a paid path", method: m, wantStatus: http.StatusPaymentRequired},
			hostileCase{desc: "unpaid " + m + " on a free path", method: m, path: "/api/free/" + strings.ToLower(m), wantStatus: http.StatusOK, wantUpstream: 1},
			hostileCase{desc: "unpaid " + m + " on a stream path", method: m, path: "/api/sse/" + strings.ToLower(m), wantStatus: http.StatusPaymentRequired},
		)
	}
	// Honest payments with every method that carries one, both versions.
	for _, v := range []int{2, 1} {
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
			cs = append(cs, hostileCase{desc: fmt.Sprintf("v%d honest payment %s", v, m), method: m, headers: honest(v),
				wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1})
		}
	}

	// Encodings of an honest payment: the lenient codec takes every base64 alphabet and
	// padding; anything else is a 400 that costs nothing.
	type encCase struct {
		desc   string
		enc    func([]byte) string
		ok     bool
		status int
		reason string
	}
	encs := []encCase{
		{desc: "standard base64 padded", enc: base64.StdEncoding.EncodeToString, ok: true},
		{desc: "standard base64 unpadded", enc: base64.RawStdEncoding.EncodeToString, ok: true},
		{desc: "URL-safe base64 padded", enc: base64.URLEncoding.EncodeToString, ok: true},
		{desc: "URL-safe base64 unpadded", enc: base64.RawURLEncoding.EncodeToString, ok: true},
		{desc: "base64 with an inner space", enc: func(b []byte) string { s := base64.StdEncoding.EncodeToString(b); return s[:10] + " " + s[10:] }, status: 400, reason: "invalid_payment_header"},
		{desc: "truncated base64", enc: func(b []byte) string { s := base64.StdEncoding.EncodeToString(b); return s[:len(s)/2+1] }, status: 400, reason: "invalid_payment_header"},
		{desc: "base64 with a foreign character", enc: func(b []byte) string { return "*" + base64.StdEncoding.EncodeToString(b) }, status: 400, reason: "invalid_payment_header"},
		{desc: "plain JSON, not base64", enc: func(b []byte) string { return string(b) }, status: 400, reason: "invalid_payment_header"},
		{desc: "JSON with trailing garbage", enc: func(b []byte) string { return base64.StdEncoding.EncodeToString(append(b, []byte("xx")...)) }, status: 400, reason: "invalid_payment_header"},
		{desc: "payload doubled (two JSON objects)", enc: func(b []byte) string { return base64.StdEncoding.EncodeToString(append(append([]byte{}, b...), b...)) }, status: 400, reason: "invalid_payment_header"},
		{desc: "oversized header (24 KiB)", enc: func(b []byte) string {
			return base64.StdEncoding.EncodeToString(append(b[:len(b)-1], []byte(`,"pad":"`+strings.Repeat("a", 24<<10)+`"}`)...))
		}},
		{desc: "duplicate key in the authorization", enc: func(b []byte) string {
			s := strings.Replace(string(b), `"from":`, `"from":"0x0000000000000000000000000000000000000bad","from":`, 1)
			return base64.StdEncoding.EncodeToString([]byte(s))
		}, status: 400},
		{desc: "key spelled in another case", enc: func(b []byte) string {
			return base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(b), `"nonce":`, `"Nonce":`, 1)))
		}, status: 400},
	}
	for _, v := range []int{2, 1} {
		for _, e := range encs {
			tc := hostileCase{desc: fmt.Sprintf("v%d %s", v, e.desc), wantStatus: e.status, wantReason: e.reason}
			enc := e.enc
			tc.headers = func(t *testing.T) []string { return []string{headerName(v), h.pay(t, v, terms{}, enc)} }
			if e.ok {
				tc.wantStatus, tc.wantUpstream, tc.wantTransfers = http.StatusOK, 1, 1
			}
			cs = append(cs, tc)
		}
	}
	for _, raw := range []struct{ desc, json, reason string }{
		{"JSON null", `null`, ""},
		{"JSON array", `[]`, "invalid_payment_header"},
		{"JSON string", `"pay me"`, "invalid_payment_header"},
		{"empty object", `{}`, ""},
		{"x402Version 3", `{"x402Version":3}`, "invalid_x402_version"},
		{"x402Version as a string", `{"x402Version":"2"}`, "invalid_payment_header"},
		{"deeply nested", strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000), ""},
		{"huge number", `{"x402Version":1e400}`, "invalid_payment_header"},
	} {
		value := base64.StdEncoding.EncodeToString([]byte(raw.json))
		cs = append(cs, hostileCase{desc: "payload " + raw.desc, wantReason: raw.reason,
			headers: func(t *testing.T) []string { return []string{x402.HeaderPaymentSignature, value} }})
	}
	cs = append(cs,
		hostileCase{desc: "empty payment header", headers: func(t *testing.T) []string { return []string{x402.HeaderPaymentSignature, ""} }},
		// The first PAYMENT-SIGNATURE value pays; nothing else is charged.
		hostileCase{desc: "two different payments in two header lines", headers: func(t *testing.T) []string {
			return []string{x402.HeaderPaymentSignature, h.pay(t, 2, terms{}, nil), x402.HeaderPaymentSignature, h.pay(t, 2, terms{}, nil)}
		}, wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1},
		hostileCase{desc: "v2 and v1 payments together", headers: func(t *testing.T) []string {
			return []string{x402.HeaderPaymentSignature, h.pay(t, 2, terms{}, nil), x402.HeaderXPayment, h.pay(t, 1, terms{}, nil)}
		}, wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1},
	)

	// Payment terms, really signed: only the exact terms of an offered requirement pass.
	other := common.HexToAddress("0x00000000000000000000000000000000000b0b0b").Hex()
	type termCase struct {
		desc   string
		tm     terms
		reason string
		v2only bool
	}
	amount := func(s string) terms {
		return terms{wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.Value = s }}
	}
	termCases := []termCase{
		{desc: "signed to another payee", tm: terms{signReq: func(r *x402.Requirements) { r.PayTo = other }}, reason: "recipient_mismatch"},
		{desc: "signed for less", tm: terms{signReq: func(r *x402.Requirements) { r.Amount = "9999" }}, reason: "amount_mismatch"},
		{desc: "signed for more", tm: terms{signReq: func(r *x402.Requirements) { r.Amount = "10001" }}, reason: "amount_mismatch"},
		{desc: "amount with a leading zero", tm: amount("010000"), reason: "amount_mismatch"},
		{desc: "amount with a plus sign", tm: amount("+10000"), reason: "amount_mismatch"},
		{desc: "amount in exponent form", tm: amount("1e4"), reason: "amount_mismatch"},
		{desc: "amount in hex", tm: amount("0x2710"), reason: "amount_mismatch"},
		{desc: "negative amount", tm: amount("-10000"), reason: "amount_mismatch"},
		{desc: "decimal amount", tm: amount("10000.0"), reason: "amount_mismatch"},
		{desc: "empty amount", tm: amount(""), reason: "amount_mismatch"},
		{desc: "amount past 2^256", tm: amount("1" + strings.Repeat("0", 80)), reason: "amount_mismatch"},
		{desc: "value tampered after signing (signed 20000)", tm: terms{signReq: func(r *x402.Requirements) { r.Amount = "20000" },
			wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.Value = "10000" }}, reason: "payment_invalid"},
		{desc: "payee tampered after signing", tm: terms{signReq: func(r *x402.Requirements) { r.PayTo = other },
			wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.To = h.w.accepted.PayTo }}, reason: "payment_invalid"},
		{desc: "valid only in the future", tm: terms{opts: func(o *eip3009.PaymentOptions) { o.ValidAfter = big.NewInt(now + 3600) }}, reason: "authorization_not_yet_valid"},
		{desc: "expired", tm: terms{opts: func(o *eip3009.PaymentOptions) { o.ValidBefore = big.NewInt(now - 10) }}, reason: "authorization_expired"},
		{desc: "expires within the clock-skew margin", tm: terms{opts: func(o *eip3009.PaymentOptions) { o.ValidBefore = big.NewInt(time.Now().Unix() + 3) }}, reason: "authorization_expired"},
		{desc: "valid for a day", tm: terms{opts: func(o *eip3009.PaymentOptions) { o.ValidBefore = big.NewInt(now + 86400) }}, reason: "authorization_validity_too_long"},
		{desc: "valid for ten years", tm: terms{opts: func(o *eip3009.PaymentOptions) { o.ValidBefore = big.NewInt(now + 10*365*86400) }}, reason: "authorization_validity_too_long"},
		{desc: "payer address malformed", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.From = "0x1234" }}, reason: "invalid_authorization"},
		{desc: "nonce too short", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.Nonce = "0x01" }}, reason: "invalid_authorization"},
		{desc: "nonce not hex", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.Nonce = "0x" + strings.Repeat("zz", 32) }}, reason: "invalid_authorization"},
		{desc: "validBefore not decimal", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Authorization.ValidBefore = "0x10" }}, reason: "invalid_authorization"},
		{desc: "signature by another key", tm: terms{wire: func(p *x402.PaymentPayload) {
			p.Payload.Authorization.From = other
		}}, reason: "payment_invalid"},
		{desc: "signature truncated", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Signature = p.Payload.Signature[:60] }}, reason: "payment_invalid"},
		{desc: "signature all zeros", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Signature = "0x" + strings.Repeat("00", 65) }}, reason: "payment_invalid"},
		{desc: "signature missing", tm: terms{wire: func(p *x402.PaymentPayload) { p.Payload.Signature = "" }}, reason: "payment_invalid"},
		{desc: "signed for another chain", v2only: true, tm: terms{signReq: func(r *x402.Requirements) { r.Network = "eip155:1" }}, reason: "payment_invalid"},
		{desc: "signed for another token contract", tm: terms{signReq: func(r *x402.Requirements) { r.Asset = other }}, reason: "payment_invalid"},
		{desc: "payer without funds", tm: terms{unfunded: true}, reason: "payment_invalid"},
		{desc: "accepted names another asset", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { a := *p.Accepted; a.Asset = other; p.Accepted = &a }}, reason: "no_matching_requirement"},
		{desc: "accepted names another network", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { a := *p.Accepted; a.Network = "eip155:1"; p.Accepted = &a }}, reason: "no_matching_requirement"},
		{desc: "accepted names a lower price", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { a := *p.Accepted; a.Amount = "1"; p.Accepted = &a }}, reason: "no_matching_requirement"},
		{desc: "accepted names another scheme", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { a := *p.Accepted; a.Scheme = "upto"; p.Accepted = &a }}, reason: "no_matching_requirement"},
		{desc: "accepted with a longer timeout", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { a := *p.Accepted; a.MaxTimeoutSeconds = 86400; p.Accepted = &a }}, reason: "no_matching_requirement"},
		{desc: "accepted with another token name", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) {
			a := *p.Accepted
			a.Extra = json.RawMessage(`{"name":"Fake","version":"1"}`)
			p.Accepted = &a
		}}, reason: "no_matching_requirement"},
		{desc: "accepted missing", v2only: true, tm: terms{wire: func(p *x402.PaymentPayload) { p.Accepted = nil }}, reason: "no_matching_requirement"},
		{desc: "v1 network name unknown", tm: terms{wire: func(p *x402.PaymentPayload) {
			if p.X402Version == 1 {
				p.Network = "base"
			} else {
				a := *p.Accepted
				a.Network = "base"
				p.Accepted = &a
			}
		}}, reason: "no_matching_requirement"},
	}
	for _, v := range []int{2, 1} {
		for _, tcase := range termCases {
			if tcase.v2only && v == 1 {
				continue
			}
			tm := tcase.tm
			cs = append(cs, hostileCase{desc: fmt.Sprintf("v%d %s", v, tcase.desc), wantReason: tcase.reason,
				headers: func(t *testing.T) []string { return []string{headerName(v), h.pay(t, v, tm, nil)} }})
		}
	}

	// Replays and reuse.
	for _, v := range []int{2, 1} {
		var spent string
		var spentOnce sync.Once
		spend := func(t *testing.T) string {
			spentOnce.Do(func() {
				spent = h.pay(t, v, terms{}, nil)
				a := h.do(t, http.MethodGet, fmt.Sprintf("/api/spent-v%d", v), []string{headerName(v), spent})
				if a.Status != http.StatusOK {
					t.Fatalf("spending the payment: %s", a)
				}
			})
			return spent
		}
		cs = append(cs,
			hostileCase{desc: fmt.Sprintf("v%d settled payment reused for another path", v),
				before:  func(t *testing.T) { spend(t) },
				headers: func(t *testing.T) []string { return []string{headerName(v), spend(t)} }},
			hostileCase{desc: fmt.Sprintf("v%d settled payment reused on a free path costs nothing", v), path: fmt.Sprintf("/api/free/reuse-v%d", v),
				before:     func(t *testing.T) { spend(t) },
				headers:    func(t *testing.T) []string { return []string{headerName(v), spend(t)} },
				wantStatus: http.StatusOK, wantUpstream: 1,
				check: func(t *testing.T, path string, _ answer) {
					if got := h.w.up.Header(path, headerName(v)); len(got) != 0 {
						t.Errorf("the payment header reached the free upstream: %q", got)
					}
				}},
		)
		var failed string
		var failedOnce sync.Once
		failFirst := func(t *testing.T) string {
			failedOnce.Do(func() { failed = h.pay(t, v, terms{}, nil) })
			return failed
		}
		cs = append(cs,
			hostileCase{desc: fmt.Sprintf("v%d upstream error: passed through, nothing charged", v), path: fmt.Sprintf("/api/fail/v%d", v),
				before:  func(t *testing.T) { h.releasedMark = h.released(t) },
				headers: func(t *testing.T) []string { return []string{headerName(v), failFirst(t)} }, wantStatus: http.StatusInternalServerError, wantUpstream: 1},
			// The gate releases the facilitator's claim in the background after the
			// upstream error (until then a reuse is told to retry in a few seconds).
			hostileCase{desc: fmt.Sprintf("v%d the same payment then buys an answer", v),
				before: func(t *testing.T) {
					testutil.Eventually(t, 15*time.Second, "the claim is released", func() string {
						if n := h.released(t); n <= h.releasedMark {
							return fmt.Sprintf("released claims %v", n)
						}
						return ""
					})
				},
				headers: func(t *testing.T) []string { return []string{headerName(v), failFirst(t)} }, wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1},
			hostileCase{desc: fmt.Sprintf("v%d stream settles before the upstream", v), path: fmt.Sprintf("/api/sse/paid-v%d", v),
				headers: honest(v), wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1},
		)
	}
	for _, v := range []int{2, 1} {
		cs = append(cs, hostileCase{desc: fmt.Sprintf("v%d storm: one payment sent 40 times at once", v), copies: 40,
			wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1, headers: honest(v)})
	}

	// Forged payer headers: the upstream sees the verified payer only.
	payer := crypto.PubkeyToAddress(h.w.buyer.PublicKey).Hex()
	for _, name := range []string{"X-Turnpike-Payer", "x-turnpike-payer", "X_Turnpike_Payer", "x_turnpike_payer"} {
		forged := name
		cs = append(cs,
			hostileCase{desc: "forged " + forged + " on a paid request", wantStatus: http.StatusOK, wantUpstream: 1, wantTransfers: 1,
				headers: func(t *testing.T) []string {
					return []string{forged, "0x000000000000000000000000000000000000dead", x402.HeaderPaymentSignature, h.pay(t, 2, terms{}, nil)}
				},
				check: func(t *testing.T, path string, _ answer) {
					if got := h.w.up.Header(path, "X-Turnpike-Payer"); len(got) != 1 || !strings.EqualFold(got[0], payer) {
						t.Errorf("upstream saw payer %q, want only %s", got, payer)
					}
					if got := h.w.up.Header(path, "X_Turnpike_Payer"); len(got) != 0 {
						t.Errorf("upstream saw the forged underscore spelling %q", got)
					}
				}},
			hostileCase{desc: "forged " + forged + " on a free path", path: "/api/free/forged-" + strings.ToLower(forged), wantStatus: http.StatusOK, wantUpstream: 1,
				headers: func(t *testing.T) []string { return []string{forged, "0x000000000000000000000000000000000000dead"} },
				check: func(t *testing.T, path string, _ answer) {
					if got := h.w.up.Header(path, "X-Turnpike-Payer"); len(got) != 0 {
						t.Errorf("upstream saw a forged payer %q", got)
					}
					if got := h.w.up.Header(path, "X_Turnpike_Payer"); len(got) != 0 {
						t.Errorf("upstream saw the forged underscore spelling %q", got)
					}
				}},
		)
	}
	return cs
}
