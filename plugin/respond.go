package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

var newline = []byte("\n")

func reject(rw http.ResponseWriter, status int, title, code, msg string) {
	body, _ := json.Marshal(challenge.ErrorBody{Error: title, Reason: code, Message: msg})
	h := rw.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
	_, _ = rw.Write(newline)
}

// settle calls the facilitator. On success it returns the encoded receipt; on failure
// settleFailed has answered rw (content withheld) and ok is false.
func settle(st *payment, rw http.ResponseWriter) (string, bool) {
	start := time.Now()
	res, err := x402.SettleEncoded(st.g.fac.client, st.req.Context(), st.body)
	metrics.Observe(st.sr, metrics.OpSettle, time.Since(start))
	if err != nil || !res.Success {
		settleFailed(st, rw, &res, err)
		return "", false
	}
	if res.Network == "" {
		res.Network = receiptNetwork(st)
	}
	receipt, _ := x402.EncodeHeader(res)
	replay.Settle(st.g.replay, st.key)
	metrics.Charge(st.sr, st.opt.Amount, st.opt.Decimals, st.g.now())
	return receipt, true
}

// resetHeaders drops whatever the upstream set before a failure is answered.
func resetHeaders(h http.Header) {
	for k := range h {
		delete(h, k)
	}
	h[hkExpose] = hvExpose
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
	if st.upstreamHeaders {
		resetHeaders(rw.Header())
	}
	sr := st.sr
	if err != nil {
		metrics.Fail(sr, reasonFacilitatorDown)
		log.Printf("turnpike: %s: settle: %v", st.g.name, err)
		facilitatorDown(rw, "the payment was verified but could not be settled because the facilitator did not answer usefully; nothing was served, retry with the same payment")
		return
	}
	if res.Network == "" {
		res.Network = receiptNetwork(st)
	}
	receipt, _ := x402.EncodeHeader(*res)
	rw.Header().Set(st.receiptHeader, receipt)
	if res.ErrorReason == x402.ReasonSettlementPending {
		replay.Settle(st.g.replay, st.key)
		metrics.Fail(sr, reasonSettlementPending)
		challenge.WriteRefusal(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, challenge.ErrorBody{Error: x402.ReasonSettlementPending,
			Reason: reasonSettlementPending,
			Message: "the payment was broadcast as transaction " + res.Transaction +
				" but not confirmed in time; it was not retried and the content was withheld; check the transaction before paying again"})
		return
	}
	metrics.Fail(sr, reasonSettlementFailed)
	msg := "settlement failed: " + res.ErrorReason
	if res.ErrorMessage != "" {
		msg += " (" + res.ErrorMessage + ")"
	}
	challenge.WriteRefusal(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, challenge.ErrorBody{Error: res.ErrorReason, Reason: reasonSettlementFailed,
		Message: msg + "; nothing was charged and the content was withheld"})
}

// applyReceipt sets the receipt header (name is canonical) on a paid response.
func applyReceipt(h http.Header, name, receipt string) {
	h[name] = []string{receipt}
	h[hkCacheControl] = hvPrivateNoStore
	h[hkExpose] = hvExpose
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
	buf         bytes.Buffer
	max         int
	status      int
	wroteHeader bool
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
	if b.committed {
		return b.rw.Write(p)
	}
	if !b.wroteHeader {
		b.wroteHeader = true
		b.status = http.StatusOK
	}
	if b.aborted || b.buf.Len()+len(p) > b.max {
		return writeOverflow(b, p)
	}
	return b.buf.Write(p)
}

// writeOverflow decides when the response outgrows the buffer: settle now and stream
// the rest (or pass an error status through uncharged). Out of Write, which runs for
// every chunk, because Yaegi allocates every value slot of a function per call.
func writeOverflow(b *bufferedWriter, p []byte) (int, error) {
	if b.aborted {
		return 0, errWithheld
	}
	if b.status < 400 {
		receipt, ok := settle(b.st, b.rw)
		if !ok {
			b.aborted = true
			return 0, errWithheld
		}
		b.settled = true
		commitBuffered(b, receipt)
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
	b.committed = true
	b.rw.WriteHeader(b.status)
	_, _ = b.rw.Write(b.buf.Bytes())
}

// finishBuffered completes the response after the upstream returned and reports
// whether the payment was settled.
func finishBuffered(b *bufferedWriter) bool {
	if b.committed || b.aborted {
		return b.settled
	}
	if !b.wroteHeader {
		b.status = http.StatusOK
	}
	if b.status >= 400 {
		// The upstream failed: pass its error through and charge nothing.
		commitBuffered(b, "")
		return false
	}
	receipt, ok := settle(b.st, b.rw)
	if !ok {
		return false
	}
	b.settled = true
	commitBuffered(b, receipt)
	return true
}
