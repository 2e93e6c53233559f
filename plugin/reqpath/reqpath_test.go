package reqpath

import (
	"net/url"
	"strings"
	"testing"
)

// Only the testing package: these tests also run under Yaegi (scripts/yaegi-test.sh).
func TestForwarded(t *testing.T) {
	tests := []struct {
		desc   string
		target string // the request-target as the client sent it
		want   string // the decoded path the gate matches; "" = refused
	}{
		{desc: "plain path", target: "/weather/berlin", want: "/weather/berlin"},
		{desc: "root", target: "/", want: "/"},
		{desc: "raw control character is refused", target: "/weather/ber\x01lin", want: ""},
		{desc: "raw DEL is refused", target: "/weather\x7f", want: ""},
		{desc: "raw control character in the query is not the path's", target: "/weather?x=\x01", want: "/weather"},
		{desc: "trailing slash is kept, not cleaned", target: "/weather/", want: "/weather/"},
		{desc: "query is not part of the path", target: "/weather/berlin?x=1", want: "/weather/berlin"},
		{desc: "encoded slash in the query is allowed", target: "/weather/berlin?next=%2F..%2Fhealth", want: "/weather/berlin"},
		{desc: "dot segment in the query is allowed", target: "/health?p=/../weather", want: "/health"},
		{desc: "leading-dot file name is not a dot segment", target: "/.well-known/x402", want: "/.well-known/x402"},
		{desc: "trailing dot in a name", target: "/weather/berlin.", want: "/weather/berlin."},
		{desc: "three dots are a name", target: "/weather/...", want: "/weather/..."},
		{desc: "encoded unreserved letter decodes", target: "/weather/%62erlin", want: "/weather/berlin"},
		{desc: "encoded space decodes", target: "/weather/new%20york", want: "/weather/new york"},
		{desc: "encoded UTF-8 decodes", target: "/weather/m%C3%BCnchen", want: "/weather/münchen"},
		{desc: "encoded dot inside a name decodes", target: "/weather/berlin%2Ejson", want: "/weather/berlin.json"},
		{desc: "case variant of the prefix is just another path", target: "/Weather/berlin", want: "/Weather/berlin"},
		{desc: "encoded slash (upper case)", target: "/weather/berlin%2F..%2Fhealth"},
		{desc: "encoded slash (lower case)", target: "/weather/berlin%2f..%2fhealth"},
		{desc: "encoded slash and dots", target: "/weather/berlin%2f%2e%2e%2fhealth"},
		{desc: "encoded slash, two levels", target: "/weather/a%2F..%2F..%2Fhealth"},
		{desc: "encoded slash with a query", target: "/weather/berlin%2F..%2Fhealth?units=metric"},
		{desc: "lone encoded slash", target: "/weather/a%2Fb"},
		{desc: "encoded backslash (upper case)", target: "/weather/berlin%5C..%5Chealth"},
		{desc: "encoded backslash (lower case)", target: "/weather/berlin%5c..%5chealth"},
		{desc: "raw backslash", target: "/weather/berlin\\..\\health"},
		{desc: "double-encoded slash", target: "/weather/berlin%252F..%252Fhealth"},
		{desc: "double-encoded dot", target: "/weather/%252e%252e/health"},
		{desc: "encoded percent alone", target: "/weather/100%25"},
		{desc: "dot-dot segment", target: "/weather/../health"},
		{desc: "dot segment", target: "/weather/./berlin"},
		{desc: "trailing dot-dot", target: "/weather/berlin/.."},
		{desc: "trailing dot", target: "/weather/berlin/."},
		{desc: "encoded dot-dot (upper case)", target: "/weather/%2E%2E/health"},
		{desc: "encoded dot-dot (lower case)", target: "/weather/%2e%2e/health"},
		{desc: "half-encoded dot-dot", target: "/weather/.%2e/health"},
		{desc: "encoded single dot", target: "/weather/%2e/berlin"},
		{desc: "double slash", target: "/weather//berlin"},
		{desc: "leading double slash", target: "//weather/berlin"},
		{desc: "trailing double slash", target: "/weather/berlin//"},
		{desc: "semicolon path parameter", target: "/health;x=1"},
		{desc: "semicolon then dot-dot", target: "/weather;/../health"},
		{desc: "encoded semicolon", target: "/health%3Bx"},
		{desc: "encoded question mark", target: "/weather/a%3F/health"},
		{desc: "encoded hash", target: "/weather/a%23"},
		{desc: "raw hash", target: "/weather/a#frag"},
		{desc: "encoded NUL", target: "/weather/berlin%00"},
		{desc: "encoded control character", target: "/weather/ber%0Alin"},
		{desc: "encoded DEL", target: "/weather/ber%7Flin"},
		{desc: "invalid percent-encoding", target: "/weather/%zz"},
		{desc: "truncated percent-encoding", target: "/weather/%2"},
		{desc: "absolute-form target", target: "http://example.test/weather/berlin?x=1", want: "/weather/berlin"},
		{desc: "absolute-form target without a path", target: "http://example.test", want: "/"},
		{desc: "absolute-form with encoded slash", target: "http://example.test/weather/berlin%2F..%2Fhealth"},
		{desc: "absolute-form with dot-dot", target: "http://example.test/weather/../health"},
		{desc: "asterisk-form", target: "*"},
		{desc: "relative target", target: "weather/berlin"},
	}
	for _, tc := range tests {
		got, problem := Forwarded(tc.target, nil)
		if tc.want == "" {
			if problem == "" {
				t.Errorf("%s: %q accepted as %q, want refused", tc.desc, tc.target, got)
			}
			continue
		}
		if problem != "" || got != tc.want {
			t.Errorf("%s: %q = %q (problem %q), want %q", tc.desc, tc.target, got, problem, tc.want)
		}
	}
	if len(tests) < 40 {
		t.Fatalf("only %d spellings", len(tests))
	}
}

