package plugin

import (
	"fmt"
	"log"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/challenge"
	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/reqpath"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// table is a routes document compiled for serving: per offer its state, its path rules
// as a segment trie (pathtrie.go), and the answers plugin/challenge prepared for each set of prices, so
// a request only matches and splices its resource URL into bytes made in advance
// (loops written in the plugin run ~170x slower under Yaegi than stdlib calls).
//
// Offers are compiled on their first request, not when the document loads: a routes
// shard holds hundreds of offers and each Traefik pod reloads every shard its
// Middlewares name, while compiling an offer (its challenges above all) costs about a
// millisecond interpreted. A reload then costs the parse, the validation and the
// offers' metric series (created at once, so a counter never first appears at 1 and
// loses that increase), not the table build (BenchmarkReloadShard, yaegibench -reload).
type table struct {
	generation int64
	offers     map[string]*slot // by namespace/name
	metrics    *metrics.Registry
	// compiled lists the offers compiled so far, so that retireTable can take their
	// challenge caches off the process's budget; retired is set once the table is out
	// of service. Both guarded by mu.
	mu       sync.Mutex
	compiled []*offer
	retired  bool
}

// slot is one offer of the document and, once compiled, its table entry.
type slot struct {
	src      *routes.Offer
	mu       sync.Mutex
	compiled atomic.Value // *offer; uncompilable when compiling failed
}

// uncompilable marks a slot whose offer failed to compile (atomic.Value refuses nil,
// and Yaegi may hand a typed nil over as an untyped one).
var uncompilable = &offer{}

// offerOf returns the offer key of the table, compiling it on first use; nil when the
// document does not hold it or it cannot be compiled (the gate then refuses, 503).
func offerOf(t *table, key string) *offer {
	s := t.offers[key]
	if s == nil {
		return nil
	}
	o, ok := s.compiled.Load().(*offer)
	if !ok {
		o = compileSlot(t, s)
	}
	if o == uncompilable {
		return nil
	}
	return o
}

func compileSlot(t *table, s *slot) *offer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.compiled.Load().(*offer); ok {
		return o
	}
	o, err := compileOffer(s.src, t.metrics)
	if err == nil {
		t.mu.Lock()
		if !t.retired {
			// Counted against the process's budget while its table serves.
			o.cacheBytes = challengeCacheBytes
			t.compiled = append(t.compiled, o)
		}
		t.mu.Unlock()
	}
	if err != nil {
		// Validate accepted the document, so this is a gate bug: refuse the offer's
		// requests (offer_unknown) rather than serve a half-built entry.
		log.Printf("turnpike: offer %s of routes generation %d cannot be compiled, its requests are refused: %v", s.src.Key(), t.generation, err)
		o = uncompilable
	}
	s.compiled.Store(o)
	return o
}

// retireTable takes a table out of service: its offers' challenge caches leave the
// process's budget (the table and its caches are garbage once the requests still
// holding it finish). From here each of its offers counts what it caches on its own,
// so a request still in flight on it cannot move the process's count. install calls
// it for the table it replaces, the registry for a stopped loader's.
func retireTable(t *table) {
	t.mu.Lock()
	t.retired = true
	offers := t.compiled
	t.compiled = nil
	t.mu.Unlock()
	for _, o := range offers {
		o.fastMu.Lock()
		atomic.AddInt64(o.cacheBytes, -o.fastBytes)
		// new, not the address of a loop variable: Yaegi may reuse its slot.
		o.cacheBytes = new(int64)
		atomic.StoreInt64(o.cacheBytes, o.fastBytes)
		o.fastMu.Unlock()
	}
}

type offer struct {
	namespace, name string
	draining        bool
	drainEndsAt     time.Time
	pathPrefix      string
	before          bool           // offer default: settle before calling the upstream
	inference       bool           // a JSON body with "stream": true asks for a stream
	rules           []*rule        // in document order
	re              *regexp.Regexp // all rules, when there are at most maxRegexpRules
	trie            *pathTrie      // all rules, when there are more
	all             *rule          // the rule of an offer without rules: charge with def
	def             *challenge.Set
	primary         *metrics.Series // labels of the first payment option, for request counts
	cors            *cors.Policy    // nil: the gate instance's policy
	// fast maps "METHOD proto host request-target" of unpaid requests already routed
	// to their challenge (bounded; emptied when full; dropped with the table).
	fastMu     sync.RWMutex
	fast       map[string]*challenge.Answer
	fastBytes  int64  // what fast holds, counted in *cacheBytes
	cacheBytes *int64 // challengeCacheBytes while its table serves, else its own
}

type rule struct {
	methodList []string        // upper case; empty: every method
	methods    map[string]bool // methodList as a set; nil: every method
	free       bool
	prices     *challenge.Set
	before     bool // settle before calling the upstream
}

func compileTable(doc *routes.Document, m *metrics.Registry) (*table, error) {
	t := &table{generation: doc.Generation, offers: make(map[string]*slot, len(doc.Offers)), metrics: m}
	for i := range doc.Offers {
		src := &doc.Offers[i]
		t.offers[src.Key()] = &slot{src: src}
		for j := range src.Payments {
			p := &src.Payments[j]
			m.Series(src.Namespace, src.Name, p.Network, p.AssetSymbol)
		}
		for j := range src.Paths {
			for k := range src.Paths[j].Payments {
				p := &src.Paths[j].Payments[k]
				m.Series(src.Namespace, src.Name, p.Network, p.AssetSymbol)
			}
		}
	}
	return t, nil
}

