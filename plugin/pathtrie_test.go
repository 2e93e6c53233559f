package plugin

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// testRules builds rules from "METHODS pattern" specs ("GET,POST /a/*", "/b").
func testRules(specs []string) ([]*rule, []string) {
	rules := make([]*rule, 0, len(specs))
	pats := make([]string, 0, len(specs))
	for _, s := range specs {
		r := &rule{}
		pat := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			for _, m := range strings.Split(s[:i], ",") {
				r.methodList = append(r.methodList, m)
				if r.methods == nil {
					r.methods = map[string]bool{}
				}
				r.methods[m] = true
			}
			pat = s[i+1:]
		}
		rules = append(rules, r)
		pats = append(pats, pat)
	}
	return rules, pats
}

func TestPathTrie(t *testing.T) {
	weather := []string{"/health", "GET /docs/*", "/v1/*/items", "POST /v1/orders/*", "/v1/*/items/*", "/"}
	tests := []struct {
		desc   string
		prefix string
		rules  []string
		method string
		path   string
		want   int // rule index; -1: none
	}{
		{desc: "exact", rules: weather, method: "GET", path: "/health", want: 0},
		{desc: "exact does not match below", rules: weather, method: "GET", path: "/health/x", want: -1},
		{desc: "exact does not match a trailing slash", rules: weather, method: "GET", path: "/health/", want: -1},
		{desc: "prefix rule matches its own path", rules: weather, method: "GET", path: "/docs", want: 1},
		{desc: "prefix rule matches a trailing slash", rules: weather, method: "GET", path: "/docs/", want: 1},
		{desc: "prefix rule matches deep paths", rules: weather, method: "GET", path: "/docs/a/b/c", want: 1},
		{desc: "prefix rule is segment-bounded", rules: weather, method: "GET", path: "/docsx", want: -1},
		{desc: "method filter", rules: weather, method: "POST", path: "/docs/a", want: -1},
		{desc: "star is one segment", rules: weather, method: "GET", path: "/v1/abc/items", want: 2},
		{desc: "star matches no more than one segment", rules: weather, method: "GET", path: "/v1/a/b/items", want: -1},
		{desc: "first rule wins over a later literal", rules: weather, method: "POST", path: "/v1/orders/items", want: 2},
		{desc: "later prefix rule when the earlier exact fails", rules: weather, method: "POST", path: "/v1/orders/items/9", want: 3},
		{desc: "star prefix rule", rules: weather, method: "GET", path: "/v1/x/items/9", want: 4},
		{desc: "root", rules: weather, method: "GET", path: "/", want: 5},
		{desc: "empty method matches nothing", rules: weather, method: "", path: "/health", want: -1},
		{desc: "lower-case method is another method", rules: weather, method: "get", path: "/docs", want: -1},
		{desc: "offer prefix in front", prefix: "/svc", rules: weather, method: "GET", path: "/svc/health", want: 0},
		{desc: "offer prefix stripped already", prefix: "/svc", rules: weather, method: "GET", path: "/health", want: 0},
		{desc: "bare offer prefix is the root", prefix: "/svc", rules: weather, method: "GET", path: "/svc", want: 5},
		{desc: "offer prefix with a slash is the root", prefix: "/svc", rules: weather, method: "GET", path: "/svc/", want: 5},
		{desc: "offer prefix is segment-bounded", prefix: "/svc", rules: weather, method: "GET", path: "/svchealth", want: -1},
		{desc: "bare offer prefix and a catch-all", prefix: "/svc", rules: []string{"/a", "/*"}, method: "GET", path: "/svc", want: 1},
		{desc: "bare offer prefix is not //*", prefix: "/svc", rules: []string{"//*"}, method: "GET", path: "/svc", want: -1},
		{desc: "catch-all matches everything", rules: []string{"GET /a", "/*"}, method: "PUT", path: "/a/b/", want: 1},
		{desc: "star matches an empty last segment", rules: []string{"/a/*/b", "/a/*"}, method: "GET", path: "/a/", want: 1},
		{desc: "star exact with a trailing slash", rules: []string{"/a/*/b", "/x/*/"}, method: "GET", path: "/x/y/", want: 1},
		{desc: "literal star-like segment is literal", rules: []string{"/a*b"}, method: "GET", path: "/axb", want: -1},
		{desc: "method with a space moves its tail into the path", rules: []string{"GET /*"}, method: "GET /x", path: "/y", want: 0},
		{desc: "method starting with a space", rules: []string{"/*"}, method: " GET", path: "/y", want: -1},
		{desc: "decoded space in a star segment", rules: []string{"/v/*/x"}, method: "GET", path: "/v/new york/x", want: 0},
	}
	for _, tc := range tests {
		rules, pats := testRules(tc.rules)
		tr, err := buildTrie(tc.prefix, rules, pats)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if got := trieFind(tr, tc.method, tc.path); got != tc.want {
			t.Errorf("%s: %q %q with prefix %q: rule %d, want %d", tc.desc, tc.method, tc.path, tc.prefix, got, tc.want)
		}
		or, err := rulesRegexp(tc.prefix, rules, pats)
		if err != nil {
			t.Fatalf("%s: oracle: %v", tc.desc, err)
		}
		if got := regexpFind(or, len(rules), tc.method, tc.path); got != tc.want {
			t.Errorf("%s: the regexp oracle says rule %d, want %d (the case is wrong)", tc.desc, got, tc.want)
		}
	}
}

