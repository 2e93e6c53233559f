package plugin

import (
	"fmt"
	"strings"
)

// pathTrie finds the first of an offer's path rules (in document order) that matches
// "METHOD /path", with work that follows the path's segments, not the number of rules:
// the stdlib regexp it replaces (one alternation with a group per rule) cost 0.4 µs at
// 1 rule and 9 ms at 1,000 (issue #16). It is built once per document, when the offer compiles.
//
// Matching, exactly as the regexp did:
//   - "/a/b" matches the path "/a/b" only; a "*" segment matches exactly one segment
//     (any text without '/').
//   - "/a/*" matches "/a" and every path below it ("/a/", "/a/b/c"); "/*" matches all.
//   - With an offer prefix P, a rule also matches P followed by what it matches, and
//     "/" also matches P itself: each rule is indexed twice, from the root and from
//     P's segments, so one walk covers both spellings.
//   - Methods: empty list means every method; otherwise exact, upper-case names.
//   - Several rules match: the lowest index wins, so every node knows the lowest rule
//     index below it and the walk skips branches that cannot beat the best so far.
//
// Yaegi runs this per request (~170x slower than compiled code, and every call
// allocates its frame: 10 allocations for a function, 33 for a method of an
// interpreted type, so these are functions), so the common walk is one function: strings.Cut and one
// map lookup per segment, candidate lists scanned inline; it recurses only where a
// literal and a "*" child both continue.
type pathTrie struct {
	root    *trieNode
	methods []map[string]bool // per rule; nil: every method
	none    int               // len(rules): "no rule"
	// A path below the offer prefix starts its walk at P's node (skipping P's
	// segments, a few allocations each under Yaegi) when no "*" branches off on the
	// way there; the "/x/*" rules on the way (preUnder, ascending) are checked first.
	prefix   string
	pre      *trieNode // nil: no prefix, or the shortcut would miss a "*" branch
	preUnder []int
}

type trieNode struct {
	lit   map[string]*trieNode // child per literal segment
	star  *trieNode            // child for a "*" segment
	exact []int                // rules ending here, ascending
	under []int                // rules matching here and everything below ("/x/*"), ascending
	min   int                  // lowest rule index in this subtree
}

func newTrieNode() *trieNode { return &trieNode{min: int(^uint(0) >> 1)} }

// buildTrie indexes rules (in document order) by their patterns.
func buildTrie(prefix string, rules []*rule, patterns []string) (*pathTrie, error) {
	t := &pathTrie{root: newTrieNode(), none: len(rules)}
	for _, r := range rules {
		t.methods = append(t.methods, r.methods)
	}
	var pre *trieNode // P's node, where every rule is indexed again
	if prefix != "" {
		pre = t.root.descend(strings.Split(prefix[1:], "/"), 0)
	}
	for i, pat := range patterns {
		if !strings.HasPrefix(pat, "/") {
			return nil, fmt.Errorf("pattern %q does not start with /", pat)
		}
		isPrefix := strings.HasSuffix(pat, "/*")
		body := strings.TrimSuffix(pat, "/*")
		var segs []string
		if body != "" {
			segs = strings.Split(body[1:], "/")
		}
		starts := []*trieNode{t.root}
		if pre != nil {
			starts = append(starts, pre)
		}
		for _, start := range starts {
			if start.min > i {
				start.min = i
			}
			n := start.descend(segs, i)
			if isPrefix {
				n.under = append(n.under, i)
			} else {
				n.exact = append(n.exact, i)
			}
		}
		if pat == "/" && pre != nil {
			// The offer's root also matches the bare prefix (no trailing slash).
			pre.exact = append(pre.exact, i)
		}
	}
	if pre != nil {
		t.prefix, t.pre = prefix, pre
		n := t.root
		for _, seg := range strings.Split(prefix[1:], "/") {
			if n.star != nil {
				t.pre = nil
				break
			}
			t.preUnder = append(t.preUnder, n.under...)
			n = n.lit[seg]
		}
		sortInts(t.preUnder)
	}
	return t, nil
}

