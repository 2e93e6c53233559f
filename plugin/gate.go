package plugin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/answers"
	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/plugin/reqpath"
	"github.com/turnpike-x402/turnpike/x402"
)

// Gate is one middleware instance: it answers for the offer it is configured with and
// shares everything stateful through the process-wide registry.
type Gate struct {
	next    http.Handler
	name    string
	s       *settings
	loader  *loader
	fac     *facilitator
	replay  *replay.Guard
	answers *answers.Cache
	metrics *metrics.Registry
	view    atomic.Value // *view of the last table a request saw
	// now is the clock; tests replace it.
	now func() time.Time
}

// New builds a gate instance. It fails only for invalid static configuration; routes
// that are not loaded yet or a facilitator that cannot be reached are answered per
// request (503), because a failing New() drops the router and Traefik might route the
// request elsewhere without the gate.
func New(ctx context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	s, err := config.validate()
	if err != nil {
		return nil, err
	}
	g := &Gate{
		next:    next,
		name:    name,
		s:       s,
		fac:     reg.facilitator(s),
		replay:  reg.replay,
		answers: reg.answers,
		metrics: reg.metrics,
		now:     time.Now,
	}
	replay.Grow(reg.replay, s.replayEntries)
	answers.Grow(reg.answers, s.answerCacheBytes)
	g.loader = reg.acquireLoader(s)
	if s.metricsAddress != "" {
		if _, err := reg.servers.Ensure(s.metricsAddress, reg.metrics.Handler()); err != nil {
			// The port may be taken by an instance of a previous configuration in
			// another process; the gate itself must keep working.
			log.Printf("turnpike: metrics listener on %s: %v", s.metricsAddress, err)
		}
	}
	// The registry that handed out the loader takes it back (read now, not when the
	// context ends).
	l, r := g.loader, reg
	go func() {
		<-ctx.Done()
		r.releaseLoader(l)
	}()
	return g, nil
}

// failureReasons are the reasons a request with a payment can be refused with (every
// code payFailed and settleFailed count): their turnpike_payment_failed_total series
// exist at 0 as soon as an offer loads, so increase() counts the first failure of each.
var failureReasons = []string{
	x402.ReasonInvalidHeader, x402.ReasonInvalidVersion, x402.ReasonNoMatch, x402.ReasonInvalidAuth, x402.ReasonRecipientMismatch, x402.ReasonAmountMismatch,
	x402.ReasonNotYetValid, x402.ReasonExpired, x402.ReasonValidityTooLong, x402.ReasonPaymentInFlight, x402.ReasonPaymentUsed, x402.ReasonReplayGuardFull,
	x402.ReasonFacilitatorUnavailable, x402.ReasonPaymentInvalid, x402.ReasonSettlementFailed, x402.ReasonSettlementPending,
	x402.ReasonSettlementUnknown, x402.ReasonAuthorizationClaimed, x402.ReasonAuthorizationSettled,
}

// Canonical header keys: the request path reads and writes header maps directly,
// because under Yaegi a map index costs ~50 ns and a Header.Get/Set call ~1.4 us.
const (
	hkPaymentSignature = "Payment-Signature"
	hkXPayment         = "X-Payment"
	hkPaymentRequired  = "Payment-Required"
	hkPaymentResponse  = "Payment-Response"
	hkXPaymentResponse = "X-Payment-Response"
	hkAccept           = "Accept"
	hkUserAgent        = "User-Agent"
	hkForwardedProto   = "X-Forwarded-Proto"
	hkACRequestMethod  = "Access-Control-Request-Method"
	hkContentType      = "Content-Type"
	hkCacheControl     = "Cache-Control"
	hkRetryAfter       = "Retry-After"
	hkOrigin           = cors.HeaderOrigin
)

// ServeHTTP gates one request. Nothing unpaid reaches the upstream unless a route
// rule marks the path free.
//
// Speed under Yaegi: this is the only method on the request path. Everything it
// calls is a plain function (Yaegi calls methods of interpreted types ~10x slower than
// functions), header maps are indexed directly, and the per-request work is a handful
// of stdlib calls on bytes prepared once per offer and document (on the offer's first
// request after a reload).
//
// Cross-origin headers are set here, once, before any answer is written: so the 402,
// every refusal and the paid answer carry them whichever path writes it.
func (g *Gate) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	hdr := req.Header
	// One look at the loaded offer serves the CORS decision and both fast paths: the
	// instance's view of the current table, made once per table.
	t, _ := g.loader.current.Load().(*table)
	v, _ := g.view.Load().(*view)
	if v == nil || v.t != t {
		v = newView(g, t)
	}
	o := v.o
	h := rw.Header()
	cors.Apply(v.pol, h, hdr[hkOrigin])
	if hdr[hkPaymentSignature] != nil || hdr[hkXPayment] != nil {
		servePaid(g, rw, req, o)
		return
	}
	c := fastChallenge(g, req, o)
	if c == nil {
		serveSlow(g, rw, req)
		return
	}
	// writeChallenge, inlined (and the header map read once): one call frame and
	// one call into compiled code less on every 402.
	h[hkPaymentRequired] = c.Header
	h[hkContentType] = hvJSON
	h[hkCacheControl] = hvNoStore
	rw.WriteHeader(http.StatusPaymentRequired)
	_, _ = rw.Write(c.Body)
}

// view is what a gate instance reads from one routes table on every request: its
// offer (nil: not in the table, not compilable, or no table yet) and the cross-origin
// policy that applies (the offer's, else the instance's). ServeHTTP keeps the last one
// per instance, which saves a call, a map lookup and an atomic load per request under
// Yaegi.
type view struct {
	t   *table
	o   *offer
	pol *cors.Policy
}

// newView makes and remembers the instance's view of t (nil: no table loaded).
func newView(g *Gate, t *table) *view {
	v := &view{t: t, pol: g.s.cors}
	if t != nil {
		v.o = offerOf(t, g.s.offerKey)
	}
	if v.o != nil && v.o.cors != nil {
		v.pol = v.o.cors
	}
	g.view.Store(v)
	return v
}

// offerCORS is the offer's cross-origin policy, else the instance's (also for no
// offer, before the routes document loads, so that 503 is readable too).
func offerCORS(g *Gate, o *offer) *cors.Policy {
	if o != nil && o.cors != nil {
		return o.cors
	}
	return g.s.cors
}

