// Package metrics is the gate's Prometheus registry: per-offer series counted on the
// request path with plain functions and sync/atomic, the routes sources' gauges, and
// the text exposition written by hand (the client library does not load under Yaegi).
// One registry lives for the whole Traefik process, so counters never reset on a
// reload. Standard library and x402/ only.
package metrics

import (
	"bufio"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

// Metric names are API: the platform's recording rules and alerts use them.
const (
	mRequests        = "turnpike_requests_total"
	mPaymentRequired = "turnpike_payment_required_total"
	mVerified        = "turnpike_payment_verified_total"
	mUnclaimed       = "turnpike_payment_unclaimed_total"
	mFailed          = "turnpike_payment_failed_total"
	mCharged         = "turnpike_charged_requests_total"
	mChargedAtomic   = "turnpike_charged_amount_atomic_total"
	mChargedUnits    = "turnpike_charged_amount_total"
	mLastSuccess     = "turnpike_last_payment_success_timestamp_seconds"
	mFacilitator     = "turnpike_facilitator_request_duration_seconds"
	mGeneration      = "turnpike_routes_generation"
	mLoaded          = "turnpike_routes_loaded"
	mReloadErrors    = "turnpike_routes_reload_errors_total"
	mChallengeCache  = "turnpike_challenge_cache_bytes"
)

// Facilitator latency buckets, seconds: verify is tens of ms, settle waits for a block.
var facilitatorBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Series holds every per-offer family for one (namespace, name, chain, asset symbol).
type Series struct {
	labels string // rendered label pairs without braces

	// Counted by the gate with sync/atomic functions on plain int64 (cheaper under
	// Yaegi than the atomic types). Required counts unpaid challenges, Requests every
	// other request; the exposition adds them up for turnpike_requests_total.
	Requests, Required, Verified, Charged int64
	// Unclaimed counts verified payments whose facilitator did not confirm a
	// turnpike-claim (a third-party facilitator: no cross-replica serialization).
	Unclaimed   int64
	lastSuccess int64 // unix seconds, 0 = never

	mu       sync.Mutex
	failed   map[string]int64
	atomicT  *big.Int
	decimals int
	hist     [2]histogram // verify, settle
}

type histogram struct {
	counts []int64 // per bucket (not cumulative), plus +Inf at the end
	sum    float64
	count  int64
}

// Facilitator operations timed by Observe.
const (
	OpVerify = 0
	OpSettle = 1
)

// Fail counts a refused payment under its reason code.
func Fail(s *Series, reason string) {
	s.mu.Lock()
	s.failed[reason]++
	s.mu.Unlock()
}

// Charge counts a settled payment of amount (atomic units of an asset with decimals).
func Charge(s *Series, amount *big.Int, decimals int, now time.Time) {
	atomic.AddInt64(&s.Charged, 1)
	atomic.StoreInt64(&s.lastSuccess, now.Unix())
	s.mu.Lock()
	s.atomicT.Add(s.atomicT, amount)
	s.decimals = decimals
	s.mu.Unlock()
}

// Observe records the latency of a facilitator call (OpVerify or OpSettle).
func Observe(s *Series, op int, d time.Duration) {
	// Not d.Seconds(): a call into compiled code costs ~1 us under Yaegi.
	v := float64(d) / 1e9
	i := sort.SearchFloat64s(facilitatorBuckets, v) // first bucket with le >= v
	s.mu.Lock()
	h := &s.hist[op]
	if h.counts == nil {
		newHistogram(h)
	}
	h.counts[i]++
	h.sum += v
	h.count++
	s.mu.Unlock()
}

// Settled is Observe(s, OpSettle, d) and Charge(s, amount, decimals, now) of a
// settle that succeeded, under one lock: every paid request ends here, and under
// Yaegi each interpreted call and each call into sync costs allocations.
func Settled(s *Series, d time.Duration, amount *big.Int, decimals int, now time.Time) {
	v := float64(d) / 1e9
	i := sort.SearchFloat64s(facilitatorBuckets, v)
	atomic.AddInt64(&s.Charged, 1)
	atomic.StoreInt64(&s.lastSuccess, now.Unix())
	s.mu.Lock()
	h := &s.hist[OpSettle]
	if h.counts == nil {
		newHistogram(h)
	}
	h.counts[i]++
	h.sum += v
	h.count++
	s.atomicT.Add(s.atomicT, amount)
	s.decimals = decimals
	s.mu.Unlock()
}

// newHistogram makes the buckets of a series' first observation. (Out of Observe:
// under Yaegi a call allocates every value slot of its function, those of branches
// not taken included.)
func newHistogram(h *histogram) {
	h.counts = make([]int64, len(facilitatorBuckets)+1)
}

// Registry is process-wide: every instance and reload counts into the same
// series, so counters never reset while the process lives.
type Registry struct {
	mu    sync.Mutex
	byKey map[string]*Series
	// sources maps a routes source to its state, for the generation/loaded gauges
	// and /readyz.
	sources map[string]*Source
	// reasons are the failure reasons every new series exports at 0 (see NewRegistry).
	reasons []string
	// ChallengeCacheBytes, when set, reads what the process's cached 402s hold: a
	// budget that unpaid clients can fill, so operators can see it filled.
	ChallengeCacheBytes func() int64
}

// Source is the state of one routes source, for the generation/loaded/reload-error
// gauges, /readyz and pruning.
type Source struct {
	Generation   atomic.Int64
	Loaded       atomic.Bool
	ReloadErrors atomic.Int64
	offers       atomic.Value // map[string]bool of Key(...) of the series its document uses
}

// SetOffers records the series keys (Key) the source's current document uses; series
// no source uses are removed by Prune.
func (s *Source) SetOffers(keys map[string]bool) { s.offers.Store(keys) }

// NewRegistry returns an empty registry. Every series it creates exports a
// turnpike_payment_failed_total series at 0 for each of reasons, from the moment its
// offer loads: increase() over a series that appears with its first failure counts
// that failure as nothing, so alerts would miss the first failure of each reason.
func NewRegistry(reasons ...string) *Registry {
	return &Registry{byKey: map[string]*Series{}, sources: map[string]*Source{}, reasons: reasons}
}

// Key identifies a series by its labels (an empty symbol is "unknown").
func Key(ns, name, chain, symbol string) string {
	if symbol == "" {
		symbol = "unknown"
	}
	return ns + "\x00" + name + "\x00" + chain + "\x00" + symbol
}

// Series returns (creating) the series for these labels.
func (m *Registry) Series(ns, name, chain, symbol string) *Series {
	if symbol == "" {
		symbol = "unknown"
	}
	k := Key(ns, name, chain, symbol)
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.byKey[k]; ok {
		return s
	}
	s := &Series{
		labels: "offer_namespace=" + strconv.Quote(ns) + ",offer_name=" + strconv.Quote(name) +
			",chain=" + strconv.Quote(chain) + ",asset_symbol=" + strconv.Quote(symbol),
		failed:  make(map[string]int64, len(m.reasons)),
		atomicT: new(big.Int),
	}
	for _, r := range m.reasons {
		s.failed[r] = 0
	}
	m.byKey[k] = s
	return s
}

// Source returns (registering) the state of the routes source called name.
func (m *Registry) Source(name string) *Source {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sources[name]; ok {
		return s
	}
	s := &Source{}
	s.offers.Store(map[string]bool{})
	m.sources[name] = s
	return s
}

// DropSource forgets a stopped source and prunes the series only it used.
func (m *Registry) DropSource(name string) {
	m.mu.Lock()
	delete(m.sources, name)
	m.mu.Unlock()
	m.Prune()
}

// Prune removes the series of offers that no loaded routes document contains any
// more, so dashboards stop showing offers that left.
func (m *Registry) Prune() {
	m.mu.Lock()
	defer m.mu.Unlock()
	live := map[string]bool{}
	for _, src := range m.sources {
		for k := range src.offers.Load().(map[string]bool) {
			live[k] = true
		}
	}
	for k := range m.byKey {
		if !live[k] {
			delete(m.byKey, k)
		}
	}
}

// Ready reports whether every registered routes source has a document loaded.
func (m *Registry) Ready() (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sources) == 0 {
		return false, "no routes source configured"
	}
	var missing []string
	for name, src := range m.sources {
		if !src.Loaded.Load() {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return false, "routes not loaded: " + strings.Join(missing, ", ")
	}
	return true, "ready"
}

// Write renders the Prometheus text exposition format (version 0.0.4) by hand: the
// client library does not load under Yaegi. Series are sorted so output is stable.
func (m *Registry) Write(w io.Writer) error {
	m.mu.Lock()
	keys := make([]string, 0, len(m.byKey))
	for k := range m.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	all := make([]*Series, len(keys))
	for i, k := range keys {
		all[i] = m.byKey[k]
	}
	srcNames := make([]string, 0, len(m.sources))
	for k := range m.sources {
		srcNames = append(srcNames, k)
	}
	sort.Strings(srcNames)
	srcs := make([]*Source, len(srcNames))
	for i, k := range srcNames {
		srcs[i] = m.sources[k]
	}
	m.mu.Unlock()

	b := bufio.NewWriter(w)
	counter := func(name, help string, get func(*Series) int64) {
		b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n")
		for _, s := range all {
			b.WriteString(name + "{" + s.labels + "} " + strconv.FormatInt(get(s), 10) + "\n")
		}
	}
	counter(mRequests, "Requests that reached the gate for an offer (labelled with the offer's first payment option).", func(s *Series) int64 {
		// An unpaid challenge bumps only `required` (one atomic call less on the
		// hottest path); every challenge is a request too.
		return atomic.LoadInt64(&s.Requests) + atomic.LoadInt64(&s.Required)
	})
	counter(mPaymentRequired, "402 challenges answered to requests without a payment.", func(s *Series) int64 { return atomic.LoadInt64(&s.Required) })
	counter(mVerified, "Payments the facilitator verified.", func(s *Series) int64 { return atomic.LoadInt64(&s.Verified) })

	b.WriteString("# HELP " + mFailed + " Requests with a payment that were refused, by reason.\n# TYPE " + mFailed + " counter\n")
	for _, s := range all {
		s.mu.Lock()
		reasons := make([]string, 0, len(s.failed))
		for r := range s.failed {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			b.WriteString(mFailed + "{" + s.labels + ",reason=" + strconv.Quote(r) + "} " + strconv.FormatInt(s.failed[r], 10) + "\n")
		}
		s.mu.Unlock()
	}
	counter(mUnclaimed, "Verified payments the facilitator did not claim for this gate (no turnpike-claim: replicas cannot serialize through it).", func(s *Series) int64 { return atomic.LoadInt64(&s.Unclaimed) })
	counter(mCharged, "Requests whose payment settled.", func(s *Series) int64 { return atomic.LoadInt64(&s.Charged) })

	b.WriteString("# HELP " + mChargedAtomic + " Settled amount in the asset's atomic units.\n# TYPE " + mChargedAtomic + " counter\n")
	for _, s := range all {
		s.mu.Lock()
		b.WriteString(mChargedAtomic + "{" + s.labels + "} " + s.atomicT.String() + "\n")
		s.mu.Unlock()
	}
	b.WriteString("# HELP " + mChargedUnits + " Settled amount in token units.\n# TYPE " + mChargedUnits + " counter\n")
	for _, s := range all {
		s.mu.Lock()
		b.WriteString(mChargedUnits + "{" + s.labels + "} " + x402.FormatUnits(s.atomicT, s.decimals) + "\n")
		s.mu.Unlock()
	}
	b.WriteString("# HELP " + mLastSuccess + " Unix time of the last settled payment (0: none yet).\n# TYPE " + mLastSuccess + " gauge\n")
	for _, s := range all {
		b.WriteString(mLastSuccess + "{" + s.labels + "} " + strconv.FormatInt(atomic.LoadInt64(&s.lastSuccess), 10) + "\n")
	}

	b.WriteString("# HELP " + mFacilitator + " Facilitator call latency by operation.\n# TYPE " + mFacilitator + " histogram\n")
	ops := []string{"verify", "settle"}
	for _, s := range all {
		s.mu.Lock()
		for op := 0; op < 2; op++ {
			h := s.hist[op]
			if h.count == 0 {
				continue
			}
			lbl := s.labels + ",operation=\"" + ops[op] + "\""
			var cum int64
			for i, le := range facilitatorBuckets {
				cum += h.counts[i]
				b.WriteString(mFacilitator + "_bucket{" + lbl + ",le=\"" + strconv.FormatFloat(le, 'g', -1, 64) + "\"} " + strconv.FormatInt(cum, 10) + "\n")
			}
			b.WriteString(mFacilitator + "_bucket{" + lbl + ",le=\"+Inf\"} " + strconv.FormatInt(h.count, 10) + "\n")
			b.WriteString(mFacilitator + "_sum{" + lbl + "} " + strconv.FormatFloat(h.sum, 'g', -1, 64) + "\n")
			b.WriteString(mFacilitator + "_count{" + lbl + "} " + strconv.FormatInt(h.count, 10) + "\n")
		}
		s.mu.Unlock()
	}

	b.WriteString("# HELP " + mGeneration + " Generation of the routes document being served.\n# TYPE " + mGeneration + " gauge\n")
	for i, s := range srcs {
		b.WriteString(mGeneration + "{source=" + strconv.Quote(srcNames[i]) + "} " + strconv.FormatInt(s.Generation.Load(), 10) + "\n")
	}
	b.WriteString("# HELP " + mLoaded + " 1 when a valid routes document is loaded.\n# TYPE " + mLoaded + " gauge\n")
	for i, s := range srcs {
		v := "0"
		if s.Loaded.Load() {
			v = "1"
		}
		b.WriteString(mLoaded + "{source=" + strconv.Quote(srcNames[i]) + "} " + v + "\n")
	}
	b.WriteString("# HELP " + mReloadErrors + " Routes documents refused (the last good one is kept).\n# TYPE " + mReloadErrors + " counter\n")
	for i, s := range srcs {
		b.WriteString(mReloadErrors + "{source=" + strconv.Quote(srcNames[i]) + "} " + strconv.FormatInt(s.ReloadErrors.Load(), 10) + "\n")
	}
	if m.ChallengeCacheBytes != nil {
		b.WriteString("# HELP " + mChallengeCache + " Bytes of 402 answers cached for repeated unpaid requests, all routes sources together (bounded by the process's budget).\n# TYPE " + mChallengeCache + " gauge\n")
		b.WriteString(mChallengeCache + " " + strconv.FormatInt(m.ChallengeCacheBytes(), 10) + "\n")
	}
	return b.Flush()
}

// Handler serves /metrics and /readyz.
func (m *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = m.Write(w)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, msg := m.Ready()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, msg+"\n")
	})
	return mux
}

// Listeners holds one listener per address for the process lifetime: Traefik
// builds instances per router and per reload, and the port must not move.
type Listeners struct {
	mu    sync.Mutex
	addrs map[string]net.Addr
}

// NewListeners returns an empty set of listeners.
func NewListeners() *Listeners { return &Listeners{addrs: map[string]net.Addr{}} }

// Ensure serves h on addr unless a listener for addr already runs, and returns the
// bound address.
func (ms *Listeners) Ensure(addr string, h http.Handler) (net.Addr, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if a, ok := ms.addrs[addr]; ok {
		return a, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("turnpike: metrics listener %s stopped: %v", addr, err)
		}
	}()
	ms.addrs[addr] = ln.Addr()
	return ln.Addr(), nil
}

// Addr returns the bound address of the listener configured as addr (useful with
// port 0), or "" when none is running.
func (ms *Listeners) Addr(addr string) string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if a, ok := ms.addrs[addr]; ok {
		return a.String()
	}
	return ""
}
