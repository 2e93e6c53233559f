// Package demo runs Turnpike's whole x402 flow on one machine, in one process, on
// loopback: an embedded dev chain (with the EIP-3009 test token and the ERC-8004
// registry), the facilitator, a demo upstream that knows nothing about payments, and
// the payment gate in front of it, configured from a routes document for one offer.
// A scripted buyer then asks for a paid resource, reads the 402 challenge, signs
// EIP-3009 authorizations with a dev key and pays, and the demo checks every step
// against the chain and the gate's metrics.
//
// It is what `turnpike demo` (and `make demo`) runs, and it doubles as a smoke test:
// RunScript returns an error when any step of the flow did not do what it should.
//
// DEV ONLY: every key used here is derived from a public string (see devchain).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/facilitator"
	"github.com/turnpike-x402/turnpike/x402"
)

// Options configures Start. The zero value runs the default demo.
type Options struct {
	// Price is the price per request in token units ("0.01" = one cent of dev USDC).
	Price string
	// Out receives the progress lines and the report; nil discards them.
	Out io.Writer
	// Dir holds the routes document, the dev chain description and the components'
	// log. Empty: a new temporary directory, removed by Close.
	Dir string
	// CaptureLog sends the standard library logger (the gate logs through it, as it
	// does inside Traefik) to the components' log while the stack runs, and drops it
	// after Close. For the command, which owns the process; tests leave it off.
	CaptureLog bool
	// ChainID is the dev chain's id; 0: devchain.DefaultChainID. 84532 (Base
	// Sepolia's id) gives the chain a v1 name, base-sepolia, so x402 v1 clients
	// (x402-fetch, x402-axios) pay the demo unmodified.
	ChainID uint64
	// LogLevel is the least severe record written to the components' log (JSON);
	// nil means info.
	LogLevel slog.Leveler
}

// Stack is the running demo: every part listening on 127.0.0.1, ephemeral ports.
type Stack struct {
	Chain  *devchain.Chain
	Info   devchain.Info
	Buyer  devchain.Account // DEV-ONLY key: signs the payments
	Seller devchain.Account // receives the payments (payTo)
	// Price is the price per request in the token's atomic units.
	Price *big.Int

	GatewayURL     string // the paid API, as buyers see it
	UpstreamURL    string // the seller's service behind the gate (no payments)
	FacilitatorURL string
	MetricsURL     string // the gate's Prometheus metrics

	Dir        string
	RoutesFile string // the routes document the gate serves from
	GateConfig string // the Traefik dynamic configuration the gate was built from
	InfoFile   string // chain id, RPC URL, contract addresses and DEV-ONLY keys (JSON)
	LogFile    string // the components' logs

	p       *progress
	up      *upstream
	cancel  context.CancelFunc
	closers []func() error // run in reverse order by Close
	tmpDir  bool
}

