// Package buyer is the buyer sidecar: it pays other x402 services from a bounded pool
// of pre-signed EIP-3009 authorizations, so it never holds a key and the most it can
// lose is the pool. This package wires the parts (config, state, pool, proxy,
// metrics) into one server with hot reload; each part lives in its own sub-package.
package buyer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/metrics"
	"github.com/turnpike-x402/turnpike/buyer/pool"
	"github.com/turnpike-x402/turnpike/buyer/proxy"
	"github.com/turnpike-x402/turnpike/buyer/state"
)

// Options configure the sidecar.
type Options struct {
	Sources        config.Sources
	StatePath      string
	ReloadInterval time.Duration // 0: no polling (reload on POST /admin/reload only)
	MaxBodyBytes   int64
	Transport      http.RoundTripper
	Logger         *slog.Logger
	Now            func() time.Time
}

// Buyer is a running sidecar (without its listener: see Serve).
type Buyer struct {
	opts    Options
	log     *slog.Logger
	store   *state.Store
	pool    *pool.Pool
	proxy   *proxy.Proxy
	metrics *metrics.Metrics
	mux     *http.ServeMux

	mu   sync.Mutex // serialises reloads
	snap atomic.Pointer[config.Snapshot]

	reloadReq chan struct{}
}

// New opens the state (a corrupt state file is an error: nothing starts), loads the
// config (an invalid config is an error at startup; later reloads keep the last good
// one) and builds the handler.
func New(opts Options) (*Buyer, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	store, err := state.Open(opts.StatePath, state.Options{})
	if err != nil {
		return nil, err
	}
	b := &Buyer{opts: opts, log: opts.Logger, store: store, metrics: metrics.New(), reloadReq: make(chan struct{}, 1)}
	b.pool = pool.New(store, opts.Now)
	b.proxy = proxy.New(proxy.Options{
		Pool: b.pool, Metrics: b.metrics, Transport: opts.Transport, MaxBodyBytes: opts.MaxBodyBytes,
		Logger: opts.Logger,
	})
	snap, err := config.Load(opts.Sources)
	if err != nil {
		store.Close()
		return nil, err
	}
	b.apply(snap)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /status", b.status)
	promh := b.metrics.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		// Pool gauges are computed at scrape time, off the payment path.
		b.refreshGauges()
		promh.ServeHTTP(w, r)
	})
	mux.HandleFunc("POST /admin/reload", b.adminReload)
	mux.HandleFunc("GET /consumed/{upstream}", b.consumed)
	mux.Handle("/", b.proxy)
	b.mux = mux
	return b, nil
}

// Handler is the sidecar's whole HTTP surface.
func (b *Buyer) Handler() http.Handler { return b.mux }

// Pool exposes the pool (tests, status).
func (b *Buyer) Pool() *pool.Pool { return b.pool }

// Close flushes the state.
func (b *Buyer) Close() error { return b.store.Close() }

func (b *Buyer) apply(snap *config.Snapshot) {
	b.pool.Load(snap.Auths)
	b.proxy.SetConfig(snap)
	b.snap.Store(snap)
	b.log.Info("buyer config loaded", "upstreams", len(snap.Upstreams), "hash", snap.Hash[:12])
}

// Reload re-reads config and auths; an invalid set is refused and the last good one
// stays. It reports whether anything changed.
func (b *Buyer) Reload() (bool, error) {
	snap, err := config.Load(b.opts.Sources)
	if err != nil {
		b.metrics.ReloadFailures.Inc()
		return false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if cur := b.snap.Load(); cur != nil && cur.Hash == snap.Hash {
		return false, nil
	}
	b.apply(snap)
	return true, nil
}

func (b *Buyer) refreshGauges() {
	snap := b.snap.Load()
	if snap == nil {
		return
	}
	stats := b.pool.Stats()
	var ps []metrics.Pool
	for _, n := range snap.Names() {
		u := snap.Upstreams[n]
		s := stats[n]
		ps = append(ps, metrics.Pool{Upstream: n, RemoteModel: u.RemoteModel, Chain: u.Chain(), Remaining: s.Remaining, Spent: s.Spent, Held: s.Held})
	}
	b.metrics.SetPools(ps)
}

// UpstreamStatus is one entry of GET /status.
type UpstreamStatus struct {
	URL         string `json:"url"`
	RemoteModel string `json:"remote_model,omitempty"`
	PublicModel string `json:"public_model,omitempty"`
	Network     string `json:"network"`
	Price       string `json:"price"`
	pool.Stats
}

func (b *Buyer) status(w http.ResponseWriter, _ *http.Request) {
	snap := b.snap.Load()
	stats := b.pool.Stats()
	out := map[string]UpstreamStatus{}
	for _, n := range snap.Names() {
		u := snap.Upstreams[n]
		st := UpstreamStatus{URL: u.URL, RemoteModel: u.RemoteModel, Network: u.Terms.Network, Price: u.Price, Stats: stats[n]}
		if u.RemoteModel != "" {
			st.PublicModel = "paid/" + u.RemoteModel
		}
		out[n] = st
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"upstreams": out, "configHash": snap.Hash})
}

// consumed lists the authorization keys (lower(from):lower(nonce)) recorded for one
// upstream, so whoever fills the auths ConfigMap can drop them from it.
func (b *Buyer) consumed(w http.ResponseWriter, r *http.Request) {
	keys := b.store.KeysOf(r.PathValue("upstream"))
	if keys == nil {
		keys = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func (b *Buyer) adminReload(w http.ResponseWriter, _ *http.Request) {
	select {
	case b.reloadReq <- struct{}{}:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"reload triggered"}` + "\n"))
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"reload already pending"}` + "\n"))
	}
}

// ReloadLoop polls the sources every interval (and on POST /admin/reload) until ctx
// ends. ConfigMap updates arrive by the kubelet swapping a symlink, so content is
// compared, not modification times.
func (b *Buyer) ReloadLoop(ctx context.Context) {
	var tick <-chan time.Time
	if b.opts.ReloadInterval > 0 {
		t := time.NewTicker(b.opts.ReloadInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-b.reloadReq:
		}
		if changed, err := b.Reload(); err != nil {
			b.log.Error("buyer reload refused; keeping the last good config", "err", err)
		} else if changed {
			b.log.Info("buyer reloaded")
		}
	}
}

// Serve listens on addr until ctx ends, then shuts down gracefully and flushes state.
// ready, when not nil, receives the bound address.
func (b *Buyer) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           b.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// No write timeout: paid LLM answers stream for minutes.
		IdleTimeout: 60 * time.Second,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	go b.ReloadLoop(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		b.Close()
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
