package plugin

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"log"
	"net/http"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

// errorBody is every refusal's JSON: a short title, a stable snake_case code and a
// message that tells a person what to do. Exported fields only (Yaegi marshals
// unexported ones with an X prefix).
type errorBody struct {
	Error   string `json:"error"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

var newline = []byte("\n")

func reject(rw http.ResponseWriter, status int, title, code, msg string) {
	body, _ := json.Marshal(errorBody{Error: title, Reason: code, Message: msg})
	h := rw.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
	_, _ = rw.Write(newline)
}

// Precomputed pieces of the plain "pay first" challenge.
var (
	plainErrQ     = mustJSON(errorNoPaymentV2)
	plainBodyHead = func() []byte {
		b := mustJSON(errorBody{Error: "X-PAYMENT header is required", Reason: reasonPaymentRequired,
			Message: "this resource is paid: sign one of `accepts` and repeat the request with PAYMENT-SIGNATURE (x402 v2, requirements in the PAYMENT-REQUIRED header) or X-PAYMENT (x402 v1)"})
		return append(append([]byte(`{"x402Version":1,`), b[1:len(b)-1]...), []byte(`,"accepts":`)...)
	}()
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// writeChallenge answers a refused payment with status, the reason in the JSON body
// and the challenge again (header and v1 accepts), so the client can retry.
func writeChallenge(rw http.ResponseWriter, ps *priceSet, resURL string, status int, eb errorBody) {
	urlQ, _ := json.Marshal(resURL)
	errQ, _ := json.Marshal(eb.Error)
	b, _ := json.Marshal(eb)
	v2 := bytes.Join([][]byte{ps.v2Head, errQ, ps.v2Mid, urlQ, ps.v2Tail}, nil)
	body := bytes.Join([][]byte{[]byte(`{"x402Version":1,`), b[1 : len(b)-1], []byte(`,"accepts":`), bytes.Join(ps.v1Accepts, urlQ), []byte("}\n")}, nil)
	h := rw.Header()
	h[hkPaymentRequired] = []string{base64.StdEncoding.EncodeToString(v2)}
	h[hkContentType] = []string{"application/json"}
	h[hkCacheControl] = []string{"no-store"}
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}

// writePaywall answers a browser with the HTML page (and the header, for wallets).
func writePaywall(rw http.ResponseWriter, ps *priceSet, resURL string) {
	urlQ, _ := json.Marshal(resURL)
	hdr := base64.StdEncoding.EncodeToString(bytes.Join([][]byte{ps.v2PlainHead, urlQ, ps.v2Tail}, nil))
	h := rw.Header()
	h[hkPaymentRequired] = []string{hdr}
	h[hkContentType] = []string{"text/html; charset=utf-8"}
	h[hkCacheControl] = []string{"no-store"}
	rw.WriteHeader(http.StatusPaymentRequired)
	page := ps.htmlParts[0] + html.EscapeString(resURL) + ps.htmlParts[1] + hdr + ps.htmlParts[2]
	_, _ = rw.Write([]byte(page))
}

// settle calls the facilitator. On success it returns the encoded receipt; on failure
// settleFailed has answered rw (content withheld) and ok is false.
func settle(st *payment, rw http.ResponseWriter) (string, bool) {
	start := time.Now()
	res, err := st.g.fac.client.Settle(st.req.Context(), st.vreq)
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
	metrics.Charge(st.sr, st.opt.amount, st.opt.decimals, st.g.now())
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
		return st.opt.v1Name
	}
	return st.opt.req.Network
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
		writeChallenge(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, errorBody{Error: x402.ReasonSettlementPending,
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
	writeChallenge(rw, st.ps, paymentURL(st), http.StatusPaymentRequired, errorBody{Error: res.ErrorReason, Reason: reasonSettlementFailed,
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
	b.buf.Reset()
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
