package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

var newline = []byte("\n")

// reject answers a refusal that is not a 402 with an x402.ErrorBody.
func reject(rw http.ResponseWriter, status int, code, msg string) {
	body, _ := json.Marshal(x402.NewErrorBody(code, msg))
	h := rw.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
	_, _ = rw.Write(newline)
}

// settle calls the facilitator. On success it returns the encoded receipt; on failure
// settleFailed has answered rw (content withheld) and ok is false. The call does not
// depend on the buyer's connection: its context (st.ctx, made by verifyPayment) only
// keeps the request's values, the client's settle timeout bounds it.
//
// The success path is charged's, written out with the settle's latency and the charge
// counted together (metrics.Settled): under Yaegi each call is a frame and its value
// slots on every paid request. Keep the two alike.
func settle(st *payment, rw http.ResponseWriter) (string, bool) {
	start := time.Now()
	var res x402.SettleResponse
	err := x402.SettleInto(st.g.fac.client, st.ctx, st.body, st.attempt, &res)
	if err != nil || !res.Success {
		settleRefused(st, rw, &res, err, time.Since(start))
		return "", false
	}
	if res.Network == "" {
		res.Network = receiptNetwork(st)
	}
	receipt, _ := x402.EncodeHeader(&res)
	replay.Settle(st.g.replay, st.key)
	metrics.Settled(st.sr, time.Since(start), st.opt.Amount, st.opt.Decimals, st.g.now())
	return receipt, true
}

// settleRefused times a settle that did not succeed and answers it. (Out of settle:
// Yaegi allocates the value slots of a function's untaken branches too.)
func settleRefused(st *payment, rw http.ResponseWriter, res *x402.SettleResponse, err error, d time.Duration) {
	metrics.Observe(st.sr, metrics.OpSettle, d)
	settleFailed(st, rw, res, err)
}

// charged records a settled payment exactly once (at settle, or when reconciliation
// finds it settled) and returns its receipt. settle writes the same out for its own
// success.
func charged(st *payment, res *x402.SettleResponse) string {
	if res.Network == "" {
		res.Network = receiptNetwork(st)
	}
	// Through the pointer: the same JSON, without copying the interpreted struct.
	receipt, _ := x402.EncodeHeader(res)
	replay.Settle(st.g.replay, st.key)
	metrics.Charge(st.sr, st.opt.Amount, st.opt.Decimals, st.g.now())
	return receipt
}

// outcomeUnknown: the settle call does not say whether money moved (no usable answer,
// a pending broadcast, or an unexpected error that may have come after the broadcast).
func outcomeUnknown(res *x402.SettleResponse, err error) bool {
	return err != nil || res.ErrorReason == x402.ReasonSettlementPending || res.ErrorReason == x402.ReasonUnexpectedSettleError
}

// resetHeaders drops whatever the upstream set before a failure is answered, and
// puts back the offer's cross-origin headers that ServeHTTP had set.
func resetHeaders(st *payment, h http.Header) {
	for k := range h {
		delete(h, k)
	}
	cors.Apply(st.cors, h, st.req.Header[hkOrigin])
}

func receiptNetwork(st *payment) string {
	if st.version == x402.V1 {
		return st.opt.V1Name
	}
	return st.opt.Req.Network
}

