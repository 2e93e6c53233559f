package plugin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

// The settle-after tail as it was before payAfter (fead536), kept as the reference of
// TestPayAfterMatchesReference: the old Write with its three tests per chunk,
// finishBuffered after the upstream, settle through charged, and the deferred
// release. refWriter keeps its state in a
// bufferedWriter, which is what the rest of the gate (rememberAnswer, settleFailed)
// reads through payment.bw.

type refWriter struct{ b *bufferedWriter }

func refPayAfter(p *payment) {
	p.upstreamHeaders = true
	bw := &bufferedWriter{rw: p.rw, st: p, h: p.rw.Header(), max: p.g.s.maxBuffer}
	p.bw = bw
	defer refReleaseUnsettled(bw)
	p.g.next.ServeHTTP(&refWriter{b: bw}, p.req)
	refFinishBuffered(bw)
}

func (r *refWriter) Header() http.Header { return r.b.h }

func (r *refWriter) WriteHeader(code int) {
	b := r.b
	if b.wroteHeader || code < 200 {
		return
	}
	b.wroteHeader = true
	b.status = code
}

func (r *refWriter) Write(p []byte) (int, error) {
	b := r.b
	if b.committed {
		return b.rw.Write(p)
	}
	if !b.wroteHeader {
		b.wroteHeader = true
		b.status = http.StatusOK
	}
	if b.aborted || len(b.body)+len(p) > b.max {
		return refWriteOverflow(b, p)
	}
	b.body = append(b.body, p...)
	return len(p), nil
}

func (r *refWriter) Flush() {}

func refWriteOverflow(b *bufferedWriter, p []byte) (int, error) {
	if b.aborted {
		return 0, errWithheld
	}
	if b.status < 400 {
		receipt, ok := refSettle(b.st, b.rw)
		if !ok {
			b.aborted = true
			return 0, errWithheld
		}
		b.settled = true
		refCommitBuffered(b, receipt)
		rememberAnswer(b.st, answers.Settled, receipt)
	} else {
		refCommitBuffered(b, "")
	}
	return b.rw.Write(p)
}

func refCommitBuffered(b *bufferedWriter, receipt string) {
	if receipt != "" {
		applyReceipt(b.h, b.st.receiptHeader, receipt)
	}
	cors.Enforce(b.st.cors, b.h, b.st.req.Header[hkOrigin])
	b.committed = true
	b.rw.WriteHeader(b.status)
	_, _ = b.rw.Write(b.body)
}

func refReleaseUnsettled(b *bufferedWriter) {
	if !b.settled && !b.st.keep {
		releasePayment(b.st)
	}
}

func refFinishBuffered(b *bufferedWriter) {
	if b.committed || b.aborted {
		return
	}
	if !b.wroteHeader {
		b.status = http.StatusOK
	}
	if b.status >= 400 {
		refCommitBuffered(b, "")
		return
	}
	b.complete = true
	st := b.st
	receipt, ok := refSettle(st, b.rw)
	if !ok {
		return
	}
	b.settled = true
	h := b.h
	h[st.receiptHeader] = []string{receipt}
	h[hkCacheControl] = hvPrivateNoStore
	cors.Enforce(st.cors, h, st.req.Header[hkOrigin])
	b.committed = true
	b.rw.WriteHeader(b.status)
	_, _ = b.rw.Write(b.body)
	answers.Put(st.g.answers, st.key, &answers.Entry{Request: st.req.Method + " " + st.req.RequestURI, State: answers.Settled,
		Receipt: receipt, Kept: true, Status: b.status, Header: h.Clone(), Body: b.body, Served: true, ValidBefore: st.validBefore},
		st.now.Unix())
}

// refSettle is settle before its success path was written out (charged).
func refSettle(st *payment, rw http.ResponseWriter) (string, bool) {
	start := time.Now()
	var res x402.SettleResponse
	err := x402.SettleInto(st.g.fac.client, st.ctx, st.body, st.attempt, &res)
	metrics.Observe(st.sr, metrics.OpSettle, time.Since(start))
	if err != nil || !res.Success {
		settleFailed(st, rw, &res, err)
		return "", false
	}
	return charged(st, &res), true
}

