package plugin

import (
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// loader keeps the newest good routes document of one source (a file in a ConfigMap
// mount, or a ConfigMap watched through the API) compiled and ready. It is shared by
// every instance reading that source and reference-counted by the registry.
type loader struct {
	name    string
	metrics *metricsRegistry
	state   *sourceState
	current atomic.Value // *table; absent until a document loaded

	mu       sync.Mutex
	lastHash [32]byte
	hashed   bool
	missing  bool // the last poll found no document (logged once)

	refs      int // guarded by the registry's mutex
	stop      chan struct{}
	stopTimer *time.Timer
}

func newLoader(name string, m *metricsRegistry) *loader {
	l := &loader{name: name, metrics: m, state: m.source(name), stop: make(chan struct{})}
	return l
}

// table returns the compiled document, or nil when none loaded yet.
func (l *loader) table() *table {
	t, _ := l.current.Load().(*table)
	return t
}

// apply parses, validates and compiles data; a bad document is refused and the last
// good one stays in service.
func (l *loader) apply(data []byte) {
	sum := sha256.Sum256(data)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.missing = false
	if l.hashed && sum == l.lastHash {
		return
	}
	l.lastHash = sum
	l.hashed = true
	doc, err := routes.Parse(data)
	var t *table
	if err == nil {
		t, err = compileTable(doc, l.metrics)
	}
	if err != nil {
		l.state.reloadErrors.Add(1)
		if old := l.table(); old != nil {
			log.Printf("turnpike: routes document from %s refused, still serving generation %d: %v", l.name, old.generation, err)
		} else {
			log.Printf("turnpike: routes document from %s refused, no routes loaded (requests get 503): %v", l.name, err)
		}
		return
	}
	l.current.Store(t)
	offers := make(map[string]bool)
	for i := range doc.Offers {
		o := &doc.Offers[i]
		for _, p := range o.Payments {
			offers[seriesKey(o.Namespace, o.Name, p.Network, p.AssetSymbol)] = true
		}
		for _, r := range o.Paths {
			for _, p := range r.Payments {
				offers[seriesKey(o.Namespace, o.Name, p.Network, p.AssetSymbol)] = true
			}
		}
	}
	l.state.offers.Store(offers)
	l.state.generation.Store(doc.Generation)
	l.state.loaded.Store(true)
	l.metrics.prune()
	// fmt goes to Traefik's debug log, log to its error log: a load is not an error.
	fmt.Printf("turnpike: routes generation %d loaded from %s (%d offers)\n", doc.Generation, l.name, len(doc.Offers))
}

// noteMissing logs once that the source has no document yet.
func (l *loader) noteMissing(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.missing {
		l.missing = true
		log.Printf("turnpike: routes document from %s unavailable (serving %s): %v", l.name, l.describe(), err)
	}
}

func (l *loader) describe() string {
	if t := l.table(); t != nil {
		return "the last good generation"
	}
	return "503 until it appears"
}

// pollFile watches a file in a ConfigMap directory mount. The kubelet swaps the
// `..data` symlink atomically, and os.ReadFile follows it; the content hash decides
// whether anything changed (modification times are not reliable across the swap).
func (l *loader) pollFile(path string, interval time.Duration) {
	l.readFile(path)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.readFile(path)
		}
	}
}

func (l *loader) readFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		l.noteMissing(err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		l.noteMissing(err)
		return
	}
	if st.Size() > routes.MaxDocumentBytes {
		l.mu.Lock()
		l.state.reloadErrors.Add(1)
		l.mu.Unlock()
		log.Printf("turnpike: routes file %s is %d bytes, limit %d; ignored", path, st.Size(), routes.MaxDocumentBytes)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		l.noteMissing(err)
		return
	}
	l.apply(data)
}
