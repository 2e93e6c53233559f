package plugin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

func init() {
	// Reconciliation waits seconds in production; the tests cannot.
	reconcileDelays = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
}

// chargedCount is turnpike_charged_requests_total of the test offer's first option.
func chargedCount(tg *testGate) int64 {
	return atomic.LoadInt64(&offerOf(tg.g.loader.table(), "shop/weather").def.Options[0].Series.Charged)
}

func unclaimedCount(tg *testGate) int64 {
	return atomic.LoadInt64(&offerOf(tg.g.loader.table(), "shop/weather").def.Options[0].Series.Unclaimed)
}

func payHeader(t *testing.T) map[string]string {
	return map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
}

func (f *fakeFacilitator) attemptLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.attempts))
	copy(out, f.attempts)
	return out
}

var attemptRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestAttemptHeaderOnEveryCall(t *testing.T) {
	tests := []struct {
		desc      string
		upStatus  int
		wantPaths []string
		wantUp    int64
	}{
		{desc: "settled request: verify and settle name one attempt", wantPaths: []string{"/verify", "/settle"}, wantUp: 1},
		{desc: "upstream 500: verify and release name one attempt", upStatus: 500, wantPaths: []string{"/verify", "/release"}, wantUp: 1},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			tg.up.status = tc.upStatus
			tg.do("GET", base+"/forecast/a", payHeader(t))
			waitFor(t, "facilitator calls", func() bool { return len(tg.fac.attemptLog()) == len(tc.wantPaths) })
			calls := tg.fac.attemptLog()
			first := ""
			for i, c := range calls {
				parts := strings.SplitN(c, " ", 2)
				if parts[0] != tc.wantPaths[i] || !attemptRE.MatchString(parts[1]) {
					t.Fatalf("call %d: %q, want %s with a 32-hex attempt (all: %v)", i, c, tc.wantPaths[i], calls)
				}
				if first == "" {
					first = parts[1]
				} else if parts[1] != first {
					t.Fatalf("attempts differ within one request: %v", calls)
				}
			}
			if n := tg.up.calls.Load(); n != tc.wantUp {
				t.Fatalf("upstream hits %d, want %d", n, tc.wantUp)
			}
			// A second payment gets a fresh attempt.
			tg.fac.mu.Lock()
			tg.fac.attempts = nil
			tg.fac.mu.Unlock()
			tg.do("GET", base+"/forecast/a", payHeader(t))
			if again := tg.fac.attemptLog(); len(again) == 0 || strings.HasSuffix(again[0], first) {
				t.Fatalf("the next payment reused attempt %s: %v", first, again)
			}
		})
	}
}

