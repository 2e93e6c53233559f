// Package cors is the gate's cross-origin policy: which web origins may read its
// answers (the 402 challenge, refusals, the paid answer with its receipt) and what a
// preflight allows. A policy is compiled once per offer when the routes document
// loads; a request only indexes maps and assigns prepared header slices (Yaegi
// interprets this package inside Traefik, where loops and allocations are slow).
//
// Credentials are never allowed: x402 pays per request with a signed header, so no
// cookie or HTTP authentication is needed for a browser to pay, and allowing them
// would let any allowed origin act with a visitor's session at the upstream.
//
// Standard library only, Go 1.22 API.
package cors

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Canonical header keys (header maps are indexed directly: a Header.Get/Set call
// costs ~1.4 us under Yaegi, a map index ~50 ns).
const (
	HeaderOrigin           = "Origin"
	HeaderAllowOrigin      = "Access-Control-Allow-Origin"
	HeaderAllowCredentials = "Access-Control-Allow-Credentials"
	HeaderAllowMethods     = "Access-Control-Allow-Methods"
	HeaderAllowHeaders     = "Access-Control-Allow-Headers"
	HeaderExposeHeaders    = "Access-Control-Expose-Headers"
	HeaderMaxAge           = "Access-Control-Max-Age"
	HeaderRequestMethod    = "Access-Control-Request-Method"
	HeaderVary             = "Vary"
)

// ExposeHeaders are the answer headers a browser client must read: the v2 challenge,
// the v2 and v1 receipts, and when to retry a 503 or 409.
const ExposeHeaders = "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, Retry-After"

// AllowHeaders are the request headers a preflight allows. The payment headers (v2
// and v1), the header the official @x402 clients send on the paid retry, and the
// usual body and API-key headers are named, because the wildcard does not cover
// Authorization; the wildcard covers whatever else an upstream's own clients send
// (credentials are never allowed, so the wildcard applies).
const AllowHeaders = "PAYMENT-SIGNATURE, X-PAYMENT, Access-Control-Expose-Headers, Content-Type, Authorization, *"

// AllowMethods are the methods a preflight allows; the route rules decide what is
// charged or refused, not the preflight.
const AllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

// DefaultMaxAgeSeconds is how long a browser may cache a preflight when the policy
// does not say (Chromium caps it at 7200).
const DefaultMaxAgeSeconds = 600

// MaxMaxAgeSeconds bounds maxAgeSeconds (a day, Firefox's cap).
const MaxMaxAgeSeconds = 86400

// Policy is a compiled cross-origin policy. The zero value is not usable; use Compile.
type Policy struct {
	any bool
	// echo maps each allowed origin (lower case) to the prepared header value that
	// echoes it.
	echo   map[string][]string
	maxAge []string
	// Origins lists the configured origins as given ("*" for any), for messages.
	Origins []string
}

// Shared header values, never modified: building them per request would allocate.
var (
	hvAny          = []string{"*"}
	hvExpose       = []string{ExposeHeaders}
	hvVaryOrigin   = []string{HeaderOrigin}
	hvAllowMethods = []string{AllowMethods}
	hvAllowHeaders = []string{AllowHeaders}
)

// Compile checks and prepares a policy. No origins (or "*" among them) lets any
// origin read; otherwise each entry is a web origin, "scheme://host[:port]" with
// scheme http or https and nothing after the authority. maxAgeSeconds 0 means
// DefaultMaxAgeSeconds.
func Compile(origins []string, maxAgeSeconds int) (*Policy, error) {
	var problems []string
	if maxAgeSeconds < 0 || maxAgeSeconds > MaxMaxAgeSeconds {
		problems = append(problems, fmt.Sprintf("maxAgeSeconds %d must be between 0 (default %d) and %d", maxAgeSeconds, DefaultMaxAgeSeconds, MaxMaxAgeSeconds))
	}
	if maxAgeSeconds == 0 {
		maxAgeSeconds = DefaultMaxAgeSeconds
	}
	p := &Policy{maxAge: []string{strconv.Itoa(maxAgeSeconds)}, Origins: origins}
	if len(origins) == 0 {
		p.any = true
	}
	echo := map[string][]string{}
	for _, o := range origins {
		if o == "*" {
			p.any = true
			continue
		}
		if err := checkOrigin(o); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		lower := strings.ToLower(o)
		echo[lower] = []string{lower}
	}
	if p.any && len(origins) > 1 {
		problems = append(problems, "allowOrigins lists \"*\" together with origins; use \"*\" alone (any origin) or only origins")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cors: %s", strings.Join(problems, "; "))
	}
	if !p.any {
		p.echo = echo
	}
	return p, nil
}

// checkOrigin accepts exactly what a browser sends in Origin for an http(s) page.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("allowOrigins entry %q is not an origin: %v", o, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return fmt.Errorf("allowOrigins entry %q is not an origin: write scheme://host[:port] with scheme http or https and no path, e.g. https://app.example.com", o)
	}
	if strings.Contains(u.Host, "*") {
		return fmt.Errorf("allowOrigins entry %q: wildcards inside an origin are not supported; list each origin, or \"*\" alone for any", o)
	}
	return nil
}