// TestPathTrieMatchesRegexp compares the trie with the regexp it replaced on random
// rule sets and paths built from a small alphabet, so collisions (same literal, star
// and prefix rules overlapping, methods, the offer prefix) are frequent.
func TestPathTrieMatchesRegexp(t *testing.T) {
	segs := []string{"a", "b", "svc", "*", "", "a*"}
	// Every other set has no "*" segment: trieFind walks those without recursion.
	starFree := []string{"a", "b", "svc", "", "a*"}
	pathSegs := []string{"a", "b", "svc", "", "x y", "*"}
	methods := []string{"GET", "POST", "PUT", "PROPFIND"}
	reqMethods := []string{"GET", "POST", "PUT", "HEAD", "PROPFIND", "", "get", "GET /a", "GET  /a", " GET"}
	prefixes := []string{"", "/svc", "/a", "/a/b", "/"}
	rng := rand.New(rand.NewSource(16))
	sets, checks := 400, 300
	if testing.Short() {
		sets = 60
	}
	for n := 0; n < sets; n++ {
		prefix := strings.TrimSuffix(prefixes[rng.Intn(len(prefixes))], "/")
		var specs []string
		nr := 1 + rng.Intn(8)
		for i := 0; i < nr; i++ {
			var b strings.Builder
			if rng.Intn(3) == 0 {
				ms := rng.Perm(len(methods))[:1+rng.Intn(2)]
				for k, m := range ms {
					if k > 0 {
						b.WriteString(",")
					}
					b.WriteString(methods[m])
				}
				b.WriteString(" ")
			}
			switch rng.Intn(8) {
			case 0:
				b.WriteString("/")
			case 1:
				b.WriteString("/*")
			default:
				depth := 1 + rng.Intn(3)
				for d := 0; d < depth; d++ {
					if n%2 == 1 {
						b.WriteString("/" + starFree[rng.Intn(len(starFree))])
					} else {
						b.WriteString("/" + segs[rng.Intn(len(segs))])
					}
				}
				if rng.Intn(2) == 0 {
					b.WriteString("/*")
				}
			}
			specs = append(specs, b.String())
		}
		rules, pats := testRules(specs)
		tr, err := buildTrie(prefix, rules, pats)
		if err != nil {
			t.Fatal(err)
		}
		or, err := rulesRegexp(prefix, rules, pats)
		if err != nil {
			t.Fatal(err)
		}
		for c := 0; c < checks; c++ {
			var b strings.Builder
			if rng.Intn(2) == 0 {
				b.WriteString(prefix)
			}
			depth := rng.Intn(5)
			if depth == 0 && rng.Intn(2) == 0 {
				b.WriteString("/")
			}
			for d := 0; d < depth; d++ {
				b.WriteString("/" + pathSegs[rng.Intn(len(pathSegs))])
			}
			if rng.Intn(6) == 0 {
				b.WriteString("/")
			}
			p := b.String()
			m := reqMethods[rng.Intn(len(reqMethods))]
			if got, want := trieFind(tr, m, p), regexpFind(or, len(rules), m, p); got != want {
				t.Fatalf("rules %q prefix %q: %q %q: trie says rule %d, regexp says %d", specs, prefix, m, p, got, want)
			}
		}
	}
}

