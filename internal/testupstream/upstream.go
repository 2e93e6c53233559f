// Package testupstream is the seller's service in the test cluster: it answers every
// path with what it received, and counts what reached it, so a test can prove from
// the upstream's side that no unpaid request got through the gate and that the gate
// stripped the payment header. It knows nothing about payments.
package testupstream

import (
	"encoding/json"
	"net/http"
	"sync"
)

// Paths the upstream answers itself, never counted as served requests. The gate's
// routes must not cover them (tests read them from the upstream's Service directly).
const (
	HealthPath = "/healthz"
	StatsPath  = "/_upstream/stats"
)

// Stats is what reached the upstream since it started.
type Stats struct {
	// Requests served (every path but HealthPath and StatsPath).
	Requests int64 `json:"requests"`
	// WithoutPayer lacks the payer header the gate adds after a verified payment: on
	// a paid route, each one is an unpaid request that got through.
	WithoutPayer int64 `json:"withoutPayer"`
	// WithPaymentHeader still carried PAYMENT-SIGNATURE or X-PAYMENT, which the gate
	// must strip before the upstream.
	WithPaymentHeader int64 `json:"withPaymentHeader"`
	// ByPayer counts served requests per payer header value.
	ByPayer map[string]int64 `json:"byPayer"`
}

// Answer is the body of a served request.
type Answer struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Payer  string `json:"payer"`
	Seq    int64  `json:"seq"`
}

// Upstream counts; its zero value is not usable, use New.
type Upstream struct {
	payerHeader string
	mu          sync.Mutex
	stats       Stats
}

// New counts payers from payerHeader (the gate's payerHeader setting).
func New(payerHeader string) *Upstream {
	return &Upstream{payerHeader: http.CanonicalHeaderKey(payerHeader), stats: Stats{ByPayer: map[string]int64{}}}
}

// Snapshot returns a copy of the counters.
func (u *Upstream) Snapshot() Stats {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.stats
	s.ByPayer = make(map[string]int64, len(u.stats.ByPayer))
	for k, v := range u.stats.ByPayer {
		s.ByPayer[k] = v
	}
	return s
}

func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case HealthPath:
		writeJSON(w, map[string]string{"status": "ok"})
		return
	case StatsPath:
		writeJSON(w, u.Snapshot())
		return
	}
	payer := r.Header.Get(u.payerHeader)
	u.mu.Lock()
	u.stats.Requests++
	seq := u.stats.Requests
	if payer == "" {
		u.stats.WithoutPayer++
	} else {
		u.stats.ByPayer[payer]++
	}
	if r.Header.Get("PAYMENT-SIGNATURE") != "" || r.Header.Get("X-PAYMENT") != "" {
		u.stats.WithPaymentHeader++
	}
	u.mu.Unlock()
	writeJSON(w, Answer{Method: r.Method, Path: r.URL.Path, Payer: payer, Seq: seq})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
