package demo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/turnpike-x402/turnpike/plugin"
)

// gatewayConfig is what the demo's gate needs.
type gatewayConfig struct {
	Offer          string
	RoutesFile     string
	FacilitatorURL string
	UpstreamURL    string
	Dir            string
}

type gateway struct {
	url, metricsURL string
	close           func() error
}

// metricsListen asks the gate for its metrics listener on an ephemeral port.
const metricsListen = "127.0.0.1:0"

// startGateway runs the gate compiled natively as a reverse proxy in front of the
// upstream: the same handler Traefik runs through Yaegi.
func startGateway(ctx context.Context, c gatewayConfig) (*gateway, error) {
	up, err := url.Parse(c.UpstreamURL)
	if err != nil {
		return nil, fmt.Errorf("upstream URL: %w", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	cfg := plugin.CreateConfig()
	cfg.Offer = c.Offer
	cfg.RoutesFile = c.RoutesFile
	cfg.FacilitatorURL = c.FacilitatorURL
	cfg.MetricsAddress = metricsListen
	cfg.PayerHeader = PayerHeader
	cfg.PollIntervalMs = 100
	h, err := plugin.New(ctx, proxy, cfg, "demo-weather@gateway")
	if err != nil {
		return nil, err
	}
	u, closeFn, err := serve(h)
	if err != nil {
		return nil, err
	}
	m := plugin.MetricsListenerAddr(metricsListen)
	if m == "" {
		_ = closeFn()
		return nil, fmt.Errorf("gate metrics listener did not start")
	}
	return &gateway{url: u, metricsURL: "http://" + m + "/metrics", close: closeFn}, nil
}

var _ http.Handler = (*httputil.ReverseProxy)(nil)