// fastChallenge returns the challenge for the common case, an unpaid request (not
// from a browser) for a paid rule of a loaded, active offer, with an origin-form
// request-target (what servers hand to Traefik); nil sends the request to serveSlow.
// Under Yaegi every call allocates a slot for each value its function holds, so the
// functions on this path are small and cold branches live elsewhere.
//
// A repeated request skips routing and rendering through a per-offer cache keyed by
// the method and the resource URL, which is the request-target behind the gate's
// base (resourceBaseURL, else scheme and host): the key is all a challenge depends on
// besides the offer, and a new URL's challenge renders the URL straight out of it.
// Gate instances that share the routes source share the offer and so its cache; their
// bases may differ and even contain a path ("https://x/a" + "/b" and "https://x" +
// "/a/b" spell the same key), so an entry also records the length of its
// request-target and answers only a request with the same one: the same key and the
// same request-target length mean the same method, base and request-target (a method
// holds no space: net/http reads it as a token).
func fastChallenge(g *Gate, req *http.Request, o *offer) *challenge.Answer {
	hdr := req.Header
	if o == nil || o.draining || req.Method == http.MethodOptions {
		return nil
	}
	// Browsers (text/html in Accept) may get the paywall: serveSlow decides.
	if a := hdr[hkAccept]; a != nil && strings.Contains(a[0], "text/html") {
		return nil
	}
	// The origin form is checked on a miss (routeChallenge): an entry's request-target
	// starts with '/' where the same key's other spellings do not, so the length
	// check already keeps them apart.
	uri := req.RequestURI
	var key string
	if g.s.keyBase == "" {
		// Traefik sets X-Forwarded-Proto to exactly "http" or "https"; anything else
		// (a list from other proxies, odd case) takes the slow parse.
		sep := " http://"
		if fp := hdr[hkForwardedProto]; fp != nil {
			if fp[0] == "https" {
				sep = " https://"
			} else if fp[0] != "http" {
				sep = oddKeySep(req)
			}
		} else if req.TLS != nil {
			sep = " https://"
		}
		key = req.Method + sep + req.Host + uri
	} else {
		key = req.Method + g.s.keyBase + uri
	}
	o.fastMu.RLock()
	c := o.fast[key]
	o.fastMu.RUnlock()
	if c == nil || c.Target != len(uri) {
		c = routeChallenge(o, req, key)
		if c == nil {
			return nil
		}
	}
	atomic.AddInt64(&o.primary.Required, 1)
	return c
}

// oddKeySep is fastChallenge's " scheme://" for an X-Forwarded-Proto other than
// exactly "http" or "https", out of line: its expression's value slots would be
// allocated on every request.
func oddKeySep(req *http.Request) string {
	return " " + forwardedScheme(req.Header[hkForwardedProto][0], req.TLS != nil)
}

// routeChallenge routes an origin-form request the offer cache has not seen and
// returns its challenge (nil: not a paid rule, or a path serveSlow refuses),
// remembering it under key ("METHOD resource-URL").
//
// It routes like routeRequest, inlined with reqpath.Forwarded's common path (two
// stdlib calls; anything else takes reqpath.Slow): under Yaegi every call allocates
// a frame and a slot per value of its function, and this runs for every URL the cache
// has not seen.
func routeChallenge(o *offer, req *http.Request, key string) *challenge.Answer {
	p := req.RequestURI
	if p == "" || p[0] != '/' {
		return nil // serveSlow renders it uncached
	}
	if i := strings.IndexAny(p, reqpath.Stop); i >= 0 {
		if p[i] == '?' {
			p = p[:i]
		} else {
			p = ""
		}
	}
	if path.Clean(p) != p {
		if p = slowPath(req.RequestURI); p == "" {
			return nil // refused on serveSlow
		}
	}
	r := o.all
	if o.re != nil {
		r = nil
		if m := o.re.FindStringSubmatchIndex(req.Method + " " + p); m != nil {
			for i := 0; i < len(o.rules); i++ {
				if m[2+2*i] >= 0 {
					r = o.rules[i]
					break
				}
			}
		}
	} else if o.trie != nil {
		r = nil
		if i := trieFind(o.trie, req.Method, p); i >= 0 {
			r = o.rules[i]
		}
	}
	if r == nil || r.free {
		return nil // refusals and free rules: serveSlow
	}
	// The resource URL is the key after the method.
	c := challenge.Render(r.prices, key[len(req.Method)+1:])
	c.Target = len(req.RequestURI)
	// Kept in the cache (see cacheRare for the bounds): the common case inline, with
	// the size counted first so cacheRare knows it was.
	size := int64(len(key) + len(c.Header[0]) + len(c.Body))
	if size > challengeEntryMax {
		return c
	}
	o.fastMu.Lock()
	if atomic.AddInt64(o.cacheBytes, size) > challengeCacheBudget || len(o.fast) >= challengeCacheSize || o.fast[key] != nil {
		cacheRare(o, key, c, size)
	} else {
		o.fast[key] = c
		o.fastBytes += size
	}
	o.fastMu.Unlock()
	return c
}

// cacheRare keeps c under key in o's challenge cache when the common case cannot:
// size is already counted in *o.cacheBytes and o.fastMu is held. The cache is bounded
// per offer by entries and, with every other offer of the routes document, by bytes:
// any client can make every URL new (a query, a Host header), and a table of 10,000
// offers at 1,024 entries each would otherwise hold gigabytes. A full offer starts
// over; when the document's budget is spent, the offer gives back its own entries and
// keeps this one only if that made room (past that the 402s are rendered each time,
// which is what a new URL costs anyway).
func cacheRare(o *offer, key string, c *challenge.Answer, size int64) {
	atomic.AddInt64(o.cacheBytes, -size)
	if len(o.fast) >= challengeCacheSize {
		dropChallenges(o)
	}
	if old := o.fast[key]; old != nil {
		// A base sharing this key with another request-target length: replaced.
		oldSize := int64(len(key) + len(old.Header[0]) + len(old.Body))
		o.fastBytes -= oldSize
		atomic.AddInt64(o.cacheBytes, -oldSize)
		delete(o.fast, key)
	}
	if atomic.AddInt64(o.cacheBytes, size) > challengeCacheBudget {
		atomic.AddInt64(o.cacheBytes, -size)
		dropChallenges(o)
		if atomic.AddInt64(o.cacheBytes, size) > challengeCacheBudget {
			atomic.AddInt64(o.cacheBytes, -size)
			return
		}
	}
	o.fast[key] = c
	o.fastBytes += size
}

// dropChallenges empties o's challenge cache and gives its bytes back to the
// document's budget; o.fastMu is held.
func dropChallenges(o *offer) {
	atomic.AddInt64(o.cacheBytes, -o.fastBytes)
	o.fast = make(map[string]*challenge.Answer, 64)
	o.fastBytes = 0
}

// slowPath is the forwarded path of an origin-form request-target off reqpath's
// common path, "" when it is refused.
func slowPath(uri string) string {
	p, problem := reqpath.Slow(uri)
	if problem != "" {
		return ""
	}
	return p
}

// servePaid routes a request that carries a payment to pay. It is the common paid
// case only, kept small because Yaegi allocates every value slot of a function on each
// call: anything unusual (no routes, unknown or draining offer, a preflight, no rule,
// a free rule, an empty header) goes to serveSlow.
func servePaid(g *Gate, rw http.ResponseWriter, req *http.Request, o *offer) {
	if o == nil || o.draining || req.Method == http.MethodOptions {
		serveSlow(g, rw, req)
		return
	}
	r, _, _ := routeRequest(o, req)
	if r == nil || r.free {
		serveSlow(g, rw, req)
		return
	}
	if len(req.Header[hkPaymentSignature]) == 0 && len(req.Header[hkXPayment]) == 0 {
		serveSlow(g, rw, req)
		return
	}
	payRule(g, rw, req, o, r)
}