// settleFailed answers a settlement that did not happen: 503 when the facilitator gave
// no usable answer, else 402 with the failed receipt and the challenge again.
// settlement_pending (broadcast, unconfirmed) is never retried and the authorization
// is never accepted again: the hash lets the buyer reconcile.
func settleFailed(st *payment, rw http.ResponseWriter, res *x402.SettleResponse, err error) {
	if outcomeUnknown(res, err) {
		// Before the headers are reset: the upstream's answer is kept for the retry.
		keepUnknown(st, res, err)
	}
	if st.upstreamHeaders {
		resetHeaders(st, rw.Header())
	}
	sr := st.sr
	if err != nil || res.ErrorReason == x402.ReasonUnexpectedSettleError {
		metrics.Fail(sr, x402.ReasonSettlementUnknown)
		rw.Header()[hkRetryAfter] = []string{"5"}
		reject(rw, http.StatusServiceUnavailable, x402.ReasonSettlementUnknown, msgSettlementUnknown)
		return
	}
	if res.Network == "" {
		res.Network = receiptNetwork(st)
	}
	receipt, _ := x402.EncodeHeader(*res)
	rw.Header().Set(st.receiptHeader, receipt)
	if res.ErrorReason == x402.ReasonSettlementPending {
		metrics.Fail(sr, x402.ReasonSettlementPending)
		challenge.WriteRefusal(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, challenge.Refusal{Error: x402.ReasonSettlementPending,
			Reason: x402.ReasonSettlementPending,
			Message: "the payment was broadcast as transaction " + res.Transaction +
				" but not confirmed in time and the content was withheld; the gate keeps reconciling it: retry with the SAME payment header for the same request to get the answer once it confirms; do not pay again before checking the transaction"})
		return
	}
	metrics.Fail(sr, x402.ReasonSettlementFailed)
	msg := "settlement failed: " + res.ErrorReason
	if res.ErrorMessage != "" {
		msg += " (" + res.ErrorMessage + ")"
	}
	challenge.WriteRefusal(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, challenge.Refusal{Error: res.ErrorReason, Reason: x402.ReasonSettlementFailed,
		Message: msg + "; nothing was charged and the content was withheld"})
}

const msgSettlementUnknown = "the payment was verified but the facilitator gave no usable settle answer, so the payment may have been taken; " +
	"the gate keeps reconciling it and never accepts this authorization for another request. " +
	"Retry with the SAME payment header for the same request (method and URL) in a few seconds to get the answer; do not sign a new payment for it"

// keepUnknown handles a settle outcome nobody knows yet: the authorization stays
// refused locally (never released for reuse), the answer is kept for the retry, and
// settle is repeated by the same attempt in the background until it is known.
func keepUnknown(st *payment, res *x402.SettleResponse, err error) {
	st.keep = true
	replay.Settle(st.g.replay, st.key)
	rememberAnswer(st, answers.Pending, "")
	if err != nil {
		log.Printf("turnpike: %s: settle outcome unknown, reconciling: %v", st.g.name, err)
	} else {
		log.Printf("turnpike: %s: settle outcome unknown (%s: %s), reconciling", st.g.name, res.ErrorReason, res.ErrorMessage)
	}
	go reconcile(st)
}

// reconcileDelays are the waits before each repeated settle of an unknown outcome
// (about a minute in all; tests shorten them).
var reconcileDelays = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 30 * time.Second}

// reconcile repeats /settle with the same attempt (the Turnpike facilitator answers a
// repeat idempotently) until the outcome is known, and counts the charge once.
func reconcile(st *payment) {
	g := st.g
	for i := 0; i < len(reconcileDelays); i++ {
		time.Sleep(reconcileDelays[i])
		res, err := x402.SettleEncodedWith(g.fac.client, context.Background(), st.body, st.attempt)
		if err != nil || (!res.Success && outcomeUnknown(&res, nil)) {
			continue
		}
		if res.Success {
			answers.Resolve(g.answers, st.key, charged(st, &res))
			log.Printf("turnpike: %s: reconciled: settled as %s", g.name, res.Transaction)
			return
		}
		// A definite refusal. The first call may still have moved the money (a
		// facilitator without claims refuses a used nonce), so the authorization
		// stays refused and the retry is told the truth.
		if res.Network == "" {
			res.Network = receiptNetwork(st)
		}
		receipt, _ := x402.EncodeHeader(res)
		answers.Fail(g.answers, st.key, receipt)
		log.Printf("turnpike: %s: reconcile: settle refused (%s: %s); not counted as charged", g.name, res.ErrorReason, res.ErrorMessage)
		return
	}
	log.Printf("turnpike: %s: reconcile gave up after %d attempts; the outcome of the payment stays unknown", g.name, len(reconcileDelays))
}

// rememberAnswer keeps what a paid request was answered (or will be, for a pending
// outcome) for a retry of the same payment. finishBuffered writes the entry of a
// complete buffered answer itself (the common settle-after end): keep the two alike.
func rememberAnswer(st *payment, state int, receipt string) {
	e := &answers.Entry{Request: st.req.Method + " " + st.req.RequestURI, State: state, Receipt: receipt, ValidBefore: st.validBefore}
	if b := st.bw; b != nil {
		e.Served = true
		if b.complete {
			e.Kept = true
			e.Status = b.status
			e.Header = b.h.Clone()
			e.Body = b.body
		}
	} else {
		e.Served = state == answers.Settled
	}
	answers.Put(st.g.answers, st.key, e, st.now.Unix())
}