// verifiedPayment runs what ServeHTTP and pay do before the settle-after tail (CORS
// at the entry, routing, decode, match, verify, the forwarded headers) and returns
// the payment; nil if it would not settle after.
func verifiedPayment(t *testing.T, g *Gate, rw http.ResponseWriter, req *http.Request) *payment {
	t.Helper()
	tb, _ := g.loader.current.Load().(*table)
	v := newView(g, tb)
	cors.Apply(v.pol, rw.Header(), req.Header[hkOrigin])
	o := v.o
	r, _, _ := routeRequest(o, req)
	if r == nil || r.free || r.before {
		t.Fatalf("%s is not a paid settle-after route", req.RequestURI)
	}
	p := &payment{g: g, rw: rw, req: req, ps: r.prices, primary: o.primary, sr: o.primary, now: g.now(), version: x402.V2}
	p.cors = g.s.cors
	if o.cors != nil {
		p.cors = o.cors
	}
	if !decodePayment(p, req.Header[hkPaymentSignature][0]) || !matchPayment(p) || !verifyPayment(p) {
		t.Fatalf("payment refused: %s %s", p.code, p.detail)
	}
	if !p.claimed {
		t.Fatalf("the facilitator did not claim the payment")
	}
	stripPaymentHeaders(g, req)
	req.Header[g.s.payerHeader] = []string{p.payer}
	return p
}

// diffScript is what the upstream does with the writer; wrote records what each
// Write returned to it.
type diffScript struct {
	desc   string
	settle string // the facilitator's settle mode (default ok)
	// reconciles: the outcome is unknown and settle is repeated in the background.
	reconciles bool
	run        func(w http.ResponseWriter, wrote *[]string)
	panics     bool
}

// diffOutcome is everything a paid request leaves behind that the tail decides.
type diffOutcome struct {
	Code      int
	Header    http.Header
	Body      string
	Wrote     []string
	Panic     string
	Settles   int64
	Releases  int64
	Charged   int64
	Reuse     string // what the replay guard says of the authorization afterwards
	Entry     answers.Entry
	HasEntry  bool
	Committed bool
}

func diffWrite(w http.ResponseWriter, wrote *[]string, s string) {
	n, err := w.Write([]byte(s))
	*wrote = append(*wrote, fmt.Sprint(n, err))
}

func diffScripts() []diffScript {
	return []diffScript{
		{desc: "200 with headers, as the reverse proxy writes it", run: func(w http.ResponseWriter, wrote *[]string) {
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{"11"}
			h["Cache-Control"] = []string{"public, max-age=60"}
			w.WriteHeader(200)
			diffWrite(w, wrote, `{"ok":true}`)
		}},
		{desc: "the upstream's own CORS headers give way to the gate's", run: func(w http.ResponseWriter, wrote *[]string) {
			h := w.Header()
			h["Access-Control-Allow-Origin"] = []string{"https://evil.example"}
			h["Access-Control-Allow-Credentials"] = []string{"true"}
			h["Access-Control-Expose-Headers"] = []string{"X-Own"}
			diffWrite(w, wrote, "cors")
		}},
		{desc: "Write without WriteHeader", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "sunny")
		}},
		{desc: "nothing written", run: func(w http.ResponseWriter, wrote *[]string) {}},
		{desc: "201, a second WriteHeader ignored", run: func(w http.ResponseWriter, wrote *[]string) {
			w.WriteHeader(201)
			w.WriteHeader(500)
			diffWrite(w, wrote, "made")
		}},
		{desc: "Write, then a WriteHeader that comes too late", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "first")
			w.WriteHeader(500)
			diffWrite(w, wrote, "second")
		}},
		{desc: "only a 1xx, no body", run: func(w http.ResponseWriter, wrote *[]string) {
			w.WriteHeader(100)
		}},
		{desc: "an empty write", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "")
		}},
		{desc: "1xx, then 200", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(103)
			w.WriteHeader(200)
			diffWrite(w, wrote, "hinted")
		}},
		{desc: "Flush between writes (only when the writer offers it)", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "one,")
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			diffWrite(w, wrote, "two")
		}},
		{desc: "trailers announced and set after the body", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("Trailer", "X-Sum")
			w.WriteHeader(200)
			diffWrite(w, wrote, "body")
			w.Header().Set("X-Sum", "42")
		}},
		{desc: "404 passes through uncharged", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(404)
			diffWrite(w, wrote, "no such thing")
		}},
		{desc: "500 without a body", run: func(w http.ResponseWriter, wrote *[]string) {
			w.WriteHeader(500)
		}},
		{desc: "exactly the cap", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, strings.Repeat("c", 16))
		}},
		{desc: "past the cap in chunks: settled at the cap, the rest streamed", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("Content-Type", "text/plain")
			diffWrite(w, wrote, strings.Repeat("a", 10))
			diffWrite(w, wrote, strings.Repeat("b", 10))
			diffWrite(w, wrote, strings.Repeat("c", 10))
		}},
		{desc: "one write past the cap", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, strings.Repeat("z", 40))
		}},
		{desc: "an error status past the cap streams uncharged", run: func(w http.ResponseWriter, wrote *[]string) {
			w.WriteHeader(502)
			diffWrite(w, wrote, strings.Repeat("e", 20))
			diffWrite(w, wrote, "more")
		}},
		{desc: "settlement fails: content withheld", settle: "fail", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("X-Secret", "upstream")
			diffWrite(w, wrote, "paid content")
		}},
		{desc: "settlement fails at the cap: the rest is dropped", settle: "fail", run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, strings.Repeat("a", 10))
			diffWrite(w, wrote, strings.Repeat("b", 10))
			diffWrite(w, wrote, "c")
		}},
		{desc: "settlement pending: kept for the retry", settle: "pending", reconciles: true, run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "pending content")
		}},
		{desc: "settle outcome unknown: 503", settle: "unexpected", reconciles: true, run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, "unknown content")
		}},
		{desc: "panic before writing", panics: true, run: func(w http.ResponseWriter, wrote *[]string) {
			panic(errUpstreamPanic)
		}},
		{desc: "panic mid-answer", panics: true, run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("X-Partial", "1")
			diffWrite(w, wrote, "half")
			panic(errUpstreamPanic)
		}},
		{desc: "panic after the cap was passed (already settled)", panics: true, run: func(w http.ResponseWriter, wrote *[]string) {
			diffWrite(w, wrote, strings.Repeat("p", 20))
			panic(errUpstreamPanic)
		}},
		{desc: "200 again after the failures, on a reused writer", run: func(w http.ResponseWriter, wrote *[]string) {
			w.Header().Set("Content-Type", "text/plain")
			diffWrite(w, wrote, "fresh")
		}},
	}
}