// payRule is the one tail of both paths for a request that carries a payment to a
// paid rule: count it, pick the protocol version and the settlement order, and pay.
func payRule(g *Gate, rw http.ResponseWriter, req *http.Request, o *offer, r *rule) {
	atomic.AddInt64(&o.primary.Requests, 1)
	// The Accept check and offerCORS (in pay) are inlined on this path: each call is a
	// Yaegi frame on every paid request.
	a := req.Header[hkAccept]
	before := r.before || (len(a) > 0 && strings.Contains(a[0], "text/event-stream"))
	if v2 := req.Header[hkPaymentSignature]; len(v2) > 0 {
		pay(g, rw, req, o, r.prices, before, v2[0], x402.V2)
		return
	}
	pay(g, rw, req, o, r.prices, before, req.Header[hkXPayment][0], x402.V1)
}

// serveSlow is the complete gate; ServeHTTP answers the common unpaid case itself,
// servePaid the common paid one, and they hand everything else here.
func serveSlow(g *Gate, rw http.ResponseWriter, req *http.Request) {
	hdr := req.Header
	if req.Method == http.MethodOptions && len(hdr[hkACRequestMethod]) > 0 {
		preflight(g, rw, req)
		return
	}
	t, _ := g.loader.current.Load().(*table)
	if t == nil {
		rw.Header()[hkRetryAfter] = []string{"5"}
		reject(rw, http.StatusServiceUnavailable, x402.ReasonRoutesNotLoaded,
			"the payment gate has not loaded its routes document yet; retry shortly")
		return
	}
	o := offerOf(t, g.s.offerKey)
	if o == nil {
		rw.Header()[hkRetryAfter] = []string{"5"}
		reject(rw, http.StatusServiceUnavailable, x402.ReasonOfferUnknown,
			"offer "+g.s.offerKey+" is not in the routes document (generation "+strconv.FormatInt(t.generation, 10)+"); it may be publishing, retry shortly")
		return
	}
	if o.draining && !g.now().Before(o.drainEndsAt) {
		atomic.AddInt64(&o.primary.Requests, 1)
		reject(rw, http.StatusForbidden, x402.ReasonOfferDrained,
			"offer "+g.s.offerKey+" was withdrawn at "+o.drainEndsAt.UTC().Format(time.RFC3339))
		return
	}
	r, p, problem := routeRequest(o, req)
	if problem != "" {
		atomic.AddInt64(&o.primary.Requests, 1)
		reject(rw, http.StatusBadRequest, x402.ReasonAmbiguousPath, reqpath.Message(problem))
		return
	}
	if r == nil {
		atomic.AddInt64(&o.primary.Requests, 1)
		reject(rw, http.StatusForbidden, x402.ReasonNoRouteRule,
			"no route rule of offer "+g.s.offerKey+" covers "+req.Method+" "+relativePath(o.pathPrefix, p)+"; the path is under a paid prefix, so it is refused")
		return
	}
	if r.free {
		atomic.AddInt64(&o.primary.Requests, 1)
		stripPaymentHeaders(g, req)
		// A free path is the upstream's own answer, under its own CORS.
		cors.Clear(rw.Header())
		g.next.ServeHTTP(rw, req)
		return
	}
	if len(hdr[hkPaymentSignature]) == 0 && len(hdr[hkXPayment]) == 0 {
		atomic.AddInt64(&o.primary.Required, 1)
		unpaid(g, rw, req, r.prices)
		return
	}
	payRule(g, rw, req, o, r)
}

// preflight answers a CORS preflight for the offer's paid and refused paths (the
// answer for the real request comes from the gate, so the gate allows it); a
// preflight for a free path goes to the upstream, whose answer it is. ServeHTTP has
// already set Allow-Origin for an allowed origin.
func preflight(g *Gate, rw http.ResponseWriter, req *http.Request) {
	pol := g.s.cors
	if t, _ := g.loader.current.Load().(*table); t != nil {
		if o := offerOf(t, g.s.offerKey); o != nil {
			pol = offerCORS(g, o)
			if freePreflight(o, req) {
				cors.Clear(rw.Header())
				g.next.ServeHTTP(rw, req)
				return
			}
		}
	}
	origin := req.Header[hkOrigin]
	if !cors.Allowed(pol, origin) {
		got := "no Origin header"
		if len(origin) > 0 {
			got = "origin " + origin[0]
		}
		reject(rw, http.StatusForbidden, x402.ReasonOriginNotAllowed,
			got+" may not read this offer's answers; its CORS policy allows "+strings.Join(pol.Origins, ", ")+" (ServiceOffer spec.cors.allowOrigins)")
		return
	}
	cors.Preflight(pol, rw.Header())
	rw.WriteHeader(http.StatusNoContent)
}

// freePreflight reports whether a preflight is for a free path rule, routed with the
// method the real request will use.
func freePreflight(o *offer, req *http.Request) bool {
	if o.re == nil && o.trie == nil {
		return false
	}
	p, problem := reqpath.Forwarded(req.RequestURI, req.URL)
	if problem != "" {
		return false
	}
	r := route(o, strings.ToUpper(req.Header.Get(hkACRequestMethod)), p)
	return r != nil && r.free
}

func wantsHTML(req *http.Request) bool {
	a, ua := req.Header[hkAccept], req.Header[hkUserAgent]
	return len(a) > 0 && len(ua) > 0 && strings.Contains(a[0], "text/html") && strings.Contains(ua[0], "Mozilla")
}

// stripPaymentHeaders removes what the upstream must not see: the payment itself, any
// payer header a client tried to forge and any value of the upstream credential's
// header a client sent (the credential is the gate's alone), in every spelling an upstream might fold
// into the same name (X_Turnpike_Payer, payment_signature). The spellings were
// canonicalized at configuration time, so this is a few map deletes and no scan.
func stripPaymentHeaders(g *Gate, req *http.Request) {
	h := req.Header
	for _, k := range g.s.strip {
		delete(h, k)
	}
}

// resourceURL is the x402 resource: the configured public base plus the request URI,
// else scheme and host as the client used them.
func resourceURL(g *Gate, req *http.Request) string {
	uri := req.RequestURI
	if uri == "" || uri[0] != '/' {
		uri = req.URL.RequestURI()
	}
	if g.s.resourceBase != "" {
		return g.s.resourceBase + uri
	}
	// Traefik sets X-Forwarded-Proto to exactly "http" or "https"; anything else
	// (a list from other proxies, odd case) takes the slow parse.
	fp := req.Header[hkForwardedProto]
	if fp == nil {
		if req.TLS != nil {
			return "https://" + req.Host + uri
		}
		return "http://" + req.Host + uri
	}
	if fp[0] == "https" {
		return "https://" + req.Host + uri
	}
	if fp[0] == "http" {
		return "http://" + req.Host + uri
	}
	return forwardedScheme(fp[0], req.TLS != nil) + req.Host + uri
}