// Allowed reports whether a request with these Origin header values may read the
// answer (a request without Origin is not cross-origin; only "any" allows it here,
// which matters for preflights, which always carry one).
func Allowed(p *Policy, origin []string) bool {
	if p.any {
		return true
	}
	if len(origin) == 0 {
		return false
	}
	return p.echo[strings.ToLower(origin[0])] != nil
}

// Apply sets the policy's headers for one answer, before anything is written: an
// allowed origin gets Access-Control-Allow-Origin ("*", or its own origin echoed)
// and the exposed headers. A policy with an origin list marks every answer
// `Vary: Origin` (also answers without an Origin or for a refused one), so no cache
// hands one origin's answer to another.
func Apply(p *Policy, h http.Header, origin []string) {
	if p.any {
		h[HeaderAllowOrigin] = hvAny
		h[HeaderExposeHeaders] = hvExpose
		return
	}
	applyList(p, h, origin)
}

// applyList is out of Apply so the common "any origin" call stays small (Yaegi
// allocates every value slot of a function on each call).
func applyList(p *Policy, h http.Header, origin []string) {
	if v := h[HeaderVary]; v == nil {
		h[HeaderVary] = hvVaryOrigin
	} else if !hasToken(v, HeaderOrigin) {
		h[HeaderVary] = appendCopy(v, HeaderOrigin)
	}
	if len(origin) == 0 {
		delete(h, HeaderAllowOrigin)
		return
	}
	e := p.echo[strings.ToLower(origin[0])]
	if e == nil {
		delete(h, HeaderAllowOrigin)
		return
	}
	h[HeaderAllowOrigin] = e
	h[HeaderExposeHeaders] = hvExpose
}

// appendCopy never appends into a slice the header map may share with other
// answers (the prepared values are shared).
func appendCopy(v []string, s string) []string {
	out := make([]string, 0, len(v)+1)
	out = append(out, v...)
	return append(out, s)
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// Enforce puts a paid answer back under the gate's policy after the upstream wrote
// its own headers into the same map (Traefik's proxy adds them, so an upstream's
// Access-Control-Allow-Origin would become a second value, which browsers reject):
// Allow-Origin is the gate's decision alone and credentials stay disallowed. The
// upstream's Expose-Headers and Vary entries are kept, since lists of those add up.
// Also used when a kept answer is replayed, so it never carries the origin that
// the first request echoed.
func Enforce(p *Policy, h http.Header, origin []string) {
	delete(h, HeaderAllowCredentials)
	if p.any {
		h[HeaderAllowOrigin] = hvAny
		ensureExpose(h)
		return
	}
	applyList(p, h, origin)
	if h[HeaderAllowOrigin] != nil {
		ensureExpose(h)
	}
}

// ensureExpose keeps the upstream's exposed headers and makes sure the gate's are
// among them.
func ensureExpose(h http.Header) {
	v := h[HeaderExposeHeaders]
	for _, s := range v {
		if s == ExposeHeaders {
			return
		}
	}
	h[HeaderExposeHeaders] = appendCopy(v, ExposeHeaders)
}

// Clear removes what Apply set, for an answer the gate hands to the upstream
// unchanged (a free path): its cross-origin policy is the upstream's.
func Clear(h http.Header) {
	delete(h, HeaderAllowOrigin)
	delete(h, HeaderExposeHeaders)
	if v := h[HeaderVary]; len(v) == 1 && v[0] == HeaderOrigin {
		delete(h, HeaderVary)
	}
}

// Preflight sets the headers of an allowed preflight answer (on top of Apply's).
func Preflight(p *Policy, h http.Header) {
	h[HeaderAllowMethods] = hvAllowMethods
	h[HeaderAllowHeaders] = hvAllowHeaders
	h[HeaderMaxAge] = p.maxAge
}
