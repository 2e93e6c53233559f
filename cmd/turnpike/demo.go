package main

import (
	"context"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/turnpike-x402/turnpike/demo"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/x402"
)

func init() {
	register("demo", "the whole x402 flow on this machine: dev chain, facilitator, gate, scripted buyer", runDemo)
}

func runDemo(ctx context.Context, std streams, args []string) error {
	fs := newFlags("demo", "[flags]", `
Starts a dev chain, the facilitator, a demo upstream and the payment gate in this
process (127.0.0.1, ephemeral ports), then a scripted buyer pays for requests and
every outcome is checked on chain and in the gate's metrics. The report goes to
stdout, the components' logs (JSON) to components.log in -dir. Exits non-zero when
anything in the flow fails. With a terminal on stdin it keeps running after the
script until Enter; with -serve until Ctrl-C. All keys are DEV-ONLY.`)
	n := fs.Int("requests", demo.DefaultRequests, "paid requests the scripted buyer makes")
	fs.IntVar(n, "n", demo.DefaultRequests, "shorthand for -requests")
	price := fs.String("price", demo.DefaultPrice, "price per request in token units (dev USDC, 6 decimals)")
	serve := fs.Bool("serve", false, "keep everything running after the script (until Ctrl-C) and print commands to try by hand")
	chainID := fs.Uint64("chain-id", devchain.DefaultChainID, "dev chain id; 84532 (Base Sepolia's) lets x402 v1 clients name the network (base-sepolia)")
	dir := fs.String("dir", "", "directory for the routes document, dev chain info and logs, created if missing (default: a temporary one, removed on exit)")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	if *n <= 0 {
		return usagef("-requests must be positive")
	}
	if *chainID == 0 {
		return usagef("-chain-id must be positive (EIP-155 has no chain 0); the default is %d, 84532 is a local Base Sepolia stand-in", devchain.DefaultChainID)
	}
	if p, err := x402.ParsePrice(*price, devchain.TokenDecimals); err != nil {
		return usagef("-price %q: %v", *price, err)
	} else if p.Sign() <= 0 {
		return usagef("-price %q must be positive", *price)
	}
	setupLogging(std.stderr, level, "demo")
	var wait io.Reader
	if term.IsTerminal(int(os.Stdin.Fd())) {
		wait = os.Stdin
	}
	return demo.Run(ctx, demo.RunOptions{
		Options:  demo.Options{Price: *price, Out: std.stdout, Dir: *dir, CaptureLog: true, ChainID: *chainID, LogLevel: level.level},
		Requests: *n,
		Serve:    *serve,
		WaitFor:  wait,
	})
}
