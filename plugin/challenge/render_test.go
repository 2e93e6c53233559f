package challenge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// renderReference is Render as it was before the header's JSON was joined and encoded
// in one piece (commit fead536): the URL's base64 between base64 parts made at load
// time. Kept so that TestRenderMatchesReference holds Render to the same bytes.
func renderReference(ps *Set, u string) *Answer {
	head := append([]byte{}, ps.v2PlainHead...)
	for len(head)%3 != 0 {
		head = append(head, ' ')
	}
	plainB64Head := base64.StdEncoding.EncodeToString(head)
	plainTailB64 := base64.StdEncoding.EncodeToString(ps.v2Tail)
	q, _ := json.Marshal(u)
	body := bytes.Join(ps.v1Plain, q)
	q = append(q, "  "[:(3-len(q)%3)%3]...)
	return &Answer{Header: []string{plainB64Head + base64.StdEncoding.EncodeToString(q) + plainTailB64}, Body: body}
}

func TestRenderMatchesReference(t *testing.T) {
	base := testOffer()
	sets := []struct {
		desc string
		pays []routes.Payment
	}{
		{desc: "two options, one with a v1 name", pays: base.Payments},
		{desc: "one option", pays: base.Payments[:1]},
		{desc: "no option with a v1 name (empty v1 accepts)", pays: base.Payments[1:]},
		{desc: "two options with v1 names", pays: []routes.Payment{base.Payments[0], base.Payments[0]}},
	}
	urls := []struct {
		desc string
		url  string
	}{
		{desc: "empty", url: ""},
		{desc: "short", url: "https://api.example/w/today"},
		{desc: "quoted length 0 mod 3", url: "https://a.example/x"},
		{desc: "quoted length 1 mod 3", url: "https://a.example/xy"},
		{desc: "quoted length 2 mod 3", url: "https://a.example/xyz"},
		{desc: "query string", url: "https://api.example/w/today?city=berlin&days=3"},
		{desc: "200 characters", url: "https://api.example/w/" + strings.Repeat("q", 178)},
		{desc: "2,000 characters", url: "https://api.example/w/" + strings.Repeat("q", 1978)},
		{desc: "2,001 characters", url: "https://api.example/w/" + strings.Repeat("q", 1979)},
		{desc: "2,002 characters", url: "https://api.example/w/" + strings.Repeat("q", 1980)},
		{desc: "JSON escapes: quote and backslash", url: `https://a.example/"x"\y`},
		{desc: "HTML escapes", url: "https://a.example/<script>&amp;</script>"},
		{desc: "control characters", url: "https://a.example/\x00\x01\t\n\r\x1f"},
		{desc: "DEL", url: "https://a.example/\x7f"},
		{desc: "line and paragraph separators", url: "https://a.example/\u2028\u2029"},
		{desc: "unicode", url: "https://a.example/caf\u00e9/\u65e5\u672c/\U0001F600"},
		{desc: "invalid UTF-8", url: "https://a.example/\xff\xc3"},
		{desc: "replacement character", url: "https://a.example/\ufffd"},
		{desc: "percent-encoding", url: "https://a.example/%E2%82%AC/%41"},
		{desc: "long with escapes", url: "https://a.example/" + strings.Repeat("<&\"\u00e9", 500)},
	}
	for _, st := range sets {
		src := testOffer()
		ps, err := Compile(src, st.pays, "Weather <now>", "", metrics.NewRegistry())
		if err != nil {
			t.Fatalf("%s: Compile: %v", st.desc, err)
		}
		for _, tc := range urls {
			got, want := Render(ps, tc.url), renderReference(ps, tc.url)
			if len(got.Header) != 1 || got.Header[0] != want.Header[0] {
				t.Errorf("%s, %s: header\n got %s\nwant %s", st.desc, tc.desc, got.Header, want.Header)
			}
			if !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s, %s: body\n got %s\nwant %s", st.desc, tc.desc, got.Body, want.Body)
			}
		}
	}
	// Every URL length around the base64 groups, in every set.
	for _, st := range sets {
		src := testOffer()
		ps, err := Compile(src, st.pays, "d", "text/plain", metrics.NewRegistry())
		if err != nil {
			t.Fatalf("%s: Compile: %v", st.desc, err)
		}
		for n := 0; n < 12; n++ {
			u := "https://a.example/" + strings.Repeat("\u00e9<", n)[:2*n]
			got, want := Render(ps, u), renderReference(ps, u)
			if got.Header[0] != want.Header[0] || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s, length %d: differs from the reference", st.desc, len(u))
			}
		}
	}
}