// Start brings the parts up one by one, printing a line per step. On error everything
// started so far is stopped again.
func Start(ctx context.Context, opts Options) (st *Stack, err error) {
	if opts.Price == "" {
		opts.Price = DefaultPrice
	}
	// The price is checked before anything starts, so a typo is blamed on the price
	// and not on whichever part was starting when it was noticed.
	price, err := x402.ParsePrice(opts.Price, devchain.TokenDecimals)
	if err != nil {
		return nil, fmt.Errorf("demo: price %q: %w", opts.Price, err)
	}
	if price.Sign() <= 0 {
		return nil, fmt.Errorf("demo: price %q must be positive", opts.Price)
	}
	p := newProgress(opts.Out)
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Stack{p: p, cancel: cancel, Dir: opts.Dir}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "turnpike-demo-"); err != nil {
			return nil, fmt.Errorf("demo: work directory: %w", err)
		}
		s.tmpDir = true
	} else if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: work directory: %w", err)
	}
	s.InfoFile = filepath.Join(s.Dir, "devnet.json")
	s.LogFile = filepath.Join(s.Dir, "components.log")
	logf, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("demo: log file: %w", err)
	}
	s.closers = append(s.closers, logf.Close)
	level := opts.LogLevel
	if level == nil {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: level}))
	if opts.CaptureLog {
		log.SetFlags(0)
		// The gate logs through the standard library, as it does inside Traefik, where
		// those lines are errors: each becomes one JSON error record of this log.
		log.SetOutput(slog.NewLogLogger(logger.With("component", "gate").Handler(), slog.LevelError).Writer())
		// The gate's file poller outlives Close by a grace period and would report
		// the removed directory; the process is ending, so its lines are dropped.
		s.closers = append(s.closers, func() error { log.SetOutput(io.Discard); return nil })
	}

	p.section("Starting Turnpike on this machine (everything on 127.0.0.1, nothing leaves it)")
	if err := p.step("dev chain (go-ethereum, in process)", func() (string, error) {
		c, err := devchain.Start(ctx, devchain.Options{InfoFile: s.InfoFile, ChainID: opts.ChainID})
		if err != nil {
			return "", err
		}
		s.closers = append(s.closers, c.Close)
		s.Chain, s.Info = c, c.Info()
		s.Buyer, s.Seller = c.Account(devchain.RoleBuyer), c.Account(devchain.RoleSeller)
		if s.Info.Token.Decimals != devchain.TokenDecimals {
			return "", fmt.Errorf("dev token has %d decimals, the price was read with %d", s.Info.Token.Decimals, devchain.TokenDecimals)
		}
		s.Price = price
		return fmt.Sprintf("%s at %s, %s token %s", s.Info.Network, s.Info.RPCURL, s.Info.Token.Symbol,
			s.Info.Token.Address.Hex()), nil
	}); err != nil {
		return nil, err
	}
	p.printf("          %s.\n          The token is a test token on this throw-away chain: it has no value.\n", devchain.DevKeyWarning)

	if err := p.step("facilitator (verify + settle)", func() (string, error) {
		fac := s.Chain.Account(devchain.RoleFacilitator)
		ready := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- facilitator.Serve(runCtx, facilitator.ServeConfig{
				Addr: "127.0.0.1:0", RPCURLs: []string{s.Info.RPCURL}, Key: fac.Key,
				ReceiptTimeout: 20 * time.Second, Logger: logger.With("component", "facilitator"),
				Ready: func(addr string) { ready <- addr },
			})
		}()
		select {
		case addr := <-ready:
			s.FacilitatorURL = "http://" + addr
		case err := <-done:
			return "", fmt.Errorf("facilitator stopped: %w", err)
		case <-ctx.Done():
			return "", ctx.Err()
		}
		s.closers = append(s.closers, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(35 * time.Second):
				return errors.New("facilitator did not stop")
			}
		})
		return fmt.Sprintf("%s, relayer %s pays the gas", s.FacilitatorURL, fac.Address.Hex()), nil
	}); err != nil {
		return nil, err
	}

	if err := p.step("demo upstream (knows nothing of x402)", func() (string, error) {
		s.up = &upstream{}
		u, closeFn, err := serve(s.up.handler())
		if err != nil {
			return "", err
		}
		s.UpstreamURL = u
		s.closers = append(s.closers, closeFn)
		return s.UpstreamURL + "/weather/<city>", nil
	}); err != nil {
		return nil, err
	}

	if err := p.step("routes document for demo/weather", func() (string, error) {
		doc := offerDocument(s.Info, s.Seller.Address.Hex(), s.Price)
		path, err := writeDocument(s.Dir, doc)
		if err != nil {
			return "", err
		}
		s.RoutesFile = path
		return fmt.Sprintf("%s %s per request -> %s", x402.FormatUnits(s.Price, int(s.Info.Token.Decimals)),
			s.Info.Token.Symbol, path), nil
	}); err != nil {
		return nil, err
	}

	if err := p.step("payment gate (turnpike gateway)", func() (string, error) {
		g, err := startGateway(runCtx, gatewayConfig{
			Offer:          OfferNamespace + "/" + OfferName,
			RoutesFile:     s.RoutesFile,
			FacilitatorURL: s.FacilitatorURL,
			UpstreamURL:    s.UpstreamURL,
			Dir:            s.Dir,
			Logger:         logger.With("component", "gateway"),
		})
		if err != nil {
			return "", err
		}
		s.closers = append(s.closers, g.close)
		s.GatewayURL, s.MetricsURL, s.GateConfig = g.url, g.metricsURL, g.configFile
		if err := waitReady(ctx, s.GatewayURL+PathPrefix+"/health", 15*time.Second); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s%s/*, metrics %s", s.GatewayURL, PathPrefix, s.MetricsURL), nil
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops every part in reverse order of start.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	s.cancel()
	if s.tmpDir {
		errs = append(errs, os.RemoveAll(s.Dir))
		s.tmpDir = false
	}
	return errors.Join(errs...)
}

// serve runs h on a fresh loopback listener.
func serve(h http.Handler) (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}, nil
}

// waitReady polls a free path until the gate answers 200, i.e. it has loaded the
// routes document (before that it answers 503 routes_not_loaded).
func waitReady(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string // every round sets it before the deadline check reads it
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gate not ready after %s (last answer: %s)", limit, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