// manyRules is an offer with n distinct rules, each "/rN/items/*" for GET plus an
// exact "/rN/status", in the shape of the many-rules measurement.
func manyRules(n int) ([]*rule, []string) {
	specs := make([]string, 0, n)
	for i := 0; len(specs) < n; i++ {
		if i%2 == 0 {
			specs = append(specs, fmt.Sprintf("GET /r%d/items/*", i/2))
		} else {
			specs = append(specs, fmt.Sprintf("/r%d/status", i/2))
		}
	}
	return testRules(specs)
}

// BenchmarkRoute compares the lookup with the regexp it replaced on the last rule
// (the regexp's worst case) at 1 to 1,000 rules.
func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		rules, pats := manyRules(n)
		last := pats[n-1]
		p := "/svc" + strings.TrimSuffix(last, "/*") + "/berlin/today"
		if !strings.HasSuffix(last, "/*") {
			p = "/svc" + last
		}
		tr, err := buildTrie("/svc", rules, pats)
		if err != nil {
			b.Fatal(err)
		}
		or, err := rulesRegexp("/svc", rules, pats)
		if err != nil {
			b.Fatal(err)
		}
		if trieFind(tr, "GET", p) != n-1 || regexpFind(or, n, "GET", p) != n-1 {
			b.Fatalf("%d rules: %q does not match the last rule", n, p)
		}
		b.Run(fmt.Sprintf("trie/rules=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				trieFind(tr, "GET", p)
			}
		})
		b.Run(fmt.Sprintf("regexp/rules=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				regexpFind(or, n, "GET", p)
			}
		})
	}
}

// TestOfferPicksItsMatcher: an offer with few rules matches with the regexp, one
// with more than maxRegexpRules with the trie, and both route the same request to
// the same rule (the testDoc rules, then 40 filler rules in front of them).
func TestOfferPicksItsMatcher(t *testing.T) {
	base := testDoc(1).Offers[0]
	var filler []routes.PathRule
	for i := 0; i < 40; i++ {
		filler = append(filler, routes.PathRule{Pattern: fmt.Sprintf("/filler%d/*", i), Methods: []string{"POST"}})
	}
	many := base
	many.Paths = append(filler, base.Paths...)
	cases := []struct {
		desc      string
		src       routes.Offer
		wantTrie  bool
		firstReal int // index of testDoc's first rule in src.Paths
	}{
		{desc: "7 rules: regexp", src: base, wantTrie: false, firstReal: 0},
		{desc: "47 rules: trie", src: many, wantTrie: true, firstReal: 40},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			o, err := compileOffer(&c.src, metrics.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			if (o.trie != nil) != c.wantTrie || (o.re != nil) == c.wantTrie {
				t.Fatalf("trie %v, regexp %v; want trie %v", o.trie != nil, o.re != nil, c.wantTrie)
			}
			for _, rq := range []struct {
				method, path string
				want         int // index into testDoc's rules; -1: none
			}{
				{"GET", "/services/weather/free", 0},
				{"GET", "/services/weather/health", 1},
				{"POST", "/services/weather/health", -1}, // /health is GET only; "/" is the root alone
				{"GET", "/services/weather/premium/x/y", 3},
				{"GET", "/services/weather/v1/abc/items", 4},
				{"GET", "/services/weather", 6},
				{"GET", "/services/weather/nothing", -1},
			} {
				got := route(o, rq.method, rq.path)
				var want *rule
				if rq.want >= 0 {
					want = o.rules[c.firstReal+rq.want]
				}
				if got != want {
					t.Errorf("%s %s: got rule %p, want %p (index %d)", rq.method, rq.path, got, want, rq.want)
				}
			}
		})
	}
}