func TestClaimDecidesWhenToSettle(t *testing.T) {
	tests := []struct {
		desc          string
		noClaim       bool
		claimFor      string
		verify        string
		unclaimed     string
		wantStatus    int
		wantReason    string
		wantOrder     string
		wantUp        int64
		wantUnclaimed int64
	}{
		{desc: "claim confirmed: settle after the upstream", wantStatus: 200, wantOrder: "verify,upstream,settle", wantUp: 1},
		{desc: "no claim: settle before by default", noClaim: true, wantStatus: 200, wantOrder: "verify,settle,upstream", wantUp: 1, wantUnclaimed: 1},
		{desc: "a claim for another attempt is no claim: settle before", claimFor: strings.Repeat("ab", 16), wantStatus: 200, wantOrder: "verify,settle,upstream", wantUp: 1, wantUnclaimed: 1},
		{desc: "no claim, opted out: settle after", noClaim: true, unclaimed: "after", wantStatus: 200, wantOrder: "verify,upstream,settle", wantUp: 1, wantUnclaimed: 1},
		{desc: "claimed by another attempt: refused, upstream not called", verify: "claimed", wantStatus: 409, wantReason: x402.ReasonAuthorizationClaimed, wantOrder: "verify"},
		{desc: "settled for another attempt: refused, upstream not called", verify: "settled", wantStatus: 409, wantReason: x402.ReasonAuthorizationSettled, wantOrder: "verify"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), func(c *Config) { c.UnclaimedSettlement = tc.unclaimed })
			unclaimed0 := unclaimedCount(tg)
			tg.fac.noClaim = tc.noClaim
			tg.fac.claimFor = tc.claimFor
			if tc.verify != "" {
				tg.fac.set(tc.verify, "ok")
			}
			rec := tg.do("GET", base+"/forecast/a", payHeader(t))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body.String())
			}
			if tc.wantReason != "" {
				if eb := decodeRejection(t, rec.Body.Bytes()); eb.Reason != tc.wantReason || eb.Message == "" {
					t.Fatalf("rejection %+v, want %s", eb, tc.wantReason)
				}
			}
			if got := strings.Join(tg.ev.list(), ","); got != tc.wantOrder {
				t.Fatalf("order %s, want %s", got, tc.wantOrder)
			}
			if n := tg.up.calls.Load(); n != tc.wantUp {
				t.Fatalf("upstream hits %d, want %d", n, tc.wantUp)
			}
			if n := unclaimedCount(tg) - unclaimed0; n != tc.wantUnclaimed {
				t.Fatalf("unclaimed counter %d, want %d", n, tc.wantUnclaimed)
			}
		})
	}
}

func TestConfigUnclaimedSettlement(t *testing.T) {
	for _, tc := range []struct {
		desc, value string
		wantErr     bool
		wantAfter   bool
	}{
		{desc: "default is before", value: ""},
		{desc: "before", value: "before"},
		{desc: "after, any case", value: "After", wantAfter: true},
		{desc: "anything else is refused", value: "never", wantErr: true},
	} {
		c := CreateConfig()
		c.Offer = "a/b"
		c.RoutesFile = "/x"
		c.FacilitatorURL = "http://f"
		c.UnclaimedSettlement = tc.value
		s, err := c.validate()
		if (err != nil) != tc.wantErr {
			t.Fatalf("%s: err %v", tc.desc, err)
		}
		if err == nil && s.unclaimedAfter != tc.wantAfter {
			t.Fatalf("%s: unclaimedAfter %v", tc.desc, s.unclaimedAfter)
		}
	}
}

func TestReleaseWhenNotSettled(t *testing.T) {
	tests := []struct {
		desc        string
		upStatus    int
		panics      bool
		settle      string
		wantRelease int64
		wantUp      int64
	}{
		{desc: "upstream 500 releases the claim", upStatus: 500, wantRelease: 1, wantUp: 1},
		{desc: "upstream panic releases the claim", panics: true, wantRelease: 1, wantUp: 1},
		{desc: "a refused settlement releases the claim", settle: "fail", wantRelease: 1, wantUp: 1},
		{desc: "a settled payment is not released", wantRelease: 0, wantUp: 1},
		{desc: "an unknown settle outcome is never released", settle: "down", wantRelease: 0, wantUp: 1},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			tg.up.status = tc.upStatus
			if tc.settle != "" {
				tg.fac.set("ok", tc.settle)
			}
			var hits atomic.Int64
			if tc.panics {
				tg.g.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					panic(errUpstreamPanic)
				})
			}
			func() {
				defer func() { _ = recover() }()
				tg.do("GET", base+"/forecast/a", payHeader(t))
			}()
			if tc.wantRelease > 0 {
				waitFor(t, "release", func() bool { return tg.fac.releaseCalls.Load() >= tc.wantRelease })
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			if n := tg.fac.releaseCalls.Load(); n != tc.wantRelease {
				t.Fatalf("release calls %d, want %d", n, tc.wantRelease)
			}
			if n := tg.up.calls.Load() + hits.Load(); n != tc.wantUp {
				t.Fatalf("upstream hits %d, want %d", n, tc.wantUp)
			}
		})
	}
}

