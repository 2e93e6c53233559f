package cors

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Default lets any origin read every answer, with the default preflight max-age.
var Default = func() *Policy {
	p, err := Compile(nil, 0)
	if err != nil {
		panic(err)
	}
	return p
}()

func TestCompile(t *testing.T) {
	cases := []struct {
		desc    string
		origins []string
		maxAge  int
		any     bool
		wantErr string
		maxAgeV string
	}{
		{desc: "no origins: any origin, default max-age", any: true, maxAgeV: "600"},
		{desc: "star alone: any origin", origins: []string{"*"}, maxAge: 60, any: true, maxAgeV: "60"},
		{desc: "explicit origins", origins: []string{"https://app.example.com", "http://localhost:5173"}, maxAgeV: "600"},
		{desc: "star with origins is ambiguous", origins: []string{"*", "https://a.example"}, wantErr: "use \"*\" alone"},
		{desc: "path is not an origin", origins: []string{"https://a.example/"}, wantErr: "no path"},
		{desc: "scheme must be http(s)", origins: []string{"ftp://a.example"}, wantErr: "not an origin"},
		{desc: "bare host is not an origin", origins: []string{"a.example"}, wantErr: "not an origin"},
		{desc: "wildcard subdomain refused", origins: []string{"https://*.example.com"}, wantErr: "wildcards"},
		{desc: "negative max-age", maxAge: -1, wantErr: "maxAgeSeconds -1"},
		{desc: "max-age above a day", maxAge: 86401, wantErr: "maxAgeSeconds 86401"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			p, err := Compile(c.origins, c.maxAge)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Compile error = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if p.any != c.any {
				t.Errorf("any = %v, want %v", p.any, c.any)
			}
			h := http.Header{}
			Preflight(p, h)
			if got := h.Get(HeaderMaxAge); got != c.maxAgeV {
				t.Errorf("max-age = %q, want %q", got, c.maxAgeV)
			}
		})
	}
}

func TestApply(t *testing.T) {
	list, err := Compile([]string{"https://app.example.com", "http://localhost:5173"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc   string
		p      *Policy
		origin []string
		before http.Header
		want   http.Header
	}{
		{desc: "any origin, no Origin header", p: Default,
			want: http.Header{HeaderAllowOrigin: {"*"}, HeaderExposeHeaders: {ExposeHeaders}}},
		{desc: "any origin, cross-origin request", p: Default, origin: []string{"https://evil.example"},
			want: http.Header{HeaderAllowOrigin: {"*"}, HeaderExposeHeaders: {ExposeHeaders}}},
		{desc: "listed origin is echoed", p: list, origin: []string{"https://app.example.com"},
			want: http.Header{HeaderAllowOrigin: {"https://app.example.com"}, HeaderExposeHeaders: {ExposeHeaders}, HeaderVary: {"Origin"}}},
		{desc: "listed origin matches case-insensitively", p: list, origin: []string{"HTTP://LOCALHOST:5173"},
			want: http.Header{HeaderAllowOrigin: {"http://localhost:5173"}, HeaderExposeHeaders: {ExposeHeaders}, HeaderVary: {"Origin"}}},
		{desc: "unlisted origin gets no Allow-Origin but Vary", p: list, origin: []string{"https://evil.example"},
			want: http.Header{HeaderVary: {"Origin"}}},
		{desc: "same port matters", p: list, origin: []string{"https://app.example.com:8443"},
			want: http.Header{HeaderVary: {"Origin"}}},
		{desc: "no Origin on a list policy: Vary only", p: list,
			want: http.Header{HeaderVary: {"Origin"}}},
		{desc: "existing Vary is extended, not replaced", p: list, origin: []string{"https://app.example.com"},
			before: http.Header{HeaderVary: {"Accept-Encoding"}},
			want:   http.Header{HeaderAllowOrigin: {"https://app.example.com"}, HeaderExposeHeaders: {ExposeHeaders}, HeaderVary: {"Accept-Encoding", "Origin"}}},
		{desc: "Vary already naming Origin is kept", p: list,
			before: http.Header{HeaderVary: {"Accept, origin"}},
			want:   http.Header{HeaderVary: {"Accept, origin"}}},
		{desc: "a stale Allow-Origin is removed for an unlisted origin", p: list, origin: []string{"https://evil.example"},
			before: http.Header{HeaderAllowOrigin: {"https://app.example.com"}},
			want:   http.Header{HeaderVary: {"Origin"}}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			h := c.before.Clone()
			if h == nil {
				h = http.Header{}
			}
			Apply(c.p, h, c.origin)
			if !reflect.DeepEqual(h, c.want) {
				t.Errorf("headers = %v, want %v", h, c.want)
			}
		})
	}
}

