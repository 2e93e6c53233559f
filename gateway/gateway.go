// Package gateway runs the x402 gate outside Traefik: the plugin's handler, compiled
// natively, in front of one upstream as a reverse proxy. It reads the same Traefik
// dynamic configuration file and decodes it the way Traefik does, so the gate behaves
// here exactly as it does inside Traefik (the demo and local tests rely on that).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/traefikconf"
)

// Options configure a gateway.
type Options struct {
	// DynamicConfig is a Traefik dynamic configuration file (YAML or TOML) declaring
	// the middleware under http.middlewares.<Middleware>.plugin.<Plugin>.
	DynamicConfig string
	// Middleware names the middleware; empty picks the only one using Plugin.
	Middleware string
	// Plugin is the plugin key in the file (the name in experimental.localPlugins).
	Plugin string
	// Listen is the address to serve on (":0" for any port).
	Listen string
	// Upstream is the service the paid requests go to.
	Upstream string
	// Logger receives the gateway's own records; nil means slog.Default(). (The gate
	// inside logs through the standard library logger, as it does in Traefik.)
	Logger *slog.Logger
	// Ready, when set, is called with the bound address once the gateway serves.
	Ready func(addr string)

	// Server limits; zero values take the defaults below, negative ones disable a
	// timeout. They keep one client from holding connections (and memory) forever.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// Server limit defaults. The write timeout runs from the end of the request headers
// to the end of the response, so it must cover the plugin's verify timeout (5 s) and
// settle timeout (30 s) plus the upstream's own time: 2 minutes leaves 85 s for the
// upstream. Streams longer than that (server-sent events) need a larger value or -1.
// Headers: a payment header is at most 16 KiB of base64, so 64 KiB leaves room for the
// rest while refusing header floods early (net/http answers 431).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// server returns the http.Server for h with o's limits applied.
func server(h http.Handler, o Options) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limit(o.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       limit(o.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      limit(o.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       limit(o.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    int(limit(time.Duration(o.MaxHeaderBytes), DefaultMaxHeaderBytes)),
	}
}

// limit: zero means the default, negative means none (net/http's zero).
func limit(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Handler builds the gate in front of upstream from the dynamic configuration. The
// gate's background work stops when ctx ends.
func Handler(ctx context.Context, o Options) (http.Handler, error) {
	if o.Plugin == "" {
		o.Plugin = "turnpike"
	}
	target, err := url.Parse(o.Upstream)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, fmt.Errorf("upstream %q must be an absolute http(s) URL", o.Upstream)
	}
	raw, mw, err := traefikconf.LoadPluginConf(o.DynamicConfig, o.Middleware, o.Plugin)
	if err != nil {
		return nil, err
	}
	cfg := plugin.CreateConfig()
	if err := traefikconf.Decode(raw, cfg); err != nil {
		return nil, fmt.Errorf("middleware %s: %w", mw, err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			forwardRequestURI(pr)
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		// Stream as the upstream writes (server-sent events on settle-before routes).
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logger(o).Warn("gateway: upstream did not answer", "upstream", target.Host, "err", err)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"error":"Bad gateway","reason":"upstream_unavailable","message":"the upstream service did not answer"}` + "\n"))
		},
	}
	h, err := plugin.New(ctx, proxy, cfg, mw+"@file")
	if err != nil {
		return nil, fmt.Errorf("middleware %s: %w", mw, err)
	}
	return h, nil
}

// Run serves the gateway until ctx ends.
func Run(ctx context.Context, o Options) error {
	h, err := Handler(ctx, o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	srv := server(h, o)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger(o).Info("gateway serving", "addr", ln.Addr().String(), "upstream", o.Upstream)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// forwardRequestURI forwards the path as Traefik's proxy does: re-parsed from the
// request-target (RequestURI), not from req.URL (pkg/proxy/httputil/proxy.go,
// directorBuilder, v3.6.12). The gate decides on that same request-target
// (plugin/reqpath), so the native gateway and Traefik forward exactly the path the
// gate matched, spelled as the client spelled it.
func forwardRequestURI(pr *httputil.ProxyRequest) {
	if pr.In.RequestURI == "" {
		return
	}
	u, err := url.ParseRequestURI(pr.In.RequestURI)
	if err != nil {
		return
	}
	pr.Out.URL.Path = u.Path
	pr.Out.URL.RawPath = u.RawPath
}

func logger(o Options) *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}
