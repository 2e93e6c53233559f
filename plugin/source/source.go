// Package source delivers the routes document to the gate: it polls a file in a
// ConfigMap directory mount or watches a ConfigMap through the Kubernetes API, skips
// documents it has already seen, parses new ones and hands them over. What a document
// means (compiling, serving, metrics) is the caller's business. Standard library only:
// fsnotify and client-go do not load under Yaegi.
package source

import (
	"crypto/sha256"
	"log"
	"sync"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// Sink receives what one source finds. Deliveries are serialized: Apply and Refused are
// never called concurrently for one sink.
type Sink struct {
	// Name identifies the source in logs and metrics ("file:/path", "configmap:ns/name@api").
	Name string
	// Apply installs a parsed document; an error refuses it and the last good one stays.
	Apply func(doc *routes.Document) error
	// Refused is told about every document that was refused (unparsable, too large,
	// or refused by Apply); the last good one stays in service.
	Refused func(err error)

	mu       sync.Mutex
	lastHash [32]byte
	hashed   bool
	missing  bool // the last look found no document (logged once)
}

// Deliver parses data and passes it to Apply, unless it is the document delivered last.
// Plain functions rather than methods: Yaegi calls methods of interpreted types about
// ten times slower.
func Deliver(s *Sink, data []byte) {
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing = false
	if s.hashed && sum == s.lastHash {
		return
	}
	s.lastHash = sum
	s.hashed = true
	doc, err := routes.Parse(data)
	if err == nil {
		err = s.Apply(doc)
	}
	if err != nil {
		s.Refused(err)
	}
}

// Missing logs once, until the next delivery, that the source has no document.
func Missing(s *Sink, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.missing {
		s.missing = true
		log.Printf("turnpike: routes document from %s unavailable (the last good one, if any, stays in service; without one requests get 503): %v", s.Name, err)
	}
}

// refuse reports a document that was not even parsed (too large).
func refuse(s *Sink, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Refused(err)
}