func TestSettleDoesNotDependOnTheClient(t *testing.T) {
	tests := []struct {
		desc string
		path string
	}{
		{desc: "settle after: the client leaves while the upstream answers", path: "/forecast/a"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			charged0 := chargedCount(tg)
			ctx, cancel := context.WithCancel(context.Background())
			up := tg.g.next
			tg.g.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				cancel() // the buyer hung up before the gate settles
				up.ServeHTTP(w, r)
			})
			req := httptest.NewRequest("GET", base+tc.path, nil).WithContext(ctx)
			req.RequestURI = req.URL.RequestURI()
			for k, v := range payHeader(t) {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tg.g.ServeHTTP(rec, req)
			if rec.Code != 200 || tg.fac.settleCalls.Load() != 1 || chargedCount(tg)-charged0 != 1 {
				t.Fatalf("status %d settles %d charged %d: %s", rec.Code, tg.fac.settleCalls.Load(), chargedCount(tg)-charged0, rec.Body.String())
			}
			if n := tg.up.calls.Load(); n != 1 {
				t.Fatalf("upstream hits %d", n)
			}
		})
	}
}

func TestUnknownSettleIsReconciled(t *testing.T) {
	tests := []struct {
		desc   string
		path   string
		settle string
		// okFrom: the settle call from which the facilitator answers success (0: it
		// keeps refusing, definitely, after the first call).
		okFrom      int64
		wantRetry   int
		wantCharged int64
		wantUp      int64
	}{
		{desc: "settle timeout", path: "/forecast/a", settle: "timeout", okFrom: 2, wantRetry: 200, wantCharged: 1, wantUp: 1},
		{desc: "settle 5xx", path: "/forecast/a", settle: "down", okFrom: 2, wantRetry: 200, wantCharged: 1, wantUp: 1},
		{desc: "connection reset", path: "/forecast/a", settle: "reset", okFrom: 2, wantRetry: 200, wantCharged: 1, wantUp: 1},
		{desc: "unexpected settle error", path: "/forecast/a", settle: "unexpected", okFrom: 2, wantRetry: 200, wantCharged: 1, wantUp: 1},
		{desc: "settle before: the retry is served once", path: "/stream", settle: "down", okFrom: 2, wantRetry: 200, wantCharged: 1, wantUp: 1},
		{desc: "reconcile refused: the retry is told, not charged", path: "/forecast/a", settle: "down", wantRetry: 409, wantCharged: 0, wantUp: 1},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), func(c *Config) { c.SettleTimeoutMs = 100 })
			charged0 := chargedCount(tg)
			tg.fac.set("ok", tc.settle)
			tg.fac.settleOKFrom = tc.okFrom
			hdr := payHeader(t)
			rec := tg.do("GET", base+tc.path, hdr)
			if rec.Code != 503 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonSettlementUnknown || strings.Contains(rec.Body.String(), "sunny") {
				t.Fatalf("first answer %d %s", rec.Code, rec.Body.String())
			}
			if tc.okFrom == 0 {
				tg.fac.set("ok", "fail")
			}
			waitFor(t, "reconciliation", func() bool { return tg.fac.settleCalls.Load() >= 2 })
			// Retries while reconciling get settlement_unknown again; the first other
			// answer is the one the payment bought.
			var again *httptest.ResponseRecorder
			waitFor(t, "reconciled", func() bool {
				again = tg.do("GET", base+tc.path, hdr)
				return again.Code != 503
			})
			settles := tg.fac.settleCalls.Load()
			if again.Code != tc.wantRetry {
				t.Fatalf("retry %d %s", again.Code, again.Body.String())
			}
			if tc.wantRetry == 200 && again.Header().Get(x402.HeaderPaymentResponse) == "" {
				t.Fatalf("retry without a receipt: %v", again.Header())
			}
			if n := chargedCount(tg) - charged0; n != tc.wantCharged {
				t.Fatalf("charged %d, want %d", n, tc.wantCharged)
			}
			if n := tg.up.calls.Load(); n != tc.wantUp {
				t.Fatalf("upstream hits %d, want %d", n, tc.wantUp)
			}
			if n := tg.fac.verifyCalls.Load(); n != 1 {
				t.Fatalf("the authorization was verified again (%d): it must stay claimed locally", n)
			}
			// One more retry: still no second upstream call or settle.
			if tc.wantRetry == 200 {
				last := tg.do("GET", base+tc.path, hdr)
				if last.Code == 200 && tc.path == "/stream" {
					t.Fatalf("a settle-before payment was served twice")
				}
				if tc.path != "/stream" && last.Body.String() != again.Body.String() {
					t.Fatalf("second retry %d %q, first retry %q", last.Code, last.Body.String(), again.Body.String())
				}
			}
			if n := tg.up.calls.Load(); n != tc.wantUp {
				t.Fatalf("upstream hits %d after the second retry, want %d", n, tc.wantUp)
			}
			if n := tg.fac.settleCalls.Load(); n != settles {
				t.Fatalf("a retry settled again (%d -> %d)", settles, n)
			}
			if n := tg.fac.releaseCalls.Load(); n != 0 {
				t.Fatalf("an unknown outcome was released (%d)", n)
			}
		})
	}
}

