// Package proxy is the buyer's HTTP data path: it routes a caller's request to an
// upstream seller, sends it unpaid, answers a 402 with one pre-signed authorization
// from the pool in the seller's protocol version, and streams the seller's answer
// back unbuffered.
package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/challenge"
	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/metrics"
	"github.com/turnpike-x402/turnpike/buyer/pool"
	"github.com/turnpike-x402/turnpike/buyer/state"
	"github.com/turnpike-x402/turnpike/x402"
)

// Defaults.
const (
	DefaultMaxBodyBytes = 10 << 20
	// DefaultMaxAttempts bounds paid retries per request: each retry follows a seller
	// saying the authorization was already used.
	DefaultMaxAttempts = 4
	// maxErrorPeek is how much of a seller's error answer is read to classify it.
	maxErrorPeek = 64 << 10
)

// Options configure a Proxy.
type Options struct {
	Pool         *pool.Pool
	Metrics      *metrics.Metrics
	Transport    http.RoundTripper // nil: a pooled transport without transparent gzip
	MaxBodyBytes int64
	MaxAttempts  int
	Logger       *slog.Logger
	// OnPoolChange runs after a payment changed the pool (refreshes gauges).
	OnPoolChange func()
}

// Proxy is the http.Handler of the data path.
type Proxy struct {
	opts Options
	cfg  atomic.Pointer[config.Snapshot]
}

// New returns a proxy with no upstreams until SetConfig.
func New(opts Options) *Proxy {
	if opts.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true // pass bodies through exactly as the seller sent them
		t.MaxIdleConnsPerHost = 64
		opts.Transport = t
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.OnPoolChange == nil {
		opts.OnPoolChange = func() {}
	}
	return &Proxy{opts: opts}
}

// SetConfig swaps the upstreams atomically (hot reload).
func (p *Proxy) SetConfig(s *config.Snapshot) { p.cfg.Store(s) }

// openAIPaths are routed by the body's `model`.
var openAIPaths = map[string]bool{
	"/v1/chat/completions": true, "/chat/completions": true,
	"/v1/completions": true, "/completions": true,
	"/v1/responses": true, "/responses": true,
	"/v1/embeddings": true, "/embeddings": true,
}

// ModelPrefixes are stripped from a requested model: LiteLLM callers use
// `paid/<model>` and may send its provider form `openai/<model>`.
var ModelPrefixes = []string{"paid/", "openai/"}

// BareModel strips ModelPrefixes repeatedly.
func BareModel(m string) string {
	for {
		stripped := false
		for _, p := range ModelPrefixes {
			if strings.HasPrefix(m, p) {
				m = m[len(p):]
				stripped = true
			}
		}
		if !stripped {
			return m
		}
	}
}

// Error writes a refusal as an x402.ErrorBody, the gate's shape: `error` and `reason`
// are the stable code from the x402 vocabulary.
func Error(w http.ResponseWriter, status int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(x402.NewErrorBody(reason, msg))
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	snap := p.cfg.Load()
	if snap == nil {
		Error(w, http.StatusServiceUnavailable, x402.ReasonConfigNotLoaded, "the buyer has no upstream configuration yet")
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/upstream/"):
		// Split the escaped path, so an encoded slash in the rest reaches the seller
		// encoded.
		rest := strings.TrimPrefix(r.URL.EscapedPath(), "/upstream/")
		escName, sub, _ := strings.Cut(rest, "/")
		name, err := url.PathUnescape(escName)
		if err != nil {
			Error(w, http.StatusBadRequest, x402.ReasonBadPath, err.Error())
			return
		}
		u := snap.Upstreams[name]
		if u == nil {
			Error(w, http.StatusNotFound, x402.ReasonUnknownUpstream, fmt.Sprintf("no upstream named %q is configured", name))
			return
		}
		body, ok := p.readBody(w, r)
		if !ok {
			return
		}
		p.forward(w, r, u, "/"+sub, body)
	case (path == "/v1/models" || path == "/models") && r.Method == http.MethodGet:
		p.models(w, snap)
	case openAIPaths[path]:
		body, ok := p.readBody(w, r)
		if !ok {
			return
		}
		u, body, err := routeModel(snap, body)
		if err != nil {
			Error(w, http.StatusNotFound, x402.ReasonUnknownModel, err.Error())
			return
		}
		p.forward(w, r, u, path, body)
	default:
		Error(w, http.StatusNotFound, x402.ReasonUnknownRoute, "use /upstream/<name>/... or an OpenAI-style path with model paid/<model>")
	}
}