// forwardedScheme reads the first hop of an X-Forwarded-Proto list.
func forwardedScheme(v string, tls bool) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "https":
		return "https://"
	case "http":
		return "http://"
	}
	if tls {
		return "https://"
	}
	return "http://"
}

// payment carries one paid request through the gate. The steps are small functions
// and every failure is written by payFailed: under Yaegi each call allocates all value
// slots of its function, so the messages of rare failures must not sit in the
// functions every paid request runs. Fields are assigned one per statement: Yaegi
// v0.16.1 silently drops some tuple assignments to struct fields.
type payment struct {
	g       *Gate
	rw      http.ResponseWriter
	req     *http.Request
	ps      *challenge.Set
	primary *metrics.Series
	sr      *metrics.Series // the matched option's series
	opt     *challenge.Option
	now     time.Time
	resURL  string // computed when needed (v1 requirements, refusals)
	raw     []byte
	pl      x402.PaymentPayload
	version int
	// validBefore of the authorization, unix seconds.
	validBefore int64
	key         string // replay-guard key, set once acquired
	// upstreamHeaders: the upstream may have written into the response headers.
	upstreamHeaders bool
	// body is the facilitator request (verify and settle send the same).
	body  []byte
	payer string
	// receiptHeader is PAYMENT-RESPONSE (v2) or X-PAYMENT-RESPONSE (v1).
	receiptHeader string
	// Failure: a reason code and what the message needs.
	code, detail, x402Err string
	// ctx is the request's context without its cancellation, for verify and settle
	// (made once: each stdlib call costs ~1 us under Yaegi).
	ctx context.Context
	// attempt carries X-Turnpike-Attempt (fresh per paid request) on /verify,
	// /settle and /release.
	attempt http.Header
	// claimed: the facilitator confirmed the turnpike-claim for this attempt, so no
	// other replica can settle this authorization.
	claimed bool
	// keep: the settle outcome is unknown or pending; the authorization must never
	// be released for reuse (it is reconciled instead).
	keep bool
	// bw is the buffering writer of a settle-after request (nil: settle before).
	bw *bufferedWriter
	// retry: this request retries a payment this process already answered for.
	retry    *answers.Entry
	retryKey string
	// cors is the offer's cross-origin policy: an answer the upstream wrote headers
	// into, or one replayed from the answers cache, is put back under it.
	cors *cors.Policy
}

// pay handles a request that carries a payment.
func pay(g *Gate, rw http.ResponseWriter, req *http.Request, o *offer, ps *challenge.Set, before bool, header string, version int) {
	p := &payment{g: g, rw: rw, req: req, ps: ps, primary: o.primary, sr: o.primary, now: g.now(), version: version}
	p.cors = g.s.cors
	if o.cors != nil {
		p.cors = o.cors
	}
	if !decodePayment(p, header) || !matchPayment(p) || !verifyPayment(p) {
		payFailed(p)
		return
	}
	if req.Context().Err() != nil {
		buyerGone(p)
		return
	}
	stripPaymentHeaders(g, req)
	if g.s.payerHeader != "" {
		req.Header[g.s.payerHeader] = []string{p.payer}
	}
	if g.s.upstreamAuth != "" {
		setUpstreamAuth(g, req)
	}
	if !p.claimed && unclaimed(p) {
		before = true
	}
	if !before && o.inference {
		before = streamRequested(req)
	}
	if before {
		payBefore(p)
		return
	}
	payAfter(p)
}

// setUpstreamAuth gives the upstream the gate's credential (configured rarely; out of
// pay, whose every value slot Yaegi allocates on each call).
func setUpstreamAuth(g *Gate, req *http.Request) {
	req.Header[g.s.upstreamAuthHeader] = []string{g.s.upstreamAuth}
}

// payBefore settles, then calls the upstream with the original writer: under Yaegi a
// wrapped writer loses http.Flusher, and streaming needs it. (Out of pay: Yaegi
// allocates every value slot of a function on each call, used or not.)
func payBefore(p *payment) {
	receipt, ok := settle(p, p.rw)
	if !ok {
		if !p.keep {
			releasePayment(p)
		}
		return
	}
	rememberAnswer(p, answers.Settled, receipt)
	applyReceipt(p.rw.Header(), p.receiptHeader, receipt)
	p.g.next.ServeHTTP(p.rw, p.req)
}

// buyerGone ends a verified payment whose buyer hung up during verify: nothing is
// settled or forwarded, and the authorization is freed for the buyer's retry.
func buyerGone(p *payment) {
	metrics.Fail(p.sr, x402.ReasonBuyerDisconnected)
	releasePayment(p)
}

// releaseUnsettled lets the buyer use an authorization again when nothing was settled
// (upstream error, failed settlement, panic); an unknown or pending outcome keeps it
// refused.
func releaseUnsettled(b *bufferedWriter) {
	if !b.settled && !b.st.keep {
		releasePayment(b.st)
	}
}

// releasePayment frees an authorization nothing was charged for: in the local guard,
// and at the facilitator when it claimed it for this attempt (in the background, with
// a context of its own: the buyer's connection may be gone, and the answer must not
// wait for it).
func releasePayment(p *payment) {
	replay.Release(p.g.replay, p.key)
	if p.claimed {
		go releaseClaim(p.g, p.body, p.attempt)
	}
}

// releaseClaim retries while the facilitator gives no answer (down, restarting): a
// claim left behind would lock the buyer's authorization until its validBefore.
func releaseClaim(g *Gate, body []byte, attempt http.Header) {
	delay := time.Second
	for i := 0; i < releaseTries; i++ {
		res, err := x402.ReleaseEncoded(g.fac.client, context.Background(), body, attempt)
		if err == nil {
			if !res.Released && res.Reason != x402.ReasonNotClaimed {
				log.Printf("turnpike: %s: release: facilitator kept the claim (%s)", g.name, res.Reason)
			}
			return
		}
		log.Printf("turnpike: %s: release (try %d of %d): %v", g.name, i+1, releaseTries, err)
		time.Sleep(delay)
		delay = delay * 2
	}
}

// releaseTries bounds releaseClaim: 1+2+4+8+16 s covers a facilitator restart.
const releaseTries = 6

