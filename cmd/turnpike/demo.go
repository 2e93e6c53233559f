package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/turnpike-x402/turnpike/demo"
	"github.com/turnpike-x402/turnpike/devchain"
)

func init() {
	register("demo", "the whole x402 flow on this machine: dev chain, facilitator, gate, scripted buyer", runDemo)
}

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	n := fs.Int("requests", demo.DefaultRequests, "paid requests the scripted buyer makes")
	fs.IntVar(n, "n", demo.DefaultRequests, "shorthand for -requests")
	price := fs.String("price", demo.DefaultPrice, "price per request in token units (dev USDC, 6 decimals)")
	serve := fs.Bool("serve", false, "keep everything running after the script (until Ctrl-C) and print commands to try by hand")
	chainID := fs.Uint64("chain-id", devchain.DefaultChainID, "dev chain id; 84532 (Base Sepolia's) lets x402 v1 clients name the network (base-sepolia)")
	dir := fs.String("dir", "", "directory for the routes document, dev chain info and logs (default: a temporary one, removed on exit)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: turnpike demo [flags]\n\n"+
			"Starts a dev chain, the facilitator, a demo upstream and the payment gate in this\n"+
			"process (127.0.0.1, ephemeral ports), then a scripted buyer pays for requests and\n"+
			"every outcome is checked on chain and in the gate's metrics. Exits non-zero when\n"+
			"anything in the flow fails. With a terminal on stdin it keeps running after the\n"+
			"script until Enter; with -serve until Ctrl-C. All keys are DEV-ONLY.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n <= 0 {
		return fmt.Errorf("-requests must be positive")
	}
	if *chainID == 0 {
		return fmt.Errorf("-chain-id must not be 0 (default %d; 84532 for a local Base Sepolia stand-in)", devchain.DefaultChainID)
	}
	var wait io.Reader
	if term.IsTerminal(int(os.Stdin.Fd())) {
		wait = os.Stdin
	}
	return demo.Run(ctx, demo.RunOptions{
		Options:  demo.Options{Price: *price, Out: os.Stdout, Dir: *dir, CaptureLog: true, ChainID: *chainID},
		Requests: *n,
		Serve:    *serve,
		WaitFor:  wait,
	})
}