func TestRetryOfASettledPayment(t *testing.T) {
	tests := []struct {
		desc       string
		path       string
		retryPath  string
		wantStatus int
		wantReason string
		identical  bool
	}{
		{desc: "same request: the cached answer, byte-identical", path: "/forecast/a", retryPath: "/forecast/a", wantStatus: 200, identical: true},
		{desc: "another request: refused", path: "/forecast/a", retryPath: "/forecast/b", wantStatus: 402, wantReason: x402.ReasonPaymentUsed},
		{desc: "same stream: the receipt and a message", path: "/stream", retryPath: "/stream", wantStatus: 409, wantReason: x402.ReasonAnswerNotKept},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			charged0 := chargedCount(tg)
			hdr := payHeader(t)
			first := tg.do("GET", base+tc.path, hdr)
			if first.Code != 200 {
				t.Fatalf("first %d", first.Code)
			}
			again := tg.do("GET", base+tc.retryPath, hdr)
			if again.Code != tc.wantStatus {
				t.Fatalf("retry %d, want %d: %s", again.Code, tc.wantStatus, again.Body.String())
			}
			if tc.wantReason != "" && decodeRejection(t, again.Body.Bytes()).Reason != tc.wantReason {
				t.Fatalf("retry reason: %s", again.Body.String())
			}
			if tc.identical {
				if again.Body.String() != first.Body.String() || !reflect.DeepEqual(again.Header(), first.Header()) {
					t.Fatalf("retry differs:\n%v %q\n%v %q", first.Header(), first.Body.String(), again.Header(), again.Body.String())
				}
			}
			if n := tg.up.calls.Load(); n != 1 {
				t.Fatalf("upstream hits %d, want 1", n)
			}
			if n := tg.fac.settleCalls.Load(); n != 1 {
				t.Fatalf("settle calls %d, want 1", n)
			}
			if n := chargedCount(tg) - charged0; n != 1 {
				t.Fatalf("charged %d, want 1", n)
			}
		})
	}
}