// serveRetry answers a retry of a payment this process already handled, without
// calling the facilitator, and the upstream only for a settle-before payment whose
// first request never reached it.
func serveRetry(p *payment) {
	e := p.retry
	rw := p.rw
	h := rw.Header()
	switch {
	case e.State == answers.Pending:
		h[hkRetryAfter] = []string{"5"}
		reject(rw, http.StatusServiceUnavailable, x402.ReasonSettlementUnknown, msgSettlementUnknown)
	case e.State == answers.Failed:
		h[p.receiptHeader] = []string{e.Receipt}
		reject(rw, http.StatusConflict, x402.ReasonSettlementFailed,
			"the settlement of this payment could not be confirmed and the facilitator refused to repeat it; the content was withheld. "+
				"If the transfer shows on chain, contact the seller with the receipt in "+p.receiptHeader+"; otherwise sign a new authorization")
	case e.Kept:
		for k, v := range e.Header {
			h[k] = v
		}
		// The kept headers hold the first request's Allow-Origin; this one's counts.
		cors.Enforce(p.cors, h, p.req.Header[hkOrigin])
		applyReceipt(h, p.receiptHeader, e.Receipt)
		rw.WriteHeader(e.Status)
		_, _ = rw.Write(e.Body)
	case !e.Served && answers.TakeServe(p.g.answers, p.retryKey):
		serveLate(p)
	default:
		applyReceipt(h, p.receiptHeader, e.Receipt)
		reject(rw, http.StatusConflict, x402.ReasonAnswerNotKept,
			"this payment was settled (receipt in "+p.receiptHeader+") and its answer was streamed to the first request; a streamed or oversized answer is not kept, so it cannot be sent again")
	}
}

// serveLate serves a settle-before payment whose settle outcome was unknown when it
// arrived: reconciliation found it settled, the upstream never answered it, so this
// retry gets the one answer it paid for.
func serveLate(p *payment) {
	req := p.req
	stripPaymentHeaders(p.g, req)
	if p.g.s.payerHeader != "" {
		req.Header[p.g.s.payerHeader] = []string{p.pl.Payload.Authorization.From}
	}
	applyReceipt(p.rw.Header(), p.receiptHeader, p.retry.Receipt)
	p.g.next.ServeHTTP(p.rw, req)
}

// applyReceipt sets the receipt header (name is canonical) on a paid response.
func applyReceipt(h http.Header, name, receipt string) {
	h[name] = []string{receipt}
	h[hkCacheControl] = hvPrivateNoStore
	// Expose-Headers is the CORS policy's (set at the entry, enforced on commit), so
	// an upstream's own exposed headers add to it instead of being replaced.
}

var hvPrivateNoStore = []string{"private, no-store"}

var errWithheld = errors.New("turnpike: response withheld because settlement failed")

// bufferedWriter keeps the upstream's answer until the payment is settled (the
// default "settle after"): status >= 400 is passed through without charging, a failed
// settlement withholds the content. A response larger than max is settled when the
// cap is reached and then streamed.
//
// The upstream writes its headers straight into the real header map (copying them
// later would be an interpreted loop on every paid request); a failure clears them
// before answering.
type bufferedWriter struct {
	rw          http.ResponseWriter
	st          *payment
	h           http.Header // rw.Header()
	body        []byte      // the buffered answer
	max         int
	status      int
	wroteHeader bool
	complete    bool // the upstream returned and the whole answer is in buf
	committed   bool // headers and buffer went to rw; writes pass through
	aborted     bool // settlement failed mid-response; the rest is dropped
	settled     bool
}

