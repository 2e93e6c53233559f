package main

import (
	"context"
	"io"

	"github.com/turnpike-x402/turnpike/controller/sellercli"
)

func init() {
	register("sell", "create or update a ServiceOffer: make a Service payable per request", sellerCommand(sellercli.RunSell))
}

// sellerCommand wires a sellercli command. Its usage errors are this binary's own
// type (internal/cliflags), so they exit 2 with a pointer to -h like the others.
func sellerCommand(run func(ctx context.Context, stdout, stderr io.Writer, args []string) error) func(context.Context, streams, []string) error {
	return func(ctx context.Context, std streams, args []string) error {
		return run(ctx, std.stdout, std.stderr, args)
	}
}