// unclaimed notes a verified payment whose facilitator did not confirm the claim
// (counted, logged once per facilitator) and reports whether it must settle before
// the upstream: then a second replica given the same payment fails to settle on the
// used nonce and serves nothing.
func unclaimed(p *payment) bool {
	atomic.AddInt64(&p.sr.Unclaimed, 1)
	f := p.g.fac
	after := p.g.s.unclaimedAfter
	if atomic.CompareAndSwapInt32(&f.unclaimedLogged, 0, 1) {
		if after {
			log.Printf("turnpike: facilitator %s does not confirm turnpike-claims and unclaimedSettlement is \"after\": with several gate replicas one payment may be served once per replica", f.client.BaseURL())
		} else {
			log.Printf("turnpike: facilitator %s does not confirm turnpike-claims; settle-after routes settle before calling the upstream (unclaimedSettlement: \"after\" turns this off at the risk of serving one payment once per replica)", f.client.BaseURL())
		}
	}
	return !after
}

// newAttempt returns the X-Turnpike-Attempt header of a fresh attempt: 16 random
// bytes as 32 lowercase hex characters.
func newAttempt() http.Header {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return x402.CallHeader(hex.EncodeToString(b))
}

// requestID names what a payment paid for: a retry must ask for the same.
func requestID(req *http.Request) string {
	return req.Method + " " + req.RequestURI
}

// findRetry looks up what this process answered for an authorization the replay
// guard refused: a retry of the same request gets that answer again.
func findRetry(p *payment, key string) {
	e, ok := answers.Get(p.g.answers, key, p.now.Unix())
	if ok && e.Request == requestID(p.req) {
		p.retry = &e
		p.retryKey = key
	}
}

// decodePayment decodes the header leniently (size-capped) into p.pl.
func decodePayment(p *payment, header string) bool {
	raw, err := x402.DecodeHeaderBytes(header, x402.MaxHeaderBytes)
	if err == nil {
		err = json.Unmarshal(raw, &p.pl)
	}
	if err == nil {
		err = unambiguous(raw, &p.pl)
	}
	v := p.pl.X402Version
	if err != nil || (v != x402.V1 && v != x402.V2) {
		return badPayload(p, err)
	}
	p.raw = raw
	p.version = v
	p.receiptHeader = hkPaymentResponse
	if v == x402.V1 {
		p.receiptHeader = hkXPaymentResponse
	}
	return true
}

// badPayload notes why decodePayment refused the payload; false always. (Out of
// decodePayment: under Yaegi a call allocates every value slot of its function, those
// of branches not taken included.)
func badPayload(p *payment, err error) bool {
	if err != nil {
		p.code = x402.ReasonInvalidHeader
		p.detail = err.Error()
		return false
	}
	p.code = x402.ReasonInvalidVersion
	return false
}

// errAmbiguous refuses a payload that two JSON parsers could read differently: the
// gate reads it with encoding/json (keys matched case-insensitively, the last of
// duplicate keys wins) but forwards the raw bytes to the facilitator, whose parser
// may be case-sensitive or keep the first duplicate. The replay key and the checks
// must describe the authorization the facilitator settles.
var errAmbiguous = errors.New("ambiguous JSON: a duplicate key, or a key that differs from its x402 spelling only by case; send each field once, spelled exactly as in the x402 spec")

// payloadKeys are the keys of a PaymentPayload that encoding/json fills into
// struct fields. exactKeyDrop deletes them spelled exactly; what is left may hold
// no spelling that folds to one of them (in ASCII case, or by the Unicode folds Go's
// decoder also accepts, e.g. U+017F for s): such a key only case-insensitive parsers
// read.
const payloadKeys = `x402Version|resource|accepted|scheme|network|payload|extensions|url|description|mimeType|amount|asset|payTo|maxTimeoutSeconds|extra|signature|authorization|from|to|value|validAfter|validBefore|nonce`

// The key checks are strings.Replacers (one compiled pass each) rather than two
// FindAllIndex calls of case-folding regexps: the backtracker, started at every quote
// of a ~700-byte payload, cost ~8% of a paid request's CPU under Yaegi.
var (
	exactKeyDrop  = keyDropper(payloadKeys)
	foldedKeyDrop = keyDropper(strings.ToLower(payloadKeys))
	// foldASCII lower-cases exactly what case-insensitive key matching folds into
	// ASCII: A-Z, U+017F (long s) and U+212A (Kelvin sign). strings.ToLower would
	// also map e.g. U+0130 to 'i', which no decoder matches to a key.
	foldASCII = strings.NewReplacer("A", "a", "B", "b", "C", "c", "D", "d", "E", "e", "F", "f", "G", "g", "H", "h", "I", "i",
		"J", "j", "K", "k", "L", "l", "M", "m", "N", "n", "O", "o", "P", "p", "Q", "q", "R", "r", "S", "s", "T", "t",
		"U", "u", "V", "v", "W", "w", "X", "x", "Y", "y", "Z", "z", "\u017f", "s", "\u212a", "k")
	keyEnd = []byte(`":`)
)

// keyDropper deletes every `"key":` of a |-separated key list.
func keyDropper(list string) *strings.Replacer {
	var pairs []string
	for _, k := range strings.Split(list, "|") {
		pairs = append(pairs, `"`+k+`":`, "")
	}
	return strings.NewReplacer(pairs...)
}

// unambiguous refuses duplicate keys at any level and case variants of the keys the
// gate reads, in pl as decoded from raw. A payload that is byte for byte the gate's own
// encoding of pl (what Go clients, the buyer sidecar among them, send) is settled by
// canonicalPayload in three compiled calls; any other takes unambiguousGeneral, which
// decides every payload alone (a differential test and fuzz target hold the two to the
// same answers).
func unambiguous(raw []byte, pl *x402.PaymentPayload) error {
	if bytes.IndexByte(raw, '\\') < 0 && canonicalPayload(raw, pl) {
		return nil
	}
	return unambiguousGeneral(raw)
}

// canonicalPayload reports a payload without escapes that equals the encoding of what
// it decoded to, in the gate's field order (Go clients, the buyer sidecar among them) or
// in the official x402 TypeScript client's (clientOrder), with no extensions and an
// extra (if any) of the EIP-712 domain's fixed shape. Such a payload holds each struct
// field's key once and spelled exactly (the encoder writes each field once, under its
// tag); extra is the only part copied as it came, and plainExtra admits only the one
// object shape whose keys are distinct and none of them a payload key. So it holds no
// duplicate and no variant. A literal '<', '>' or '&' (JSON.stringify does not escape
// them, json.Marshal does) is compared against an encoding that keeps them literal too.
func canonicalPayload(raw []byte, pl *x402.PaymentPayload) bool {
	if len(pl.Extensions) > 0 || (pl.Accepted != nil && pl.Accepted.Extra != nil && !plainExtra.Match(pl.Accepted.Extra)) {
		return false
	}
	var v any = pl
	if bytes.Contains(raw, clientOrderMark) {
		v = &clientOrder{X402Version: pl.X402Version, Scheme: pl.Scheme, Network: pl.Network,
			Payload:  clientOrderEVM{Authorization: pl.Payload.Authorization, Signature: pl.Payload.Signature},
			Resource: pl.Resource, Accepted: pl.Accepted}
	}
	t, err := json.Marshal(v)
	if err == nil && bytes.Equal(t, raw) {
		return true
	}
	return bytes.ContainsAny(raw, "<>&") && literalHTMLEqual(v, raw)
}