// Requests built in code carry no RequestURI: the URL's escaped path is checked.
func TestForwardedWithoutRequestURI(t *testing.T) {
	tests := []struct {
		desc string
		url  string
		want string
	}{
		{desc: "plain", url: "http://h/weather/berlin", want: "/weather/berlin"},
		{desc: "empty path", url: "http://h", want: "/"},
		{desc: "encoded slash", url: "http://h/weather/a%2F..%2Fhealth"},
		{desc: "dot-dot", url: "http://h/weather/../health"},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		got, problem := Forwarded("", u)
		if tc.want == "" {
			if problem == "" {
				t.Errorf("%s: accepted as %q, want refused", tc.desc, got)
			}
			continue
		}
		if problem != "" || got != tc.want {
			t.Errorf("%s: %q (problem %q), want %q", tc.desc, got, problem, tc.want)
		}
	}
	if _, problem := Forwarded("", nil); problem == "" {
		t.Errorf("no RequestURI and no URL: accepted")
	}
}

func TestMessageSaysWhatToDo(t *testing.T) {
	_, problem := Forwarded("/a%2Fb", nil)
	msg := Message(problem)
	for _, want := range []string{"%2F", "Send the plain path"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

// forwardedBefore is Forwarded as it was before its common path became IndexAny and
// path.Clean (four scans: '?', the suspicious bytes, "//", "/."), kept as the reference
// the new one must equal on every input.
func forwardedBefore(requestURI string, u *url.URL) (string, string) {
	raw := requestURI
	if raw == "" || raw[0] != '/' {
		return forwardedOther(raw, u)
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	// The one intended difference: a raw control character in the path is refused
	// (the code before let it through when nothing else was odd).
	if strings.ContainsAny(raw, suspicious+ctl) || strings.Contains(raw, "//") || strings.Contains(raw, "/.") {
		return Check(raw)
	}
	return raw, ""
}

func TestForwardedMatchesBefore(t *testing.T) {
	tests := []struct {
		desc, target string
	}{
		{desc: "plain", target: "/a/b"},
		{desc: "root", target: "/"},
		{desc: "query", target: "/a/b?x=%2F&y=..//"},
		{desc: "trailing slash", target: "/a/b/"},
		{desc: "trailing slash and query", target: "/a/?q"},
		{desc: "dot file", target: "/.well-known/x"},
		{desc: "dot segment", target: "/a/./b"},
		{desc: "trailing dot", target: "/a/."},
		{desc: "dot-dot", target: "/a/../b"},
		{desc: "trailing dot-dot", target: "/a/.."},
		{desc: "empty segment", target: "/a//b"},
		{desc: "double leading slash", target: "//a"},
		{desc: "control character", target: "/a\x01b"},
		{desc: "control character and dot", target: "/.a\x01"},
		{desc: "control character in the query", target: "/a?\x01"},
		{desc: "DEL", target: "/a\x7f"},
		{desc: "percent", target: "/a%20b"},
		{desc: "encoded slash", target: "/a%2fb"},
		{desc: "backslash", target: "/a\\b"},
		{desc: "semicolon", target: "/a;b"},
		{desc: "hash", target: "/a#b"},
		{desc: "empty", target: ""},
		{desc: "question mark only", target: "/?"},
		{desc: "absolute form", target: "http://h/a/./b"},
		{desc: "non-ASCII", target: "/é/ü"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			gp, gq := Forwarded(tc.target, nil)
			wp, wq := forwardedBefore(tc.target, nil)
			if gp != wp || gq != wq {
				t.Fatalf("Forwarded(%q) = %q, %q; before: %q, %q", tc.target, gp, gq, wp, wq)
			}
		})
	}
}

// FuzzForwarded holds Forwarded to the reference on arbitrary request-targets.
func FuzzForwarded(f *testing.F) {
	for _, s := range []string{"/a/b", "/a/b/", "/a/./b?c", "/.x", "//", "/a%2e%2e/b", "/a\x00", "/?/./", "http://h/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		gp, gq := Forwarded(target, nil)
		wp, wq := forwardedBefore(target, nil)
		if gp != wp || gq != wq {
			t.Fatalf("Forwarded(%q) = %q, %q; before: %q, %q", target, gp, gq, wp, wq)
		}
	})
}