func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	// The body must be replayable for the paid retry, so it is buffered, with a cap.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			Error(w, http.StatusRequestEntityTooLarge, x402.ReasonRequestBodyTooLarge, fmt.Sprintf("request bodies are buffered for the paid retry and limited to %d bytes", p.opts.MaxBodyBytes))
			return nil, false
		}
		Error(w, http.StatusBadRequest, x402.ReasonRequestBodyUnreadable, err.Error())
		return nil, false
	}
	return body, true
}

// routeModel finds the upstream serving the body's model and rewrites the model to
// the bare remote name the seller knows.
func routeModel(snap *config.Snapshot, body []byte) (*config.Upstream, []byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("request body is not a JSON object with a model: %v", err)
	}
	var model string
	if err := json.Unmarshal(doc["model"], &model); err != nil || model == "" {
		return nil, nil, errors.New("request body has no model")
	}
	bare := BareModel(model)
	var found *config.Upstream
	for _, u := range snap.Upstreams {
		if u.RemoteModel == bare {
			found = u
			break
		}
	}
	if found == nil {
		return nil, nil, fmt.Errorf("no purchased upstream serves model %q", model)
	}
	if bare != model {
		doc["model"], _ = json.Marshal(bare)
		out, err := json.Marshal(doc)
		if err != nil {
			return nil, nil, err
		}
		body = out
	}
	return found, body, nil
}

