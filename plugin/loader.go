package plugin

import (
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/plugin/source"
)

// loader keeps the newest good routes document of one source (plugin/source: a file
// in a ConfigMap mount, or a ConfigMap watched through the API) compiled and ready. It
// is shared by every instance reading that source and reference-counted by the
// registry.
type loader struct {
	name    string
	metrics *metrics.Registry
	state   *metrics.Source
	current atomic.Value // *table; absent until a document loaded
	sink    *source.Sink

	refs      int // guarded by the registry's mutex
	stop      chan struct{}
	stopTimer *time.Timer
}

func newLoader(name string, m *metrics.Registry) *loader {
	l := &loader{name: name, metrics: m, state: m.Source(name), stop: make(chan struct{})}
	l.sink = &source.Sink{
		Name:    name,
		Apply:   func(doc *routes.Document) error { return install(l, doc) },
		Refused: func(err error) { refused(l, err) },
	}
	return l
}

// table returns the compiled document, or nil when none loaded yet.
func (l *loader) table() *table {
	t, _ := l.current.Load().(*table)
	return t
}

// apply delivers a document's bytes as the source would (tests and benchmarks).
func (l *loader) apply(data []byte) { source.Deliver(l.sink, data) }

// install compiles a parsed document and puts it in service; an error refuses it and
// the last good one stays.
func install(l *loader, doc *routes.Document) error {
	t, err := compileTable(doc, l.metrics)
	if err != nil {
		return err
	}
	old := l.table()
	l.current.Store(t)
	offers := make(map[string]bool)
	for i := range doc.Offers {
		o := &doc.Offers[i]
		for _, p := range o.Payments {
			offers[metrics.Key(o.Namespace, o.Name, p.Network, p.AssetSymbol)] = true
		}
		for _, r := range o.Paths {
			for _, p := range r.Payments {
				offers[metrics.Key(o.Namespace, o.Name, p.Network, p.AssetSymbol)] = true
			}
		}
	}
	l.state.SetOffers(offers)
	l.state.Generation.Store(doc.Generation)
	l.state.Loaded.Store(true)
	l.metrics.Prune()
	// fmt goes to Traefik's debug log, log to its error log: a load is not an error.
	fmt.Printf("turnpike: routes generation %d loaded from %s (%d offers)\n", doc.Generation, l.name, len(doc.Offers))
	// Last: the new table is in service and counted before the old one's caches are
	// given back (a step per offer it compiled).
	if old != nil {
		retireTable(old)
	}
	return nil
}

// refused counts a refused document and says what is served instead.
func refused(l *loader, err error) {
	l.state.ReloadErrors.Add(1)
	if old := l.table(); old != nil {
		log.Printf("turnpike: routes document from %s refused, still serving generation %d: %v", l.name, old.generation, err)
		return
	}
	log.Printf("turnpike: routes document from %s refused, no routes loaded (requests get 503): %v", l.name, err)
}