// literalHTMLEqual: v encoded with '<', '>' and '&' left literal equals raw.
func literalHTMLEqual(v any, raw []byte) bool {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return false
	}
	return bytes.Equal(bytes.TrimSuffix(b.Bytes(), newline), raw)
}

// clientOrder is a payment payload in the key order the official x402 TypeScript
// client (@x402/core, @x402/evm) writes it: {x402Version, payload: {authorization,
// signature}, resource, accepted} for v2 (extensions only when the 402 offered some,
// which the gate's does not) and {x402Version, scheme, network, payload} for v1.
type clientOrder struct {
	X402Version int                `json:"x402Version"`
	Scheme      string             `json:"scheme,omitempty"`
	Network     string             `json:"network,omitempty"`
	Payload     clientOrderEVM     `json:"payload"`
	Resource    *x402.ResourceInfo `json:"resource,omitempty"`
	Accepted    *x402.Requirements `json:"accepted,omitempty"`
}

type clientOrderEVM struct {
	Authorization x402.Authorization `json:"authorization"`
	Signature     string             `json:"signature"`
}

// clientOrderMark starts the payload object of a clientOrder encoding.
var clientOrderMark = []byte(`"payload":{"authorization":`)

// plainExtra is the `extra` the gate's offers carry (x402.EIP712Extra with its
// optional pricing, fields in their encoding order), strings without quotes or
// escapes: each key at most once, and none a payload key in any spelling.
var plainExtra = regexp.MustCompile(`^\{"name":"[^"\\]*","version":"[^"\\]*"` +
	`(,"pricing":\{"model":"[^"\\]*"(,"price":"[^"\\]*")?(,"perMTok":"[^"\\]*")?(,"approxTokensPerRequest":[0-9]+)?(,"rounding":"[^"\\]*")?\})?\}$`)

// unambiguousGeneral decides any payload. Without a backslash in the payload (every real client) a quote always
// delimits a string, so in the compacted form `":` ends a key or opens a value that
// starts with ':' the same way in the re-encoding: decoding into generic maps drops
// exactly the duplicates, and the count of `":` falls. Deleting the exactly spelled
// keys cannot join two pieces into a new key (a key follows '{' or ',', a value
// follows it), so a folded key left afterwards is a variant. A handful of compiled
// calls, no interpreted loop; payloads with escapes take the exact token walk.
func unambiguousGeneral(raw []byte) error {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return unambiguousSlow(raw)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return err
	}
	c := compact.Bytes()
	rest := foldASCII.Replace(exactKeyDrop.Replace(string(c)))
	if len(foldedKeyDrop.Replace(rest)) != len(rest) {
		return errAmbiguous
	}
	var generic any
	if err := json.Unmarshal(c, &generic); err != nil {
		return err
	}
	again, err := json.Marshal(generic)
	if err != nil {
		return err
	}
	if bytes.Count(c, keyEnd) != bytes.Count(again, keyEnd) {
		return errAmbiguous
	}
	return nil
}

// foldedKeys maps each payload key, lower-cased, to its exact spelling.
var foldedKeys = foldKeys(payloadKeys)

func foldKeys(list string) map[string]string {
	m := map[string]string{}
	for _, k := range strings.Split(list, "|") {
		m[strings.ToLower(k)] = k
	}
	return m
}

// unambiguousSlow walks the tokens of a payload that contains escapes (rare: no x402
// client writes them), checking every object for duplicate keys (after unescaping,
// as every parser compares them) and case variants of the payload keys.
func unambiguousSlow(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// One key set per open object; nil for an open array.
	var stack []map[string]bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, map[string]bool{})
				expectKey = true
			case '[':
				stack = append(stack, nil)
				expectKey = false
			default:
				stack = stack[:len(stack)-1]
				expectKey = len(stack) > 0 && stack[len(stack)-1] != nil
			}
			continue
		}
		top := len(stack) - 1
		if top < 0 || stack[top] == nil {
			continue
		}
		if !expectKey {
			expectKey = true // that was a value; a key follows (or the object ends)
			continue
		}
		k := tok.(string)
		if stack[top][k] {
			return errAmbiguous
		}
		stack[top][k] = true
		if exact, ok := foldedKeys[foldKey(k)]; ok && exact != k {
			return errAmbiguous
		}
		expectKey = false
	}
}

// foldKey lower-cases k and maps the non-ASCII letters that Go's decoder folds into
// ASCII ones (U+017F to s, U+212A to k), so every spelling encoding/json would match
// to a payload key is found.
func foldKey(k string) string {
	return strings.ToLower(asciiFolds.Replace(k))
}

var asciiFolds = strings.NewReplacer("\u017f", "s", "\u212a", "k")

// matchPayment finds the one offered requirement and runs the local checks.
func matchPayment(p *payment) bool {
	p.opt = findOption(p.ps, &p.pl)
	if p.opt == nil {
		p.code = x402.ReasonNoMatch
		return false
	}
	p.sr = p.opt.Series
	code, validBefore := checkAuthorization(p.opt, &p.pl.Payload.Authorization, p.now, p.g.s.validitySlack)
	p.code = code
	p.validBefore = validBefore
	return code == ""
}

// verifyPayment claims the authorization in the replay guard and asks the
// facilitator, with the server's own copy of the requirement.
func verifyPayment(p *payment) bool {
	a := &p.pl.Payload.Authorization
	key := p.opt.Req.Network + "|" + strings.ToLower(a.From+"|"+a.Nonce)
	if err := replay.Acquire(p.g.replay, key, p.validBefore, p.now); err != nil {
		return claimRefused(p, key, err)
	}
	p.key = key
	fac := p.g.fac
	if p.version == x402.V1 || fac.client == nil || fac.err != nil {
		if !verifyStartRare(p) {
			return false
		}
	} else {
		p.body = []byte(challenge.RequestHeadV2 + string(p.raw) + p.opt.RequestTail)
	}
	p.attempt = newAttempt()
	start := time.Now()
	// Not cancelled with the buyer's connection (the verify timeout still bounds it):
	// a verify abandoned midway may leave a claim that a /release sent at once would
	// overtake, locking the buyer's retry out for the claim's lifetime. Finished, its
	// claim is known and pay releases it when the buyer is gone.
	p.ctx = context.WithoutCancel(p.req.Context())
	var vres x402.VerifyResponse
	err := x402.VerifyInto(fac.client, p.ctx, p.body, p.attempt, &vres)
	metrics.Observe(p.sr, metrics.OpVerify, time.Since(start))
	if err != nil || !vres.IsValid {
		return verifyRefused(p, &vres, err)
	}
	atomic.AddInt64(&p.sr.Verified, 1)
	// The attempt is 128 fresh random bits, so finding it in the claim object proves
	// the facilitator echoed it as ClaimInfo.attempt (inline and without decoding
	// ClaimInfo: each saves dozens of allocations per paid request under Yaegi).
	if raw := vres.Extensions[x402.ExtensionClaim]; len(raw) > 0 {
		p.claimed = strings.Contains(string(raw), p.attempt[x402.HeaderAttempt][0])
	}
	p.payer = vres.Payer
	if p.payer == "" {
		p.payer = a.From
	}
	return true
}

