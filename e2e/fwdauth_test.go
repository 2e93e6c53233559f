//go:build e2e || bench

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

// forwardAuthVerifier is the reference architecture the benchmark compares the gate
// with: Traefik's ForwardAuth middleware calls a small compiled service for every
// request, which makes the same checks as the gate (decode, match the one offered
// option, amount/payee/asset/network, time window, replay, facilitator verify) and,
// since ForwardAuth never sees the upstream's answer, settles before answering 200.
type forwardAuthVerifier struct {
	req       x402.Requirements
	challenge []byte // v2 PaymentRequired, JSON; sent as body and base64 header
	header    string
	fac       *x402.FacilitatorClient

	mu   sync.Mutex
	seen map[string]bool
}

func newForwardAuthVerifier(req x402.Requirements, resourceURL, facilitatorURL string) (*forwardAuthVerifier, error) {
	fac, err := x402.NewFacilitatorClient(facilitatorURL, nil)
	if err != nil {
		return nil, err
	}
	pr := x402.PaymentRequired{X402Version: 2, Error: "payment required", Resource: x402.ResourceInfo{URL: resourceURL}, Accepts: []x402.Requirements{req}}
	body, err := json.Marshal(pr)
	if err != nil {
		return nil, err
	}
	h, err := x402.EncodeHeader(pr)
	if err != nil {
		return nil, err
	}
	return &forwardAuthVerifier{req: req, challenge: body, header: h, fac: fac, seen: map[string]bool{}}, nil
}

func (v *forwardAuthVerifier) reject(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusPaymentRequired {
		w.Header().Set(x402.HeaderPaymentRequired, v.header)
		w.WriteHeader(status)
		_, _ = w.Write(v.challenge)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + reason + `"}`))
}

func (v *forwardAuthVerifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw := r.Header.Get(x402.HeaderPaymentSignature)
	if raw == "" {
		v.reject(w, http.StatusPaymentRequired, "payment_required")
		return
	}
	var p x402.PaymentPayload
	if err := x402.DecodeHeader(raw, 0, &p); err != nil || p.X402Version != 2 || p.Accepted == nil {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonInvalidPayload)
		return
	}
	a, auth := p.Accepted, p.Payload.Authorization
	if a.Scheme != v.req.Scheme || a.Network != v.req.Network || a.Amount != v.req.Amount ||
		!strings.EqualFold(a.Asset, v.req.Asset) || !strings.EqualFold(a.PayTo, v.req.PayTo) {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonInvalidRequirements)
		return
	}
	if !strings.EqualFold(auth.To, v.req.PayTo) || auth.Value != v.req.Amount {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonEVMValueMismatch)
		return
	}
	now := time.Now().Unix()
	after, err1 := strconv.ParseInt(auth.ValidAfter, 10, 64)
	before, err2 := strconv.ParseInt(auth.ValidBefore, 10, 64)
	if err1 != nil || err2 != nil || after > now || before < now+x402.ClockSkewMarginSeconds {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonEVMValidBefore)
		return
	}
	v.mu.Lock()
	replay := v.seen[auth.Nonce]
	v.seen[auth.Nonce] = true
	v.mu.Unlock()
	if replay {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonEVMNonceUsed)
		return
	}
	reqJSON, _ := json.Marshal(v.req)
	call := x402.VerifyRequest{X402Version: 2, PaymentPayload: json.RawMessage(mustJSON(p)), PaymentRequirements: reqJSON}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	vr, err := v.fac.Verify(ctx, call)
	if err != nil {
		v.reject(w, http.StatusServiceUnavailable, "facilitator_unavailable")
		return
	}
	if !vr.IsValid {
		v.reject(w, http.StatusPaymentRequired, vr.InvalidReason)
		return
	}
	sr, err := v.fac.Settle(ctx, call)
	if err != nil || !sr.Success {
		v.reject(w, http.StatusPaymentRequired, x402.ReasonUnexpectedSettleError)
		return
	}
	receipt, _ := x402.EncodeHeader(sr)
	w.Header().Set(x402.HeaderPaymentResponse, receipt)
	w.WriteHeader(http.StatusOK)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
