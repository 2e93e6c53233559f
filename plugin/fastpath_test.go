package plugin

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// serveReference is ServeHTTP without its fast path: the cross-origin headers, then
// the complete gate (serveSlow). Every answer of ServeHTTP must equal it byte for byte.
func serveReference(g *Gate, rw http.ResponseWriter, req *http.Request) {
	pol := g.s.cors
	if t := g.loader.table(); t != nil {
		if o := offerOf(t, g.s.offerKey); o != nil {
			pol = offerCORS(g, o)
		}
	}
	cors.Apply(pol, rw.Header(), req.Header[hkOrigin])
	serveSlow(g, rw, req)
}

// TestFastPathMatchesReference sends unpaid requests of many shapes to gate instances
// that share one routes source (so one offer and one challenge cache) but answer for
// different resource bases, twice (the second round meets the cache), and holds every
// answer to the reference: same status, headers and body. The bases are chosen so
// that two instances spell the same resource URL from different request-targets
// ("https://x.test/services" + "/weather/premium/a" is refused, "https://x.test" +
// "/services/weather/premium/a" is charged): a cache keyed by the URL alone would
// hand one's answer to the other. Once with the offer's few rules (regexp) and once
// with 40 more in front (trie), with those but no "*" segment (the trie's one-loop
// walk), and without rules (every path under the prefix
// charged the offer's price).
func TestFastPathMatchesReference(t *testing.T) {
	withFiller := testDoc(1)
	var filler []routes.PathRule
	for i := 0; i < 40; i++ {
		filler = append(filler, routes.PathRule{Pattern: fmt.Sprintf("/filler%d/*", i), Methods: []string{"POST"}})
	}
	withFiller.Offers[0].Paths = append(filler, withFiller.Offers[0].Paths...)
	// The same without the "*" segment rule: trieFind's one-loop walk.
	starFree := testDoc(1)
	starFree.Offers[0].Paths = nil
	for _, r := range withFiller.Offers[0].Paths {
		if !strings.Contains(r.Pattern, "/*/") {
			starFree.Offers[0].Paths = append(starFree.Offers[0].Paths, r)
		}
	}
	noRules := testDoc(1)
	noRules.Offers[0].Paths = nil
	docs := []struct {
		desc string
		doc  *routes.Document
	}{
		{desc: "few rules", doc: testDoc(1)},
		{desc: "many rules", doc: withFiller},
		{desc: "many rules, no * segment", doc: starFree},
		{desc: "no rules", doc: noRules},
	}
	uris := []string{
		"/services/weather", "/services/weather/", "/services/weather/forecast/a", "/services/weather/forecast/a?q=1&r=%2F..",
		"/services/weather/forecast/", "/services/weather/premium/a", "/weather/premium/a", "/premium/a", "/services/weather/v1/z/items",
		"/services/weather/v1/z/items/", "/services/weather/health", "/services/weather/free", "/services/weather/stream",
		"/services/weather/a//b", "/services/weather/./forecast/a", "/services/weather/forecast/%41", "/services/weather/forecast/%2f",
		"/services/weather/forecast/a;b", "/services/weather/.well-known/x", "/services/weather/forecast/\u00e9\"<>&\u2028",
		"/services/weather/forecast/" + strings.Repeat("q", 2000), "/services/weatherx/forecast/a", "/other", "/",
		"http://x.test/services/weather/forecast/a", "",
	}
	methods := []string{"GET", "POST", "HEAD", "OPTIONS", "PROPFIND"}
	clients := []struct {
		desc  string
		host  string
		hdr   map[string]string
		https bool
	}{
		{desc: "plain", host: "x.test"},
		{desc: "forwarded https", host: "x.test", hdr: map[string]string{"X-Forwarded-Proto": "https"}},
		{desc: "forwarded list", host: "y.test", hdr: map[string]string{"X-Forwarded-Proto": "HTTPS, http"}},
		{desc: "TLS", host: "x.test", https: true},
		{desc: "browser", host: "x.test", hdr: map[string]string{"Accept": "text/html", "User-Agent": "Mozilla/5.0"}},
		{desc: "cross-origin", host: "x.test", hdr: map[string]string{"Origin": "https://app.test"}},
	}
	for _, d := range docs {
		t.Run(d.desc, func(t *testing.T) {
			tg := newTestGate(t, d.doc, nil)
			gates := []*Gate{tg.g}
			for _, b := range []string{"https://x.test/services", "https://x.test"} {
				s := *tg.g.s
				s.resourceBase, s.keyBase = b, " "+b
				gates = append(gates, &Gate{next: tg.g.next, name: "base " + b, s: &s, loader: tg.g.loader, fac: tg.g.fac,
					replay: tg.g.replay, answers: tg.g.answers, metrics: tg.g.metrics, now: tg.g.now})
			}
			for round := 0; round < 2; round++ {
				for _, c := range clients {
					for _, m := range methods {
						for _, u := range uris {
							for _, g := range gates {
								checkFastPath(t, g, fmt.Sprintf("round %d, %s, %s, %s %q", round, g.name, c.desc, m, u), m, c.host, u, c.hdr, c.https)
							}
						}
					}
				}
			}
		})
	}
}

func checkFastPath(t *testing.T, g *Gate, desc, method, host, uri string, hdr map[string]string, https bool) {
	t.Helper()
	mk := func() *http.Request {
		// Built by hand: httptest.NewRequest refuses what the fuzzer makes.
		req := &http.Request{Method: method, URL: &url.URL{Path: "/"}, Host: host, RequestURI: uri, Header: http.Header{},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody}
		if https {
			req.TLS = &tlsState
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return req
	}
	got, want := httptest.NewRecorder(), httptest.NewRecorder()
	g.ServeHTTP(got, mk())
	serveReference(g, want, mk())
	if got.Code != want.Code || fmt.Sprint(got.Header()) != fmt.Sprint(want.Header()) || got.Body.String() != want.Body.String() {
		t.Fatalf("%s: ServeHTTP answered %d %v %.300q; the reference %d %v %.300q", desc, got.Code, got.Header(), got.Body.String(), want.Code, want.Header(), want.Body.String())
	}
}

// tlsState marks a request as received over TLS.
var tlsState tls.ConnectionState

// FuzzFastPathMatchesReference holds ServeHTTP to the reference on arbitrary unpaid
// requests (method, host, request-target, X-Forwarded-Proto), each sent twice so the
// second meets the challenge cache.
func FuzzFastPathMatchesReference(f *testing.F) {
	f.Add("GET", "x.test", "/services/weather/forecast/a?q=1", "")
	f.Add("POST", "x.test", "/services/weather/health/", "https")
	f.Add("GET", "y.test", "/services/weather/v1/a/items", "HTTPS, http")
	f.Add("HEAD", "x.test", "/services/weather/./premium/a", "http")
	f.Add("GET", "x.test", "/services/weather/premium/%61", "")
	f.Fuzz(func(t *testing.T, method, host, uri, proto string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			return // not a method net/http hands over
		}
		tg := fuzzGate(t)
		hdr := map[string]string{}
		if proto != "" {
			hdr["X-Forwarded-Proto"] = proto
		}
		for i := 0; i < 2; i++ {
			checkFastPath(t, tg.g, fmt.Sprintf("try %d", i), method, host, uri, hdr, false)
		}
	})
}
