package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/facilitator"
)

func init() {
	register("facilitator", "x402 facilitator for EVM chains (verify/settle exact EIP-3009 payments)", runFacilitator)
}

func runFacilitator(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("facilitator", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:4020", "listen address for the facilitator API and /metrics")
	rpcs := fs.String("rpc", os.Getenv("TURNPIKE_RPC_URL"), "comma-separated JSON-RPC URLs, one per chain (default $TURNPIKE_RPC_URL)")
	keyFile := fs.String("relayer-key-file", "", "file holding the relayer's hex private key (default: $TURNPIKE_RELAYER_KEY)")
	receipt := fs.Duration("receipt-timeout", 20*time.Second, "how long a settle waits for the receipt before answering settlement_pending")
	lookback := fs.Uint64("lookback-blocks", 100_000, "blocks searched for an earlier settlement of a repeated authorization")
	state := fs.String("state", defaultStatePath(), "claim store file (bbolt): claims and settle outcomes survive restarts; one facilitator process per file. \"\" = in memory only (a restart forgets claims; gate replicas may then serve a payment in flight twice)")
	maxClaims := fs.Int("max-claims", facilitator.DefaultMaxRecords, "bound on claim store records; when full, new payments are refused with claim_store_full")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	key, err := facilitator.LoadKey(*keyFile, "TURNPIKE_RELAYER_KEY")
	if err != nil {
		return err
	}
	var urls []string
	for _, u := range strings.Split(*rpcs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return fmt.Errorf("-rpc is required")
	}
	return facilitator.Serve(ctx, facilitator.ServeConfig{
		Addr: *addr, RPCURLs: urls, Key: key, ReceiptTimeout: *receipt,
		EVM:       facilitator.EVMOptions{LookbackBlocks: *lookback},
		StatePath: *state, MaxClaims: *maxClaims,
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
