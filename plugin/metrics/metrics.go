package plugin

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
	mFailed          = "turnpike_payment_failed_total"
	mCharged         = "turnpike_charged_requests_total"
	mChargedAtomic   = "turnpike_charged_amount_atomic_total"
	mChargedUnits    = "turnpike_charged_amount_total"
	mLastSuccess     = "turnpike_last_payment_success_timestamp_seconds"
	mFacilitator     = "turnpike_facilitator_request_duration_seconds"
	mGeneration      = "turnpike_routes_generation"
	mLoaded          = "turnpike_routes_loaded"
	mReloadErrors    = "turnpike_routes_reload_errors_total"
)

// Facilitator latency buckets, seconds: verify is tens of ms, settle waits for a block.
var facilitatorBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// series holds every per-offer family for one (namespace, name, chain, asset symbol).
type series struct {
	labels string // rendered label pairs without braces

	// Plain int64 with sync/atomic functions (cheaper under Yaegi than the types).
	requests, required, verified, charged int64
	lastSuccess                           int64 // unix seconds, 0 = never

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

const (
	opVerify = 0
	opSettle = 1
)

func seriesFail(s *series, reason string) {
	s.mu.Lock()
	s.failed[reason]++
	s.mu.Unlock()
}

func seriesCharge(s *series, amount *big.Int, decimals int, now time.Time) {
	atomic.AddInt64(&s.charged, 1)
	atomic.StoreInt64(&s.lastSuccess, now.Unix())
	s.mu.Lock()
	s.atomicT.Add(s.atomicT, amount)
	s.decimals = decimals
	s.mu.Unlock()
}

func seriesObserve(s *series, op int, d time.Duration) {
	v := d.Seconds()
	i := sort.SearchFloat64s(facilitatorBuckets, v) // first bucket with le >= v
	s.mu.Lock()
	h := &s.hist[op]
	if h.counts == nil {
		h.counts = make([]int64, len(facilitatorBuckets)+1)
	}
	h.counts[i]++
	h.sum += v
	h.count++
	s.mu.Unlock()
}

// metricsRegistry is process-wide: every instance and reload counts into the same
// series, so counters never reset while the process lives.
type metricsRegistry struct {
	mu    sync.Mutex
	byKey map[string]*series
	// sources maps a routes source to its state, for the generation/loaded gauges
	// and /readyz.
	sources map[string]*sourceState
}

type sourceState struct {
	generation   atomic.Int64
	loaded       atomic.Bool
	reloadErrors atomic.Int64
	offers       atomic.Value // map[string]bool of "ns\x00name\x00chain\x00symbol" keys
}

func newMetricsRegistry() *metricsRegistry {
	return &metricsRegistry{byKey: map[string]*series{}, sources: map[string]*sourceState{}}
}

func seriesKey(ns, name, chain, symbol string) string {
	if symbol == "" {
		symbol = "unknown"
	}
	return ns + "\x00" + name + "\x00" + chain + "\x00" + symbol
}

// series returns (creating) the series for these labels.
func (m *metricsRegistry) series(ns, name, chain, symbol string) *series {
	if symbol == "" {
		symbol = "unknown"
	}
	k := seriesKey(ns, name, chain, symbol)
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.byKey[k]; ok {
		return s
	}
	s := &series{
		labels: "offer_namespace=" + strconv.Quote(ns) + ",offer_name=" + strconv.Quote(name) +
			",chain=" + strconv.Quote(chain) + ",asset_symbol=" + strconv.Quote(symbol),
		failed:  map[string]int64{},
		atomicT: new(big.Int),
	}
	m.byKey[k] = s
	return s
}

func (m *metricsRegistry) source(name string) *sourceState {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sources[name]; ok {
		return s
	}
	s := &sourceState{}
	s.offers.Store(map[string]bool{})
	m.sources[name] = s
	return s
}

func (m *metricsRegistry) dropSource(name string) {
	m.mu.Lock()
	delete(m.sources, name)
	m.mu.Unlock()
	m.prune()
}

// prune removes the series of offers that no loaded routes document contains any
// more, so dashboards stop showing offers that left.
func (m *metricsRegistry) prune() {
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

// ready reports whether every registered routes source has a document loaded.
func (m *metricsRegistry) ready() (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sources) == 0 {
		return false, "no routes source configured"
	}
	var missing []string
	for name, src := range m.sources {
		if !src.loaded.Load() {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return false, "routes not loaded: " + strings.Join(missing, ", ")
	}
	return true, "ready"
}

// write renders the Prometheus text exposition format (version 0.0.4) by hand: the
// client library does not load under Yaegi. Series are sorted so output is stable.
func (m *metricsRegistry) write(w io.Writer) error {
	m.mu.Lock()
	keys := make([]string, 0, len(m.byKey))
	for k := range m.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	all := make([]*series, len(keys))
	for i, k := range keys {
		all[i] = m.byKey[k]
	}
	srcNames := make([]string, 0, len(m.sources))
	for k := range m.sources {
		srcNames = append(srcNames, k)
	}
	sort.Strings(srcNames)
	srcs := make([]*sourceState, len(srcNames))
	for i, k := range srcNames {
		srcs[i] = m.sources[k]
	}
	m.mu.Unlock()

	b := bufio.NewWriter(w)
	counter := func(name, help string, get func(*series) int64) {
		b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n")
		for _, s := range all {
			b.WriteString(name + "{" + s.labels + "} " + strconv.FormatInt(get(s), 10) + "\n")
		}
	}
	counter(mRequests, "Requests that reached the gate for an offer (labelled with the offer's first payment option).", func(s *series) int64 {
		// An unpaid challenge bumps only `required` (one atomic call less on the
		// hottest path); every challenge is a request too.
		return atomic.LoadInt64(&s.requests) + atomic.LoadInt64(&s.required)
	})
	counter(mPaymentRequired, "402 challenges answered to requests without a payment.", func(s *series) int64 { return atomic.LoadInt64(&s.required) })
	counter(mVerified, "Payments the facilitator verified.", func(s *series) int64 { return atomic.LoadInt64(&s.verified) })

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
	counter(mCharged, "Requests whose payment settled.", func(s *series) int64 { return atomic.LoadInt64(&s.charged) })

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
		b.WriteString(mGeneration + "{source=" + strconv.Quote(srcNames[i]) + "} " + strconv.FormatInt(s.generation.Load(), 10) + "\n")
	}
	b.WriteString("# HELP " + mLoaded + " 1 when a valid routes document is loaded.\n# TYPE " + mLoaded + " gauge\n")
	for i, s := range srcs {
		v := "0"
		if s.loaded.Load() {
			v = "1"
		}
		b.WriteString(mLoaded + "{source=" + strconv.Quote(srcNames[i]) + "} " + v + "\n")
	}
	b.WriteString("# HELP " + mReloadErrors + " Routes documents refused (the last good one is kept).\n# TYPE " + mReloadErrors + " counter\n")
	for i, s := range srcs {
		b.WriteString(mReloadErrors + "{source=" + strconv.Quote(srcNames[i]) + "} " + strconv.FormatInt(s.reloadErrors.Load(), 10) + "\n")
	}
	return b.Flush()
}

func (m *metricsRegistry) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_ = m.write(w)
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, msg := m.ready()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, msg+"\n")
	})
	return mux
}

// metricsServers holds one listener per address for the process lifetime: Traefik
// builds instances per router and per reload, and the port must not move.
type metricsServers struct {
	mu    sync.Mutex
	addrs map[string]net.Addr
}

func (ms *metricsServers) ensure(addr string, h http.Handler) (net.Addr, error) {
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

// WriteMetrics writes this process's gate metrics in the Prometheus text format.
func WriteMetrics(w io.Writer) error { return reg.metrics.write(w) }

// MetricsListenerAddr returns the bound address of the metrics listener configured
// as addr (useful with port 0), or "" when none is running.
func MetricsListenerAddr(addr string) string {
	reg.servers.mu.Lock()
	defer reg.servers.mu.Unlock()
	if a, ok := reg.servers.addrs[addr]; ok {
		return a.String()
	}
	return ""
}
