package plugin

import (
	"regexp"
	"strings"
)

// maxRegexpRules is the most path rules an offer matches with one regexp. The
// regexp runs as compiled stdlib code even under Yaegi, so for a few rules it beats
// the trie, whose walk is interpreted (about 5 µs against 11-19 µs per lookup);
// its cost grows with the rules (about 40 µs at 100, milliseconds at 1,000), the
// trie's does not.
const maxRegexpRules = 32

// rulesRegexp compiles an offer's rules, in order, into one anchored alternation with
// a capture group per rule (the offer's prefix optional in front of each pattern, so
// a path already stripped of it matches too). It answers exactly as the trie does;
// TestPathTrieMatchesRegexp holds the two to that.
func rulesRegexp(prefix string, rules []*rule, patterns []string) (*regexp.Regexp, error) {
	pre := ""
	if prefix != "" {
		pre = "(?:" + regexp.QuoteMeta(prefix) + ")?"
	}
	alts := make([]string, len(rules))
	for i, r := range rules {
		meth := `[^ ]+`
		if len(r.methodList) > 0 {
			q := make([]string, len(r.methodList))
			for j, m := range r.methodList {
				q[j] = regexp.QuoteMeta(m)
			}
			meth = "(?:" + strings.Join(q, "|") + ")"
		}
		pat := patterns[i]
		isPrefix := strings.HasSuffix(pat, "/*")
		if isPrefix {
			pat = strings.TrimSuffix(pat, "/*")
		}
		segs := strings.Split(pat, "/")
		for j, seg := range segs {
			if seg == "*" {
				segs[j] = `[^/]*`
			} else {
				segs[j] = regexp.QuoteMeta(seg)
			}
		}
		// Each alternative ends in its own anchor, so matching stops at the end of
		// the pattern instead of scanning the rest of a long path.
		p := pre + strings.Join(segs, "/")
		switch {
		case isPrefix:
			p += `(?:/|$)`
		case patterns[i] == "/" && prefix != "":
			// The offer's root: the prefix itself, with or without a slash.
			p = "(?:" + regexp.QuoteMeta(prefix) + "/?|/)$"
		default:
			p += `$`
		}
		alts[i] = "(" + meth + " " + p + ")"
	}
	return regexp.Compile(`^(?:` + strings.Join(alts, "|") + `)`)
}

// regexpFind returns the index of the first of n rules matching "METHOD /path", or
// -1. A plain function, not a method: under Yaegi a method call allocates more.
func regexpFind(re *regexp.Regexp, n int, method, p string) int {
	m := re.FindStringSubmatchIndex(method + " " + p)
	if m == nil {
		return -1
	}
	for i := 0; i < n; i++ {
		if m[2+2*i] >= 0 {
			return i
		}
	}
	return -1
}