// sortInts sorts a short list at load time (no sort package needed by Yaegi's
// per-request path; insertion sort is enough for the rules on one prefix).
func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// descend returns the node for segs below n, creating it, and marks rule i as
// reachable on the way.
func (n *trieNode) descend(segs []string, i int) *trieNode {
	for _, seg := range segs {
		var c *trieNode
		if seg == "*" {
			if n.star == nil {
				n.star = newTrieNode()
			}
			c = n.star
		} else {
			if n.lit == nil {
				n.lit = make(map[string]*trieNode)
			}
			c = n.lit[seg]
			if c == nil {
				c = newTrieNode()
				n.lit[seg] = c
			}
		}
		if c.min > i {
			c.min = i
		}
		n = c
	}
	return n
}

// trieFind returns the index of the first rule matching method and the forwarded path p,
// or -1.
func trieFind(t *pathTrie, method, p string) int {
	if method == "" || p == "" || p[0] != '/' || strings.IndexByte(method, ' ') >= 0 {
		return trieOdd(t, method, p)
	}
	best := t.none
	if t.pre != nil && len(p) > len(t.prefix) && p[len(t.prefix)] == '/' && strings.HasPrefix(p, t.prefix) {
		for _, i := range t.preUnder {
			if t.methods[i] == nil || t.methods[i][method] {
				best = i
				break
			}
		}
		best = trieWalk(t, t.pre, p[len(t.prefix)+1:], method, best)
	} else {
		best = trieWalk(t, t.root, p[1:], method, best)
	}
	if best < t.none {
		return best
	}
	return -1
}

// trieOdd handles what reqpath never hands over but the regexp answered for: an
// empty path, and a method holding a space (a preflight's Access-Control-Request-Method),
// whose tail the regexp, matching "METHOD /path", read as part of the path.
func trieOdd(t *pathTrie, method, p string) int {
	if i := strings.IndexByte(method, ' '); i >= 0 {
		p = method[i+1:] + " " + p
		method = method[:i]
	}
	best := t.none
	switch {
	case method == "":
	case p == "":
		// Only "/*" matches an empty path.
		for _, i := range t.root.under {
			if t.methods[i] == nil || t.methods[i][method] {
				best = i
				break
			}
		}
	case p[0] == '/':
		best = trieWalk(t, t.root, p[1:], method, best)
	}
	if best < t.none {
		return best
	}
	return -1
}

// trieWalk matches the segments of s (a path without its leading '/') from node n and
// returns the lowest matching rule index below best, or best. Candidate lists are
// ascending, so each scan stops at the first rule that allows the method or at best.
func trieWalk(t *pathTrie, n *trieNode, s, method string, best int) int {
	for n.min < best {
		for _, i := range n.under {
			if i >= best {
				break
			}
			if t.methods[i] == nil || t.methods[i][method] {
				best = i
				break
			}
		}
		seg, rest, more := strings.Cut(s, "/")
		lit, star := n.lit[seg], n.star
		if more {
			if lit == nil {
				n, s = star, rest
			} else {
				if star != nil && star.min < best {
					best = trieWalk(t, star, rest, method, best)
				}
				n, s = lit, rest
			}
			if n == nil {
				return best
			}
			continue
		}
		// The last segment: the rules of the nodes it reaches apply in full.
		if star != nil && star.min < best {
			best = trieLeaf(t, star, method, best)
		}
		if lit != nil && lit.min < best {
			best = trieLeaf(t, lit, method, best)
		}
		return best
	}
	return best
}

// trieLeaf applies the rules of a node reached with the whole path consumed.
func trieLeaf(t *pathTrie, n *trieNode, method string, best int) int {
	for _, i := range n.exact {
		if i >= best {
			break
		}
		if t.methods[i] == nil || t.methods[i][method] {
			best = i
			break
		}
	}
	for _, i := range n.under {
		if i >= best {
			break
		}
		if t.methods[i] == nil || t.methods[i][method] {
			best = i
			break
		}
	}
	return best
}