func compileOffer(src *routes.Offer, m *metrics.Registry) (*offer, error) {
	o := &offer{
		namespace:  src.Namespace,
		name:       src.Name,
		draining:   src.State == routes.StateDraining,
		pathPrefix: strings.TrimSuffix(src.PathPrefix, "/"),
		before:     src.Settlement == routes.SettleBefore,
		inference:  src.Type == routes.TypeInference,
		cacheBytes: new(int64), // its own count unless compileSlot gives it the process's
		fast:       make(map[string]*challenge.Answer, 64),
	}
	if o.draining {
		end, err := time.Parse(time.RFC3339, src.DrainEndsAt)
		if err != nil {
			return nil, fmt.Errorf("drainEndsAt: %w", err)
		}
		o.drainEndsAt = end
	}
	if src.CORS != nil {
		pol, err := cors.Compile(src.CORS.AllowOrigins, src.CORS.MaxAgeSeconds)
		if err != nil {
			return nil, err
		}
		o.cors = pol
	}
	def, err := challenge.Compile(src, src.Payments, src.Description, src.MimeType, m)
	if err != nil {
		return nil, err
	}
	o.def = def
	o.primary = def.Options[0].Series
	o.all = &rule{prices: def, before: o.before}
	var patterns []string
	for j := range src.Paths {
		p := &src.Paths[j]
		r := &rule{free: p.Free, before: src.Settlement == routes.SettleBefore}
		if p.Settlement != "" {
			r.before = p.Settlement == routes.SettleBefore
		}
		for _, meth := range p.Methods {
			up := strings.ToUpper(meth)
			r.methodList = append(r.methodList, up)
			if r.methods == nil {
				r.methods = make(map[string]bool, len(p.Methods))
			}
			r.methods[up] = true
		}
		patterns = append(patterns, p.Pattern)
		if !r.free {
			desc, mime := src.Description, src.MimeType
			if p.Description != "" {
				desc = p.Description
			}
			if p.MimeType != "" {
				mime = p.MimeType
			}
			if len(p.Payments) == 0 && desc == src.Description && mime == src.MimeType {
				r.prices = def
			} else {
				pays := p.Payments
				if len(pays) == 0 {
					pays = src.Payments
				}
				ps, err := challenge.Compile(src, pays, desc, mime, m)
				if err != nil {
					return nil, fmt.Errorf("path %q: %w", p.Pattern, err)
				}
				r.prices = ps
			}
		}
		o.rules = append(o.rules, r)
	}
	switch {
	case len(o.rules) == 0:
	case len(o.rules) <= maxRegexpRules:
		re, err := rulesRegexp(o.pathPrefix, o.rules, patterns)
		if err != nil {
			return nil, fmt.Errorf("path rules: %w", err)
		}
		o.re = re
	default:
		tr, err := buildTrie(o.pathPrefix, o.rules, patterns)
		if err != nil {
			return nil, fmt.Errorf("path rules: %w", err)
		}
		o.trie = tr
	}
	return o, nil
}

// routeRequest routes a request on the path its upstream will receive (see
// plugin/reqpath: Traefik forwards the path of RequestURI, not req.URL.Path) and
// returns the rule (nil: none matched), that path, and a problem when the path's
// spelling is ambiguous and must be refused whatever rule it would match. The same
// RequestURI always gives the same answer, so the challenge cache, keyed by it, cannot
// carry a decision over to a different forwarded path.
func routeRequest(o *offer, req *http.Request) (*rule, string, string) {
	p, problem := reqpath.Forwarded(req.RequestURI, req.URL)
	if problem != "" {
		return nil, p, problem
	}
	// regexpFind and trieFind, not route: one call frame less under Yaegi on every
	// new URL.
	var i int
	switch {
	case o.re != nil:
		i = regexpFind(o.re, len(o.rules), req.Method, p)
	case o.trie != nil:
		i = trieFind(o.trie, req.Method, p)
	default:
		return o.all, p, ""
	}
	if i < 0 {
		return nil, p, ""
	}
	return o.rules[i], p, ""
}

// route returns the first rule matching "METHOD /path", or nil. The path is matched as
// forwarded, not cleaned: "/free/" and "/free" can reach different upstream handlers,
// and dot or empty segments never get here (reqpath refuses them). The lookup walks
// the path's segments through the offer's trie, so its cost does not grow with the
// number of rules.
func route(o *offer, method, p string) *rule {
	i := -1
	if o.re != nil {
		i = regexpFind(o.re, len(o.rules), method, p)
	} else if o.trie != nil {
		i = trieFind(o.trie, method, p)
	}
	if i < 0 {
		return nil
	}
	return o.rules[i]
}

// relativePath is the request path relative to the offer's prefix, for messages.
func relativePath(prefix, p string) string {
	p = path.Clean(p)
	if prefix == "" {
		return p
	}
	if p == prefix {
		return "/"
	}
	if strings.HasPrefix(p, prefix+"/") {
		return p[len(prefix):]
	}
	return p
}