func TestEnforce(t *testing.T) {
	list, err := Compile([]string{"https://app.example.com"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc     string
		p        *Policy
		origin   []string
		upstream http.Header // what the upstream added after Apply
		want     http.Header
	}{
		{desc: "upstream's second Allow-Origin and credentials are dropped (any)", p: Default, origin: []string{"https://x.example"},
			upstream: http.Header{HeaderAllowOrigin: {"https://x.example"}, HeaderAllowCredentials: {"true"}},
			want:     http.Header{HeaderAllowOrigin: {"*"}, HeaderExposeHeaders: {ExposeHeaders}}},
		{desc: "upstream's exposed headers are kept next to the gate's", p: Default, origin: []string{"https://x.example"},
			upstream: http.Header{HeaderExposeHeaders: {"X-Request-Id"}},
			want:     http.Header{HeaderAllowOrigin: {"*"}, HeaderExposeHeaders: {ExposeHeaders, "X-Request-Id"}}},
		{desc: "upstream allowing an origin the gate does not list is overruled", p: list, origin: []string{"https://evil.example"},
			upstream: http.Header{HeaderAllowOrigin: {"*"}, HeaderVary: {"Accept-Encoding"}},
			want:     http.Header{HeaderVary: {"Origin", "Accept-Encoding"}}},
		{desc: "replayed answer keeps no other origin's echo", p: list, origin: []string{"https://app.example.com"},
			upstream: http.Header{HeaderAllowOrigin: {"https://other.example"}},
			want:     http.Header{HeaderAllowOrigin: {"https://app.example.com"}, HeaderExposeHeaders: {ExposeHeaders}, HeaderVary: {"Origin"}}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			h := http.Header{}
			Apply(c.p, h, c.origin)
			for k, vs := range c.upstream {
				for _, v := range vs {
					h.Add(k, v) // as Traefik's proxy copies upstream headers
				}
			}
			Enforce(c.p, h, c.origin)
			if !reflect.DeepEqual(h, c.want) {
				t.Errorf("headers = %v, want %v", h, c.want)
			}
		})
	}
}

func TestAllowedAndClear(t *testing.T) {
	list, err := Compile([]string{"https://app.example.com"}, 120)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc   string
		p      *Policy
		origin []string
		want   bool
	}{
		{desc: "any allows every origin", p: Default, origin: []string{"https://x.example"}, want: true},
		{desc: "any allows a request without Origin", p: Default, want: true},
		{desc: "list allows its origin", p: list, origin: []string{"https://app.example.com"}, want: true},
		{desc: "list refuses others", p: list, origin: []string{"https://x.example"}},
		{desc: "list refuses a request without Origin", p: list},
		{desc: "list refuses the opaque origin", p: list, origin: []string{"null"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := Allowed(c.p, c.origin); got != c.want {
				t.Errorf("Allowed = %v, want %v", got, c.want)
			}
		})
	}
	h := http.Header{}
	Apply(list, h, []string{"https://app.example.com"})
	Clear(h)
	if len(h) != 0 {
		t.Errorf("Clear left %v", h)
	}
	h = http.Header{HeaderVary: {"Accept-Encoding"}}
	Apply(Default, h, nil)
	Clear(h)
	if !reflect.DeepEqual(h, http.Header{HeaderVary: {"Accept-Encoding"}}) {
		t.Errorf("Clear touched what it did not set: %v", h)
	}
}