func (p *Proxy) models(w http.ResponseWriter, snap *config.Snapshot) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, n := range snap.Names() {
		if m := snap.Upstreams[n].RemoteModel; m != "" {
			out.Data = append(out.Data, model{ID: "paid/" + m, Object: "model", OwnedBy: n})
		}
	}
	sort.Slice(out.Data, func(i, j int) bool { return out.Data[i].ID < out.Data[j].ID })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// hopHeaders are connection-scoped and never forwarded.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func cleanHeaders(h http.Header) {
	for _, f := range h.Values("Connection") {
		for _, k := range strings.Split(f, ",") {
			h.Del(strings.TrimSpace(k))
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// newRequest builds the request to the seller; escPath is the path below the
// upstream's base URL, escaped as the caller sent it.
func (p *Proxy) newRequest(r *http.Request, u *config.Upstream, escPath string, body []byte) (*http.Request, error) {
	path, err := url.PathUnescape(escPath)
	if err != nil {
		return nil, fmt.Errorf("request path: %w", err)
	}
	target := *u.Base
	target.Path = u.Base.Path + path
	target.RawPath = u.Base.EscapedPath() + escPath
	target.RawQuery = r.URL.RawQuery
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), rd)
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	cleanHeaders(out.Header)
	// A caller's own payment headers never pass: the buyer pays, from its pool only.
	out.Header.Del(x402.HeaderPaymentSignature)
	out.Header.Del(x402.HeaderXPayment)
	if body != nil {
		out.ContentLength = int64(len(body))
	}
	return out, nil
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, u *config.Upstream, path string, body []byte) {
	lv := []string{u.Name, u.RemoteModel, u.Chain()}
	p.opts.Metrics.Requests.WithLabelValues(lv...).Inc()
	fail := func(reason string) {
		p.opts.Metrics.PaymentFailure.WithLabelValues(lv...).Inc()
		p.opts.Metrics.PaymentFailureReasons.WithLabelValues(append(lv, reason)...).Inc()
	}

	req, err := p.newRequest(r, u, path, body)
	if err != nil {
		Error(w, http.StatusBadGateway, x402.ReasonBadUpstreamRequest, err.Error())
		return
	}
	resp, err := p.opts.Transport.RoundTrip(req)
	if err != nil {
		Error(w, http.StatusBadGateway, x402.ReasonSellerUnreachable, fmt.Sprintf("upstream %s: %v", u.Name, err))
		return
	}
	if resp.StatusCode != http.StatusPaymentRequired {
		relay(w, resp, nil)
		return
	}
	peek, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body.Close()
	ch, err := challenge.Parse(resp.Header, peek)
	if err != nil {
		fail(x402.ReasonChallengeInvalid)
		Error(w, http.StatusBadGateway, x402.ReasonSellerChallengeInvalid, fmt.Sprintf("upstream %s answered 402 without usable payment requirements: %v", u.Name, err))
		return
	}
	offers := make([]int, 0, len(ch.Offers))
	var mismatches []string
	for i, o := range ch.Offers {
		if why := u.Terms.Mismatch(o); why != "" {
			mismatches = append(mismatches, fmt.Sprintf("offer %d: %s differs (network %s, payTo %s, asset %s, amount %v)", i, why, o.Network, o.PayTo, o.Asset, o.Amount))
			continue
		}
		offers = append(offers, i)
	}
	if len(offers) == 0 {
		fail(x402.ReasonTermsMismatch)
		Error(w, http.StatusBadGateway, x402.ReasonSellerTermsMismatch, fmt.Sprintf("upstream %s asks for terms the buyer did not agree to (agreed %s %s to %s, asset %s): %s", u.Name, u.Terms.Amount, u.Terms.Network, u.Terms.PayTo, u.Terms.Asset, strings.Join(mismatches, "; ")))
		return
	}

	for attempt := 1; ; attempt++ {
		var offer int
		lease, err := p.opts.Pool.Take(u.Name, func(a auth.Auth) bool {
			for _, i := range offers {
				if a.Pays(ch.Offers[i]) {
					offer = i
					return true
				}
			}
			return false
		})
		if err != nil {
			switch {
			case errors.Is(err, pool.ErrState):
				p.opts.Metrics.StateWriteFailures.Inc()
				fail(x402.ReasonStateWriteFailed)
				Error(w, http.StatusInternalServerError, x402.ReasonStateWriteFailed, "the buyer could not record the authorization before spending it, so it did not pay: "+err.Error())
			case errors.Is(err, pool.ErrNoMatch):
				fail(x402.ReasonNoMatchingAuth)
				Error(w, http.StatusServiceUnavailable, x402.ReasonNoMatchingAuth, err.Error())
			default:
				fail(x402.ReasonPoolExhausted)
				Error(w, http.StatusServiceUnavailable, x402.ReasonPoolExhausted, err.Error())
			}
			return
		}
		p.opts.OnPoolChange()
		name, value, err := ch.Header(offer, lease.Auth)
		if err != nil {
			_ = lease.Release()
			fail(x402.ReasonPaymentEncodeFailed)
			Error(w, http.StatusInternalServerError, x402.ReasonPaymentEncodeFailed, err.Error())
			return
		}
		req, err := p.newRequest(r, u, path, body)
		if err != nil {
			_ = lease.Release()
			Error(w, http.StatusBadGateway, x402.ReasonBadUpstreamRequest, err.Error())
			return
		}
		req.Header.Set(name, value)
		unreplayable(req, body)
		p.opts.Metrics.PaymentAttempts.WithLabelValues(lv...).Inc()
		resp, err := p.opts.Transport.RoundTrip(req)
		if err != nil {
			if notSent(err) {
				_ = lease.Release()
			} else {
				lease.Keep() // it may have reached the seller: never offered again
			}
			p.opts.OnPoolChange()
			fail(x402.ReasonSellerUnreachable)
			Error(w, http.StatusBadGateway, x402.ReasonSellerUnreachable, fmt.Sprintf("paid request to upstream %s failed: %v", u.Name, err))
			return
		}
		if resp.StatusCode < 400 {
			if err := lease.Confirm(); err != nil {
				p.opts.Logger.Warn("recording a confirmed payment failed (it stays held)", "upstream", u.Name, "auth", lease.Auth.ID, "err", err)
			}
			p.opts.OnPoolChange()
			p.opts.Metrics.PaymentSuccess.WithLabelValues(lv...).Inc()
			if rc, ok := receipt(resp.Header); !ok || !rc.Success {
				p.opts.Metrics.UnsettledConfirmations.WithLabelValues(lv...).Inc()
				p.opts.Logger.Warn("paid answer without a successful settlement receipt", "upstream", u.Name, "auth", lease.Auth.ID, "status", resp.StatusCode)
			}
			relay(w, resp, nil)
			return
		}
		peek, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
		v, reason := Classify(resp.StatusCode, resp.Header, peek)
		switch v {
		case NonceUsed:
			_ = lease.Consumed(state.Spent)
		case MaybeSpent:
			lease.Keep()
		case Rejected:
			_ = lease.Consumed(state.Rejected)
		default:
			_ = lease.Release()
		}
		p.opts.OnPoolChange()
		fail(reason)
		if v == NonceUsed && attempt < p.opts.MaxAttempts {
			resp.Body.Close()
			p.opts.Logger.Info("seller says the authorization was already used; trying the next", "upstream", u.Name, "auth", lease.Auth.ID)
			continue
		}
		w.Header().Set("X-Turnpike-Buyer-Error", reason)
		relay(w, resp, peek)
		return
	}
}

