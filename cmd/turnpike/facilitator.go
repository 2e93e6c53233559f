package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/facilitator"
)

func init() {
	register("facilitator", "x402 facilitator for EVM chains (verify/settle exact EIP-3009 payments)", runFacilitator)
}

func runFacilitator(ctx context.Context, std streams, args []string) error {
	fs := newFlags("facilitator", "-rpc URL[,URL...] [flags]", `
Serves the x402 facilitator API (/verify, /settle, /supported) and /metrics for the
EVM chains behind -rpc: it checks exact-scheme EIP-3009 payments and settles them on
chain with the relayer key, which pays the gas. Each authorization is claimed for one
request in a claim store, so gate replicas sharing this facilitator serve a payment
once. The relayer key comes from -relayer-key-file or $TURNPIKE_RELAYER_KEY.`)
	addr := fs.String("listen", "127.0.0.1:4020", "listen address for the facilitator API and /metrics")
	rpcs := fs.String("rpc", os.Getenv("TURNPIKE_RPC_URL"), "comma-separated JSON-RPC URLs (http, https, ws, wss), one per chain (required; default $TURNPIKE_RPC_URL)")
	keyFile := fs.String("relayer-key-file", "", "file holding the relayer's hex private key (default: $TURNPIKE_RELAYER_KEY)")
	receipt := fs.Duration("receipt-timeout", 20*time.Second, "how long a settle waits for the receipt before answering settlement_pending")
	lookback := fs.Uint64("lookback-blocks", 100_000, "blocks searched for an earlier settlement of a repeated authorization")
	state := fs.String("state", defaultStatePath(), "claim store file (bbolt): claims and settle outcomes survive restarts; one facilitator process per file. \"\" = in memory only (a restart forgets claims; gate replicas may then serve a payment in flight twice)")
	maxClaims := fs.Int("max-claims", facilitator.DefaultMaxRecords, "bound on claim store records; when full, new payments are refused with claim_store_full")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	var urls []string
	for _, u := range strings.Split(*rpcs, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if err := checkURL(u, "http", "https", "ws", "wss"); err != nil {
			return usagef("-rpc %q: %v", u, err)
		}
		urls = append(urls, u)
	}
	if len(urls) == 0 {
		return usagef("-rpc is required: the JSON-RPC URL of each chain to settle on (or set $TURNPIKE_RPC_URL)")
	}
	if *keyFile == "" && os.Getenv("TURNPIKE_RELAYER_KEY") == "" {
		return usagef("-relayer-key-file is required (or set $TURNPIKE_RELAYER_KEY): the relayer signs the settlements and pays their gas")
	}
	key, err := facilitator.LoadKey(*keyFile, "TURNPIKE_RELAYER_KEY")
	if err != nil {
		return err
	}
	logger := setupLogging(std.stderr, level, "facilitator")
	return facilitator.Serve(ctx, facilitator.ServeConfig{
		Addr: *addr, RPCURLs: urls, Key: key, ReceiptTimeout: *receipt,
		EVM:       facilitator.EVMOptions{LookbackBlocks: *lookback},
		StatePath: *state, MaxClaims: *maxClaims, Logger: logger,
	})
}

// defaultStatePath is $XDG_STATE_HOME/turnpike/facilitator.db (~/.local/state when
// unset), or turnpike-facilitator.db in the working directory without a home.
func defaultStatePath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "turnpike-facilitator.db"
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "turnpike", "facilitator.db")
}