// claimRefused notes why the replay guard refused the authorization, and finds the
// answer this process gave a payment already settled; false always. The rare paths of
// verifyPayment are functions of their own: under Yaegi a call allocates every value
// slot of its function, those of branches not taken included.
func claimRefused(p *payment, key string, err error) bool {
	p.code = replayReason(err)
	if err == replay.ErrSettled {
		findRetry(p, key)
	}
	return false
}

// verifyStartRare is verifyPayment's start for a v1 payment (its requirement names
// the request's URL) or a facilitator client that is not usable.
func verifyStartRare(p *payment) bool {
	if p.version == x402.V1 && !encodeV1Request(p) {
		return false
	}
	if fac := p.g.fac; fac.client == nil || fac.err != nil {
		p.code = x402.ReasonFacilitatorUnavailable
		return false
	}
	return true
}

// verifyRefused notes why the facilitator did not verify the payment; false always.
func verifyRefused(p *payment, vres *x402.VerifyResponse, err error) bool {
	if err != nil {
		log.Printf("turnpike: %s: verify: %v", p.g.name, err)
		p.code = x402.ReasonFacilitatorUnavailable
		// The facilitator may have claimed the authorization for this attempt before
		// the answer was lost: release it, or the buyer's retry on any replica would
		// meet authorization_claimed until validBefore.
		go releaseClaim(p.g, p.body, p.attempt)
		return false
	}
	if vres.InvalidReason == x402.ReasonAuthorizationClaimed || vres.InvalidReason == x402.ReasonAuthorizationSettled {
		p.code = vres.InvalidReason
		return false
	}
	p.code = x402.ReasonPaymentInvalid
	p.x402Err = vres.InvalidReason
	p.detail = vres.InvalidMessage
	return false
}

func replayReason(err error) string {
	switch {
	case errors.Is(err, replay.ErrFull):
		return x402.ReasonReplayGuardFull
	case errors.Is(err, replay.ErrSettled):
		return x402.ReasonPaymentUsed
	}
	return x402.ReasonPaymentInFlight
}

// payFailed counts and answers a refused payment: 400 for an undecodable header, 503
// when the gate cannot decide safely (facilitator, full replay guard), else 402 with
// the challenge again so the client can retry. It releases a claimed authorization.
func payFailed(p *payment) {
	if p.retry != nil {
		serveRetry(p)
		return
	}
	metrics.Fail(p.sr, p.code)
	if p.key != "" {
		replay.Release(p.g.replay, p.key)
	}
	rw := p.rw
	switch p.code {
	case x402.ReasonInvalidHeader:
		reject(rw, http.StatusBadRequest, p.code,
			"the payment header could not be decoded ("+p.detail+"); send base64 JSON of an x402 PaymentPayload")
		return
	case x402.ReasonFacilitatorUnavailable:
		msg := "the payment could not be verified because the facilitator did not answer usefully; retry with the same payment"
		if f := p.g.fac; f.err != nil {
			msg = "the gate's facilitator client is not usable (" + f.err.Error() + "); the operator must fix its configuration"
		}
		facilitatorDown(rw, msg)
		return
	case x402.ReasonAuthorizationClaimed:
		rw.Header()[hkRetryAfter] = []string{"5"}
		reject(rw, http.StatusConflict, p.code,
			"this authorization is being used by another request right now (possibly on another gate replica); sign a new authorization per request, or, if this retries that request, retry it in a few seconds")
		return
	case x402.ReasonAuthorizationSettled:
		reject(rw, http.StatusConflict, p.code,
			"this authorization was already settled for a request; one payment buys one answer. A retry of that request gets its answer from the gate replica that served it; otherwise sign a new authorization")
		return
	case x402.ReasonReplayGuardFull:
		rw.Header()[hkRetryAfter] = []string{"30"}
		reject(rw, http.StatusServiceUnavailable, p.code,
			"the gate tracks too many live authorizations to accept another safely; retry later")
		return
	}
	x402Err := p.code
	if p.x402Err != "" {
		x402Err = p.x402Err
	}
	refuseWith(rw, p.ps, paymentURL(p), p.code, x402Err, refusalMessage(p))
}

// paymentURL is the request's resource URL, computed once and only when needed.
func paymentURL(p *payment) string {
	if p.resURL == "" {
		p.resURL = resourceURL(p.g, p.req)
	}
	return p.resURL
}

// refusalMessage says what to do about a 402 refusal.
func refusalMessage(p *payment) string {
	switch p.code {
	case x402.ReasonInvalidVersion:
		return "x402Version " + strconv.Itoa(p.pl.X402Version) + " is not supported; use 2 (PAYMENT-SIGNATURE) or 1 (X-PAYMENT)"
	case x402.ReasonNoMatch:
		return "the payment does not match any offered requirement; pay exactly one entry of accepts (v2: echo it unchanged in `accepted`)"
	case x402.ReasonInvalidAuth:
		return "authorization.from must be a 20-byte and authorization.nonce a 32-byte 0x-hex value, validAfter and validBefore decimal unix seconds"
	case x402.ReasonRecipientMismatch:
		return "authorization.to must be the payTo of the accepted requirement (" + p.opt.Req.PayTo + ")"
	case x402.ReasonAmountMismatch:
		return "authorization.value must equal the required amount " + p.opt.Req.Amount + " exactly"
	case x402.ReasonNotYetValid:
		return "authorization.validAfter lies in the future; sign with validAfter <= now"
	case x402.ReasonExpired:
		return "authorization.validBefore has passed or is less than 6 s away; sign a new authorization"
	case x402.ReasonValidityTooLong:
		return "authorization.validBefore lies further ahead than maxTimeoutSeconds (" +
			strconv.FormatInt(p.opt.Req.MaxTimeoutSeconds, 10) + " s) allows"
	case x402.ReasonPaymentUsed:
		return "this authorization (payer and nonce) was already used for a response; sign a new one"
	case x402.ReasonPaymentInFlight:
		return "this authorization is being used by another request right now; sign a new one per request"
	case x402.ReasonPaymentInvalid:
		msg := "the facilitator refused the payment: " + p.x402Err
		if p.detail != "" {
			msg += " (" + p.detail + ")"
		}
		return msg
	}
	return "the payment was refused (" + p.code + ")"
}

// refuseWith answers 402 with the reason, x402's error and the challenge again, so the
// client can retry.
func refuseWith(rw http.ResponseWriter, ps *challenge.Set, resURL string, code, x402Error, msg string) {
	challenge.WriteRefusal(rw, ps, resURL, http.StatusPaymentRequired, challenge.Refusal{Error: x402Error, Reason: code, Message: msg})
}