// unreplayable stops net/http from re-sending the paid request by itself. The
// Transport silently retries a request that failed on a reused keep-alive
// connection when it counts as replayable (GET/HEAD, a rewindable body, an
// Idempotency-Key header); for a paid request that would offer the same
// authorization twice behind the buyer's back and hide that it may have been spent.
// A body without GetBody is never replayable; an empty one is still sent without a
// body for GET (the Transport probes it and finds EOF).
func unreplayable(req *http.Request, body []byte) {
	req.GetBody = nil
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
}

// notSent reports a transport error that happened before any byte of the request
// left (dial failures), so the seller cannot have seen the authorization.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func receipt(h http.Header) (x402.SettleResponse, bool) {
	v := h.Get(x402.HeaderPaymentResponse)
	if v == "" {
		v = h.Get(x402.HeaderXPaymentResponse)
	}
	if v == "" {
		return x402.SettleResponse{}, false
	}
	var r x402.SettleResponse
	if err := x402.DecodeHeader(v, 0, &r); err != nil {
		return r, false
	}
	return r, true
}

// Verdict is what a seller's error answer to a paid request means for the
// authorization.
type Verdict int

const (
	// Release: the seller refused before spending; the authorization is reusable.
	Release Verdict = iota
	// NonceUsed: the authorization was already spent; consume it and try the next.
	NonceUsed
	// MaybeSpent: a settlement may have happened; never reuse.
	MaybeSpent
	// Rejected: the authorization itself is unusable (signature, window, terms).
	Rejected
)

// Classify reads a seller's >= 400 answer to a paid request (status, headers and the
// first bytes of the body) by reason codes alone, never by message text: the codes
// of a failed receipt (errorReason), of the v2 challenge (error) and of a JSON body
// (reason and error, the gate's and x402's shapes). The most severe fate wins: a
// receipt that shows a transaction, or any code that says a settlement may have
// happened, means the authorization may be spent; a failed receipt whose code is
// unknown means a settlement was attempted with an unknown outcome, so it counts as
// possibly spent too.
func Classify(status int, h http.Header, body []byte) (Verdict, string) {
	var codes []string
	if rc, ok := receipt(h); ok {
		if rc.Success || rc.Transaction != "" {
			return MaybeSpent, x402.ReasonSettledButRefused
		}
		if x402.FateOf(rc.ErrorReason) == x402.FateUnknown {
			return MaybeSpent, x402.ReasonSettlementUncertain
		}
		codes = append(codes, rc.ErrorReason)
	}
	if v := h.Get(x402.HeaderPaymentRequired); v != "" {
		var pr x402.PaymentRequired
		if x402.DecodeHeader(v, 64<<10, &pr) == nil {
			codes = append(codes, pr.Error)
		}
	}
	return verdict(status, append(codes, bodyCodes(body)...))
}

// bodyCodes are the string `reason` and `error` of a JSON object body (a field of
// another type is skipped, not a reason to ignore the other).
func bodyCodes(body []byte) []string {
	var fields struct{ Reason, Error json.RawMessage }
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	var codes []string
	for _, raw := range []json.RawMessage{fields.Reason, fields.Error} {
		var c string
		if json.Unmarshal(raw, &c) == nil {
			codes = append(codes, c)
		}
	}
	return codes
}

// verdict is the most severe fate among codes (unknown codes and titles count as
// unspent).
func verdict(status int, codes []string) (Verdict, string) {
	worst := x402.FateUnspent
	for _, c := range codes {
		f := x402.FateOf(c)
		if fateRank[f] > fateRank[worst] {
			worst = f
		}
	}
	switch worst {
	case x402.FateSpent:
		return NonceUsed, x402.ReasonNonceAlreadyUsed
	case x402.FateMaybeSpent:
		return MaybeSpent, x402.ReasonSettlementUncertain
	case x402.FateRejected:
		return Rejected, x402.ReasonAuthorizationRejected
	}
	if status == http.StatusPaymentRequired {
		return Release, x402.ReasonPaymentRefused
	}
	return Release, x402.ReasonSellerError
}

// fateRank orders fates by how much they forbid reusing the authorization. Spent
// outranks maybe-spent: both keep it from ever being offered again, and a used nonce
// lets the buyer move on to the next authorization at once.
var fateRank = map[x402.Fate]int{
	x402.FateRejected:   1,
	x402.FateMaybeSpent: 2,
	x402.FateSpent:      3,
}

// relay writes the seller's answer: headers, status, the already-read prefix, then
// the rest of the body, flushing after every read so streams (SSE) pass unbuffered.
func relay(w http.ResponseWriter, resp *http.Response, prefix []byte) {
	defer resp.Body.Close()
	cleanHeaders(resp.Header)
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	if len(prefix) > 0 {
		if _, err := w.Write(prefix); err != nil {
			return
		}
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			_ = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}
