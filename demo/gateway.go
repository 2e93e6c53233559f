package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/turnpike-x402/turnpike/gateway"
	"github.com/turnpike-x402/turnpike/plugin"
)

// gatewayConfig is what the demo's gate needs.
type gatewayConfig struct {
	Offer          string
	RoutesFile     string
	FacilitatorURL string
	UpstreamURL    string
	Dir            string
	Logger         *slog.Logger
}

type gate struct {
	url, metricsURL string
	configFile      string
	close           func() error
}

// metricsListen asks the gate for its metrics listener on an ephemeral port.
const metricsListen = "127.0.0.1:0"

// dynamicConfig is a Traefik dynamic configuration (file provider) for the demo: the
// gate middleware on a router for the offer's prefix. Traefik would load exactly this
// file; `turnpike gateway` reads the middleware from it the way Traefik decodes it.
const dynamicConfig = `# Traefik dynamic configuration of the demo gate (written by turnpike demo).
# Traefik's file provider reads this file as it is; turnpike gateway -config reads the
# middleware from it and decodes it exactly as Traefik would.
http:
  middlewares:
    pay-weather:
      plugin:
        turnpike:
          offer: %q
          routesFile: %q
          facilitatorURL: %q
          metricsAddress: %q
          payerHeader: %q
          pollIntervalMs: 100
          # Demo only: the payments it signs in advance for curl are valid for an hour.
          # In production keep the default (maxTimeoutSeconds + 30 s).
          maxValiditySlackSeconds: 3600
  routers:
    weather:
      rule: "PathPrefix(%s)"
      middlewares: [pay-weather]
      service: weather
  services:
    weather:
      loadBalancer:
        servers:
          - url: %q
`

// startGateway writes the dynamic configuration and runs the gate compiled natively
// as a reverse proxy in front of the upstream (`turnpike gateway`): the same handler
// Traefik runs through Yaegi.
func startGateway(ctx context.Context, c gatewayConfig) (*gate, error) {
	conf := fmt.Sprintf(dynamicConfig, c.Offer, c.RoutesFile, c.FacilitatorURL, metricsListen, PayerHeader,
		"`"+PathPrefix+"`", c.UpstreamURL)
	file := filepath.Join(c.Dir, "dynamic.yml")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("write gate configuration: %w", err)
	}
	gctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- gateway.Run(gctx, gateway.Options{DynamicConfig: file, Listen: "127.0.0.1:0", Upstream: c.UpstreamURL,
			Logger: c.Logger, Ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		return nil, fmt.Errorf("gateway: %w", err)
	case <-time.After(15 * time.Second):
		cancel()
		return nil, errors.New("gateway did not start within 15 s")
	}
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("gateway did not stop")
		}
	}
	m := plugin.MetricsListenerAddr(metricsListen)
	if m == "" {
		_ = stop()
		return nil, errors.New("the gate's metrics listener did not start")
	}
	return &gate{url: "http://" + addr, metricsURL: "http://" + m + "/metrics", configFile: file, close: stop}, nil
}
