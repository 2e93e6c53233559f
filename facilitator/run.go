package facilitator

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// LoadKey reads a hex secp256k1 private key (0x prefix optional, surrounding space
// ignored) from file, or, when file is empty, from the environment variable env.
func LoadKey(file, env string) (*ecdsa.PrivateKey, error) {
	var raw, from string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read relayer key: %w", err)
		}
		raw, from = string(b), file
	case env != "" && os.Getenv(env) != "":
		raw, from = os.Getenv(env), "$"+env
	default:
		return nil, fmt.Errorf("no relayer key: pass a key file or set $%s", env)
	}
	raw = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(raw), "0x"), "0X")
	key, err := crypto.HexToECDSA(raw)
	if err != nil {
		return nil, fmt.Errorf("relayer key in %s: %w", from, err)
	}
	return key, nil
}

// ServeConfig is what `turnpike facilitator` needs to run.
type ServeConfig struct {
	Addr           string   // listen address, e.g. 127.0.0.1:4020 (":0" picks a port)
	RPCURLs        []string // one JSON-RPC endpoint per chain
	Key            *ecdsa.PrivateKey
	ReceiptTimeout time.Duration
	EVM            EVMOptions
	// StatePath is the claim store file (bbolt, fsynced); "" keeps claims in memory
	// only, so a restart forgets them (logged as a warning).
	StatePath string
	// MaxClaims bounds the claim store's records (0: DefaultMaxRecords).
	MaxClaims int
	Logger    *slog.Logger
	// Ready, when set, is called with the bound address once the server accepts.
	Ready func(addr string)
}

// Serve dials the chains, then serves the facilitator API until ctx ends.
func Serve(ctx context.Context, cfg ServeConfig) error {
	if len(cfg.RPCURLs) == 0 {
		return errors.New("at least one chain RPC URL is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var chains []Chain
	for _, u := range cfg.RPCURLs {
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		c, err := DialEVM(dctx, u, cfg.Key, cfg.EVM)
		cancel()
		if err != nil {
			return err
		}
		defer c.Close()
		cfg.Logger.Info("chain connected", "rpc", u, "chain_id", c.ChainID(), "relayer", c.Relayer().Hex())
		chains = append(chains, c)
	}
	var store Store
	if cfg.StatePath == "" {
		cfg.Logger.Warn("claim store is in memory only: a restart forgets claims and settle answers, so a payment in flight during a restart may be served twice across gate replicas; set -state")
		store = NewMemoryStore(cfg.MaxClaims)
	} else {
		bs, err := OpenBoltStore(cfg.StatePath, cfg.MaxClaims, 5*time.Second)
		if err != nil {
			return err
		}
		defer bs.Close()
		cfg.Logger.Info("claim store opened", "path", cfg.StatePath, "records", bs.Len())
		store = bs
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f, err := New(Config{Chains: chains, ReceiptTimeout: cfg.ReceiptTimeout, Registerer: reg, Logger: cfg.Logger, Store: store})
	if err != nil {
		return err
	}
	defer f.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: f.Handler(reg), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	cfg.Logger.Info("facilitator listening", "addr", ln.Addr().String())
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Give in-flight settlements time to record their answers (the store closes
	// after this returns).
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