// A verify whose answer was lost (the facilitator went down after it may have taken
// the claim) must not leave the buyer's authorization locked until validBefore: the
// gate releases the attempt, retrying until the facilitator answers.
func TestLostVerifyAnswerIsReleased(t *testing.T) {
	tests := []struct {
		desc   string
		verify string
	}{
		{desc: "verify answered 502", verify: "down"},
		{desc: "verify answered garbage", verify: "garbage"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			tg.fac.set(tc.verify, "ok")
			rec := tg.do("GET", base+"/forecast/a", payHeader(t))
			if rec.Code != http.StatusServiceUnavailable || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonFacilitatorUnavailable {
				t.Fatalf("status %d %s, want 503 %s", rec.Code, rec.Body.String(), x402.ReasonFacilitatorUnavailable)
			}
			waitFor(t, "release of the lost attempt", func() bool { return tg.fac.releaseCalls.Load() >= 1 })
			tg.fac.mu.Lock()
			defer tg.fac.mu.Unlock()
			var verifyAttempt, releaseAttempt string
			for _, a := range tg.fac.attempts {
				if strings.HasPrefix(a, "/verify ") {
					verifyAttempt = strings.TrimPrefix(a, "/verify ")
				}
				if strings.HasPrefix(a, "/release ") {
					releaseAttempt = strings.TrimPrefix(a, "/release ")
				}
			}
			if verifyAttempt == "" || releaseAttempt != verifyAttempt {
				t.Fatalf("released attempt %q, want the verify's %q", releaseAttempt, verifyAttempt)
			}
			if n := tg.up.calls.Load(); n != 0 {
				t.Fatalf("upstream hits %d, want 0", n)
			}
		})
	}
}

// TestBuyerGoneDuringVerify: the buyer hangs up while the facilitator is verifying,
// before it has taken the claim. The gate must wait for that verify (it runs on a
// context of its own) and release after it: a /release that overtook the verify would
// find nothing to release, and the claim taken afterwards would lock the buyer's
// retry out (authorization_claimed) for the claim's lifetime. Nothing is forwarded or
// settled, and the retry with the same payment is served.
func TestBuyerGoneDuringVerify(t *testing.T) {
	tg := newTestGate(t, testDoc(1), nil)
	ev := tg.ev
	ctx, cancel := context.WithCancel(context.Background())
	tg.fac.mu.Lock()
	tg.fac.verifyHook = func() {
		cancel()
		time.Sleep(150 * time.Millisecond) // the facilitator's chain checks, then the claim
	}
	tg.fac.mu.Unlock()
	hdr := payHeader(t)
	req := httptest.NewRequest("GET", base+"/forecast/a", nil).WithContext(ctx)
	req.RequestURI = req.URL.RequestURI()
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tg.g.ServeHTTP(httptest.NewRecorder(), req)

	waitFor(t, "release", func() bool { return tg.fac.releaseCalls.Load() >= 1 })
	if got, want := strings.Join(ev.list(), ","), "verify,claimed,release"; got != want {
		t.Fatalf("facilitator saw %s, want %s: the release must come after the claim", got, want)
	}
	if n := tg.up.calls.Load(); n != 0 {
		t.Fatalf("a buyer gone before verify finished reached the upstream %d times", n)
	}
	if n := tg.fac.settleCalls.Load(); n != 0 {
		t.Fatalf("settled %d times for a buyer who was gone", n)
	}
	if !hasMetricLine(scrape(t), "turnpike_payment_failed_total{", `offer_name="weather"`, `reason="`+x402.ReasonBuyerDisconnected+`"} 1`) {
		t.Fatalf("turnpike_payment_failed_total{reason=%q} is not 1 for the offer", x402.ReasonBuyerDisconnected)
	}

	tg.fac.mu.Lock()
	tg.fac.verifyHook = nil
	tg.fac.mu.Unlock()
	if rec := tg.do("GET", base+"/forecast/a", hdr); rec.Code != http.StatusOK {
		t.Fatalf("the retry with the same payment: %d %s, want 200", rec.Code, rec.Body.String())
	}
	if n := tg.up.calls.Load(); n != 1 {
		t.Fatalf("upstream calls %d after the retry, want 1", n)
	}
}

// hasMetricLine: some line of the exposition has every part, in order.
func hasMetricLine(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		rest, ok := line, true
		for _, p := range parts {
			i := strings.Index(rest, p)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(p):]
		}
		if ok && rest == "" {
			return true
		}
	}
	return false
}