func (b *bufferedWriter) Header() http.Header { return b.h }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.wroteHeader || code < 200 {
		return
	}
	b.wroteHeader = true
	b.status = code
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	// status starts at 200, and WriteHeader leaves it once wroteHeader is set. max is
	// -1 once the answer is committed or withheld: one test per chunk on the common
	// path, everything else in writeOverflow.
	b.wroteHeader = true
	if len(b.body)+len(p) > b.max {
		return writeOverflow(b, p)
	}
	// A plain append, not a bytes.Buffer: under Yaegi each method call on a compiled
	// type goes through reflection (Len and Write were two per chunk).
	b.body = append(b.body, p...)
	return len(p), nil
}

// writeOverflow passes writes through once the answer is committed, refuses them
// once it is withheld, and decides when the response outgrows the buffer: settle now
// and stream the rest (or pass an error status through uncharged). Out of Write,
// which runs for every chunk, because Yaegi allocates every value slot of a function
// per call.
func writeOverflow(b *bufferedWriter, p []byte) (int, error) {
	if b.committed {
		return b.rw.Write(p)
	}
	if b.aborted {
		return 0, errWithheld
	}
	if b.status < 400 {
		receipt, ok := settle(b.st, b.rw)
		if !ok {
			b.aborted = true
			b.max = -1
			return 0, errWithheld
		}
		b.settled = true
		commitBuffered(b, receipt)
		rememberAnswer(b.st, answers.Settled, receipt)
	} else {
		commitBuffered(b, "")
	}
	return b.rw.Write(p)
}

// Flush is accepted and ignored while buffering: nothing may reach the client before
// the payment settled.
func (b *bufferedWriter) Flush() {}

func commitBuffered(b *bufferedWriter, receipt string) {
	if receipt != "" {
		applyReceipt(b.h, b.st.receiptHeader, receipt)
	}
	// The upstream added its headers to the gate's: the gate's CORS decision stands.
	cors.Enforce(b.st.cors, b.h, b.st.req.Header[hkOrigin])
	b.committed = true
	b.max = -1
	b.rw.WriteHeader(b.status)
	_, _ = b.rw.Write(b.body)
}

// payAfter calls the upstream with the buffering writer and, when it returned,
// completes the response (the default "settle after"): an error status passes
// through uncharged, else settle, then the receipt and the buffered answer. One
// function from pay's end to the answer, and the common end (settled, committed,
// remembered) written out here rather than through commitBuffered and applyReceipt:
// under Yaegi each call is a frame and its value slots on every paid request (out of
// pay, whose slots the settle-before path pays for too).
func payAfter(st *payment) {
	st.upstreamHeaders = true
	// A fresh writer per request, not a pooled one: a pooled writer would save Yaegi's
	// wrapper for compiled code (~12 allocations of ~1,900), but a writer some
	// middleware touched after its handler returned would then write into another
	// buyer's buffered answer.
	b := &bufferedWriter{rw: st.rw, st: st, h: st.rw.Header(), max: st.g.s.maxBuffer, status: http.StatusOK}
	st.bw = b
	// Deferred, so an upstream that panics (net/http and Traefik recover it and drop
	// the connection) does not leave the authorization in flight until validBefore.
	// There is no recover here: the panic goes on unchanged.
	defer releaseUnsettled(b)
	st.g.next.ServeHTTP(b, st.req)
	if b.committed || b.aborted {
		return
	}
	if b.status >= 400 {
		// The upstream failed: pass its error through and charge nothing.
		commitBuffered(b, "")
		return
	}
	b.complete = true
	receipt, ok := settle(st, b.rw)
	if !ok {
		return
	}
	b.settled = true
	h := b.h
	h[st.receiptHeader] = []string{receipt}
	h[hkCacheControl] = hvPrivateNoStore
	cors.Enforce(st.cors, h, st.req.Header[hkOrigin])
	b.committed = true
	b.max = -1
	b.rw.WriteHeader(b.status)
	_, _ = b.rw.Write(b.body)
	// rememberAnswer's entry for a complete buffered answer, as one literal: its
	// branches and assignments cost their slots on every call under Yaegi.
	answers.Put(st.g.answers, st.key, &answers.Entry{Request: st.req.Method + " " + st.req.RequestURI, State: answers.Settled,
		Receipt: receipt, Kept: true, Status: b.status, Header: h.Clone(), Body: b.body, Served: true, ValidBefore: st.validBefore},
		st.now.Unix())
}