// unpaid answers an unpaid request on the slow path: the v2 PAYMENT-REQUIRED
// header and a body v1 clients read, or the paywall for browsers. Everything but the
// resource URL was rendered when the offer was compiled (its first request after a reload).
func unpaid(g *Gate, rw http.ResponseWriter, req *http.Request, ps *challenge.Set) {
	if len(req.Header[hkUserAgent]) > 0 && wantsHTML(req) {
		challenge.WritePaywall(rw, ps, resourceURL(g, req))
		return
	}
	writeChallenge(rw, challenge.Render(ps, resourceURL(g, req)))
}

// writeChallenge writes a 402 answer. The header values are shared slices that are
// never modified: building them per request costs allocations under Yaegi.
func writeChallenge(rw http.ResponseWriter, c *challenge.Answer) {
	h := rw.Header()
	h[hkPaymentRequired] = c.Header
	h[hkContentType] = hvJSON
	h[hkCacheControl] = hvNoStore
	rw.WriteHeader(http.StatusPaymentRequired)
	_, _ = rw.Write(c.Body)
}

var (
	hvJSON    = []string{"application/json"}
	hvNoStore = []string{"no-store"}
)

// challengeCacheSize bounds the challenges kept per offer (about 1 KiB each).
const challengeCacheSize = 1024

// challengeEntryMax is the largest challenge cached (key and answer, in bytes): a URL
// of a few KiB renders each time instead of taking a share of the budget.
const challengeEntryMax = 16 << 10

// challengeCacheBudget bounds the bytes of challenges cached by all offers of every
// routes table in service in this process (a variable so tests can lower it): a
// Traefik process holds one table per routes source its Middlewares name, one per
// shard. challengeCacheBytes counts them; a table's offers give their bytes back when
// it is replaced or its loader stops (retireTable). A variable too, so a test can
// count its own tables apart from those other tests left behind.
var (
	challengeCacheBudget int64 = 32 << 20
	challengeCacheBytes        = new(int64)
)

func facilitatorDown(rw http.ResponseWriter, msg string) {
	rw.Header().Set("Retry-After", "5")
	reject(rw, http.StatusServiceUnavailable, x402.ReasonFacilitatorUnavailable, msg)
}

// findOption matches a payload to exactly one offered requirement: v2 by `accepted`
// equal to an offer field by field (extra included), v1 by scheme and network. A v2
// client normally echoes the requirement unchanged, so its re-encoding is looked up
// among the offers' encodings first (one stdlib call instead of an interpreted loop);
// the loop then handles case and key-order differences.
func findOption(ps *challenge.Set, pl *x402.PaymentPayload) *challenge.Option {
	if pl.X402Version == x402.V1 {
		return findOptionV1(ps, pl)
	}
	if pl.Accepted == nil {
		return nil
	}
	if k, err := json.Marshal(pl.Accepted); err == nil {
		if o := ps.ByJSON[string(k)]; o != nil {
			return o
		}
	}
	return findOptionSlow(ps, pl.Accepted)
}

func findOptionV1(ps *challenge.Set, pl *x402.PaymentPayload) *challenge.Option {
	for _, o := range ps.Options {
		if o.V1Name != "" && o.Req.Scheme == pl.Scheme && o.V1Name == pl.Network {
			return o
		}
	}
	return nil
}

func findOptionSlow(ps *challenge.Set, a *x402.Requirements) *challenge.Option {
	for _, o := range ps.Options {
		r := &o.Req
		if r.Scheme == a.Scheme && r.Network == a.Network && r.Amount == a.Amount &&
			strings.EqualFold(r.Asset, a.Asset) && strings.EqualFold(r.PayTo, a.PayTo) &&
			r.MaxTimeoutSeconds == a.MaxTimeoutSeconds && sameExtra(o, a.Extra) {
			return o
		}
	}
	return nil
}

func sameExtra(o *challenge.Option, got json.RawMessage) bool {
	if string(got) == string(o.Req.Extra) {
		return true
	}
	var m map[string]any
	if json.Unmarshal(got, &m) != nil || len(m) != len(o.Extra) {
		return false
	}
	for k, v := range o.Extra {
		if !sameJSONValue(v, m[k]) {
			return false
		}
	}
	return true
}

// sameJSONValue compares two decoded JSON values: strings directly, anything else
// (the pricing object in extra) by its encoding, which sorts object keys.
func sameJSONValue(want, got any) bool {
	if s, ok := want.(string); ok {
		g, ok := got.(string)
		return ok && g == s
	}
	a, err1 := json.Marshal(want)
	b, err2 := json.Marshal(got)
	return err1 == nil && err2 == nil && string(a) == string(b)
}

// checkAuthorization runs the cheap local checks before the facilitator is asked
// and returns a reason code ("" when they pass) and validBefore.
func checkAuthorization(opt *challenge.Option, a *x402.Authorization, now time.Time, slack int64) (string, int64) {
	if !authHex.MatchString(a.From + a.Nonce) {
		return x402.ReasonInvalidAuth, 0
	}
	if !strings.EqualFold(a.To, opt.Req.PayTo) {
		return x402.ReasonRecipientMismatch, 0
	}
	// The amount must be exact; a decimal string compare is enough once leading
	// zeros are excluded, which ParseAtomic would accept.
	if a.Value != opt.Req.Amount {
		return x402.ReasonAmountMismatch, 0
	}
	after, err1 := strconv.ParseInt(a.ValidAfter, 10, 64)
	before, err2 := strconv.ParseInt(a.ValidBefore, 10, 64)
	if err1 != nil || err2 != nil {
		return x402.ReasonInvalidAuth, 0
	}
	ts := now.Unix()
	if after > ts {
		return x402.ReasonNotYetValid, 0
	}
	if before < ts+x402.ClockSkewMarginSeconds {
		return x402.ReasonExpired, 0
	}
	if slack >= 0 && before-ts > opt.Req.MaxTimeoutSeconds+slack {
		return x402.ReasonValidityTooLong, 0
	}
	return "", before
}

// authHex checks authorization.from (20 bytes) followed by the nonce (32 bytes), both
// 0x-hex, in one compiled call.
var authHex = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}0[xX][0-9a-fA-F]{64}$`)

// encodeV1Request pairs a v1 payload with the server's own v1 requirement, whose
// resource is the request's URL.
func encodeV1Request(p *payment) bool {
	r := p.opt.V1
	r.Resource = paymentURL(p)
	// Through the pointer: Yaegi can encode an interpreted struct passed by value as
	// `any` as "{}".
	reqJSON, err := json.Marshal(&r)
	if err != nil {
		p.code = x402.ReasonInvalidHeader
		p.detail = err.Error()
		return false
	}
	p.body = []byte(`{"x402Version":1,"paymentPayload":` + string(p.raw) + `,"paymentRequirements":` + string(reqJSON) + "}")
	return true
}
