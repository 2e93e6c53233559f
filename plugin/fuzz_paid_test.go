package plugin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

// FuzzPaidPathLocalChecks mutates the fields of a payment and sends it to a gate whose
// facilitator accepts everything and settles everything. With the facilitator out of
// the way, the gate's own checks are the only barrier, so the fuzzer proves them: an
// upstream call happens exactly when an independent reading of the rules says the
// payment is acceptable, and never twice for one authorization (payer, nonce). Deleting
// or loosening any local check (recipient, amount, time window, validity bound, hex
// shape, replay) makes this fail.
func FuzzPaidPathLocalChecks(f *testing.F) {
	f.Add(uint8(0), "10000", int64(-600), int64(60), "", "", false)
	f.Add(uint8(1), "10000", int64(-600), int64(60), "", "", false)
	f.Add(uint8(0), "010000", int64(-600), int64(60), "", "", false)
	f.Add(uint8(0), "10001", int64(-600), int64(60), "", "", true)
	f.Add(uint8(0), "10000", int64(10), int64(60), "", "", false)
	f.Add(uint8(0), "10000", int64(-600), int64(3), "", "", false)
	f.Add(uint8(0), "10000", int64(-600), int64(315360000), "", "", false)
	f.Add(uint8(2), "10000", int64(-600), int64(60), "0x01", "", false)
	f.Add(uint8(0), "10000", int64(-600), int64(60), "", "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266", true)
	f.Fuzz(func(t *testing.T, toSel uint8, value string, afterDelta, beforeDelta int64, nonce, from string, v1 bool) {
		fg := paidFuzzGate(t)
		req := requirementOf(basePayment())
		var pl *x402.PaymentPayload
		if v1 {
			pl = paymentV1(req.Network, req.Amount)
			pl.Network = "base-sepolia"
		} else {
			pl = paymentV2(req)
		}
		a := &pl.Payload.Authorization
		switch toSel % 4 {
		case 1:
			a.To = strings.ToUpper(a.To[:2]) + strings.ToLower(a.To[2:]) // same address, other case
		case 2:
			a.To = "0x0000000000000000000000000000000000000001"
		case 3:
			a.To = ""
		}
		a.Value = value
		a.ValidAfter = strconv.FormatInt(fixedNow.Unix()+afterDelta, 10)
		a.ValidBefore = strconv.FormatInt(fixedNow.Unix()+beforeDelta, 10)
		if nonce != "" {
			a.Nonce = nonce
		}
		if from != "" {
			a.From = from
		}
		raw, err := json.Marshal(pl)
		if err != nil {
			t.Skip()
		}
		header := base64.StdEncoding.EncodeToString(raw)
		name := x402.HeaderPaymentSignature
		if v1 {
			name = x402.HeaderXPayment
		}
		before := fg.up.calls.Load()
		httpReq := httptest.NewRequest("GET", base+"/forecast/a", nil)
		httpReq.Header.Set(name, header)
		rec := httptest.NewRecorder()
		fg.g.ServeHTTP(rec, httpReq)
		served := fg.up.calls.Load() - before

		key := strings.ToLower(a.From + "|" + a.Nonce)
		ok, why := acceptable(a, req.PayTo, req.Amount, req.MaxTimeoutSeconds, fg.g.s.validitySlack)
		fresh := !fg.seen(key)
		switch {
		case served > 1:
			t.Fatalf("one request reached the upstream %d times", served)
		case served == 1 && !ok:
			t.Fatalf("a payment the rules refuse (%s) reached the upstream: status %d, auth %+v", why, rec.Code, *a)
		case served == 1 && !fresh:
			t.Fatalf("authorization %s reached the upstream a second time", key)
		case served == 0 && ok && fresh:
			t.Fatalf("an acceptable, fresh payment was refused: status %d %s, auth %+v", rec.Code, rec.Body.String(), *a)
		}
		if served == 1 {
			fg.remember(key)
			if rec.Code != http.StatusOK {
				t.Fatalf("served payment answered %d", rec.Code)
			}
		}
	})
}

// hex40x64 is the oracle's own reading of a well-formed payer and nonce.
var (
	oracleAddr  = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)
	oracleNonce = regexp.MustCompile(`^0[xX][0-9a-fA-F]{64}$`)
)

// acceptable is the rule book written out independently of checkAuthorization.
func acceptable(a *x402.Authorization, payTo, amount string, maxTimeout, slack int64) (bool, string) {
	if !oracleAddr.MatchString(a.From) || !oracleNonce.MatchString(a.Nonce) {
		return false, "malformed payer or nonce"
	}
	if !strings.EqualFold(a.To, payTo) {
		return false, "recipient"
	}
	if a.Value != amount {
		return false, "amount"
	}
	after, err1 := strconv.ParseInt(a.ValidAfter, 10, 64)
	before, err2 := strconv.ParseInt(a.ValidBefore, 10, 64)
	if err1 != nil || err2 != nil {
		return false, "window not decimal"
	}
	now := fixedNow.Unix()
	if after > now {
		return false, "not yet valid"
	}
	if before < now+x402.ClockSkewMarginSeconds {
		return false, "expired"
	}
	if slack > 0 && before-now > maxTimeout+slack {
		return false, "validity too long"
	}
	return true, ""
}

type paidFuzz struct {
	g    *Gate
	up   *upstream
	mu   sync.Mutex
	used map[string]bool
}

func (p *paidFuzz) seen(k string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used[k]
}

func (p *paidFuzz) remember(k string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.used[k] = true
}

var paidFuzzShared *paidFuzz

// paidFuzzGate is one gate for all iterations with a facilitator that says yes to
// every verify (confirming a claim when asked for one) and every settle.
func paidFuzzGate(t *testing.T) *paidFuzz {
	if paidFuzzShared != nil {
		return paidFuzzShared
	}
	fac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/verify":
			ext := ""
			if at := r.Header.Get(x402.HeaderAttempt); at != "" {
				ext = fmt.Sprintf(`,"extensions":{%q:{"attempt":%q,"expiresAt":%d}}`, x402.ExtensionClaim, at, fixedNow.Unix()+3600)
			}
			fmt.Fprintf(w, `{"isValid":true,"payer":%q%s}`, testPayer, ext)
		case "/settle":
			fmt.Fprintf(w, `{"success":true,"transaction":%q,"network":"eip155:84532","payer":%q}`, testTxHash, testPayer)
		case "/release":
			_, _ = io.WriteString(w, `{"released":true}`)
		default:
			http.NotFound(w, r)
		}
	}))
	cfg := CreateConfig()
	cfg.Offer = testOfferNS + "/" + testOffer
	cfg.RoutesFile = "/nonexistent/fuzz/routes.json"
	cfg.FacilitatorURL = fac.URL
	s, err := cfg.validate()
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.NewRegistry()
	l := newLoader("fuzz-paid", m)
	raw, _ := json.Marshal(testDoc(1))
	l.apply(raw)
	up := &upstream{}
	g := &Gate{next: up, name: "fuzz-paid", s: s, loader: l, fac: reg.facilitator(s), replay: replay.New(1 << 20), answers: answers.New(1 << 20),
		metrics: m, now: func() time.Time { return fixedNow }}
	paidFuzzShared = &paidFuzz{g: g, up: up, used: map[string]bool{}}
	return paidFuzzShared
}
