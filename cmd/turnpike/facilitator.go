package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
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
		EVM: facilitator.EVMOptions{LookbackBlocks: *lookback},
	})
}
