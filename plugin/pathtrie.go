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
// interpreted type, so these are functions), so the common walk is one function: one
// strings.Split, then a map lookup per segment (trieFind; the walk of a trie with "*"
// segments cuts a segment at a time), candidate lists scanned inline; it recurses only
// where a literal and a "*" child both continue.
type pathTrie struct {
	root    *trieNode
	methods []map[string]bool // per rule; nil: every method
	none    int               // len(rules): "no rule"
	star    bool              // some pattern has a "*" segment (not the final "/*")
	// In a trie with a "*" segment (trieFindStar), a path below the offer prefix
	// starts its walk at P's node (skipping P's segments, a few allocations each under
	// Yaegi) when no "*" branches off on the way there; the "/x/*" rules on the way
	// (preUnder, ascending) are checked first.
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
	// trieFind's view of the same (see scoreLists): none-min, and per plain method the
	// scores of under and of exact and under together.
	top                   int
	underScore, leafScore [nPlain]int // leafScore: the better of exact and under
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
		pre = descend(t, t.root, strings.Split(prefix[1:], "/"), 0)
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
			n := descend(t, start, segs, i)
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
	scoreLists(t, t.root)
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
// reachable on the way (and the trie as holding a "*" segment when it makes one).
func descend(t *pathTrie, n *trieNode, segs []string, i int) *trieNode {
	for _, seg := range segs {
		var c *trieNode
		if seg == "*" {
			if n.star == nil {
				t.star = true
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
//
// One function for the common case, a trie without "*" segments: the walk then
// follows one branch, so it is a loop (one strings.Split of the path, then one map
// lookup and one score read per segment) with no call frame per node; under Yaegi each
// frame and each value slot of a function is an allocation, so this frame is kept
// small (a strings.Cut per segment instead of the one Split cost 16 allocations more
// on a three-segment path: every call into compiled code boxes its arguments and
// results). Tries with a "*" segment take trieFindStar (the prefix shortcut and the
// recursive walk); methods the regexp would have read differently (see trieOdd) and
// odd paths go to trieOdd. A method not in plainMethods also takes trieOdd, which
// answers it like this walk does, so that one map lookup replaces scanning it for a
// space.
func trieFind(t *pathTrie, method, p string) int {
	m := plainMethods[method]
	if m == 0 || p == "" || p[0] != '/' {
		return trieOdd(t, method, p)
	}
	if t.star {
		return trieFindStar(t, method, p)
	}
	// Scores, not indexes: rule i scores none-i for the methods it allows, 0 is no
	// rule, and each node holds the best score of its lists per plain method. The walk
	// starts at the root (every rule is indexed from there too): a prefix shortcut
	// would cost more slots in this frame than the Cut per prefix segment it saves.
	best, n, segs := 0, t.root, strings.Split(p[1:], "/")
	last := len(segs) - 1
	for i, seg := range segs {
		if n.top <= best {
			break
		}
		if v := n.underScore[m]; v > best {
			best = v
		}
		if n = n.lit[seg]; n == nil {
			break
		}
		if i == last {
			// The last segment: the node's rules apply in full.
			if v := n.leafScore[m]; v > best {
				best = v
			}
		}
	}
	if best == 0 {
		return -1
	}
	return t.none - best
}

// trieFindStar is trieFind for a trie with a "*" segment, whose walk may follow two
// branches (trieWalk recurses).
func trieFindStar(t *pathTrie, method, p string) int {
	best := t.none
	if t.pre != nil && len(p) > len(t.prefix) && p[len(t.prefix)] == '/' && p[:len(t.prefix)] == t.prefix {
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

// plainMethods numbers the request methods trieFind walks directly (the common ones,
// which hold no space) for the per-method scores; 0: any other method, which trieOdd
// answers like the walk does, so one map lookup replaces scanning it for a space.
var plainMethods = map[string]int{
	"GET": 1, "HEAD": 2, "POST": 3, "PUT": 4, "PATCH": 5, "DELETE": 6, "CONNECT": 7, "OPTIONS": 8, "TRACE": 9,
}

// nPlain is one more than the largest plainMethods number.
const nPlain = 10

// scoreLists fills the per-method scores of every node below n (and n) and returns
// nothing; scores are none-i for the first rule i of a list allowing the method.
func scoreLists(t *pathTrie, n *trieNode) {
	n.top = t.none - n.min
	for name, m := range plainMethods {
		n.underScore[m] = score(t, n.under, name)
		n.leafScore[m] = score(t, n.exact, name)
		if n.underScore[m] > n.leafScore[m] {
			n.leafScore[m] = n.underScore[m]
		}
	}
	for _, c := range n.lit {
		scoreLists(t, c)
	}
	if n.star != nil {
		scoreLists(t, n.star)
	}
}

// score is the score of the first rule of an ascending list that allows method.
func score(t *pathTrie, list []int, method string) int {
	for _, i := range list {
		if t.methods[i] == nil || t.methods[i][method] {
			return t.none - i
		}
	}
	return 0
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