// scriptedUpstream runs the current script.
type scriptedUpstream struct {
	s     diffScript
	wrote []string
}

func (u *scriptedUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.s.run(w, &u.wrote)
}

// runTail serves one paid request with the given tail and reports what it left.
func runTail(t *testing.T, tg *testGate, up *scriptedUpstream, s diffScript, tail func(*payment)) diffOutcome {
	t.Helper()
	mode := s.settle
	if mode == "" {
		mode = "ok"
	}
	tg.fac.set("ok", mode)
	up.s = s
	up.wrote = nil
	settles0, releases0 := tg.fac.settleCalls.Load(), tg.fac.releaseCalls.Load()
	charged0 := chargedCount(tg)
	req := httptest.NewRequest("GET", base+"/forecast/a?q=1", nil)
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set(x402.HeaderPaymentSignature, encode(t, paymentV2(requirementOf(basePayment()))))
	rec := httptest.NewRecorder()
	p := verifiedPayment(t, tg.g, rec, req)
	var out diffOutcome
	func() {
		defer func() {
			if v := recover(); v != nil {
				out.Panic = fmt.Sprint(v)
			}
		}()
		tail(p)
	}()
	if s.reconciles {
		// Let the background reconciliation end (three short delays in tests).
		time.Sleep(300 * time.Millisecond)
	}
	if !p.bw.settled && !p.keep {
		// Nothing settled: the claim is released at the facilitator, in the background.
		waitFor(t, s.desc+": release", func() bool { return tg.fac.releaseCalls.Load() > releases0 })
	}
	out.Code = rec.Code
	out.Header = rec.Header()
	out.Body = rec.Body.String()
	out.Wrote = up.wrote
	out.Settles = tg.fac.settleCalls.Load() - settles0
	out.Releases = tg.fac.releaseCalls.Load() - releases0
	out.Charged = chargedCount(tg) - charged0
	out.Committed = p.bw.committed
	err := replay.Acquire(tg.g.replay, p.key, p.validBefore, fixedNow)
	out.Reuse = fmt.Sprint(err)
	out.Entry, out.HasEntry = answers.Get(tg.g.answers, p.key, fixedNow.Unix())
	return out
}

// TestPayAfterMatchesReference holds the settle-after tail (payAfter) to the
// one it replaced: the same answer (status, headers, body), the same results of each
// Write to the upstream, the same settle and release calls, charge, replay-guard
// state and remembered answer, for every upstream behaviour the writer handles, run
// in one sequence, so that state one case leaves behind (a panic, a failure) would
// show in the next.
func TestPayAfterMatchesReference(t *testing.T) {
	small := func(c *Config) { c.MaxBufferBytes = 16 }
	newSide := newTestGate(t, testDoc(1), small)
	refSide := newTestGate(t, testDoc(1), small)
	upNew, upRef := &scriptedUpstream{}, &scriptedUpstream{}
	newSide.g.next = upNew
	refSide.g.next = upRef
	for round := 0; round < 2; round++ {
		for _, s := range diffScripts() {
			got := runTail(t, newSide, upNew, s, payAfter)
			want := runTail(t, refSide, upRef, s, refPayAfter)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, %s:\n got  %+v\n want %+v", round, s.desc, got, want)
			}
			if s.panics != (got.Panic != "") {
				t.Errorf("round %d, %s: panic %q", round, s.desc, got.Panic)
			}
		}
	}
}
