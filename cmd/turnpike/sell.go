package main

import (
	"context"
	"errors"
	"io"

	"github.com/turnpike-x402/turnpike/controller/sellercli"
)

func init() {
	register("sell", "create or update a ServiceOffer: make a Service payable per request", sellerCommand(sellercli.RunSell))
}

// sellerCommand wires a sellercli command: its usage errors become this binary's
// (exit 2 and a pointer to -h), everything else passes through.
func sellerCommand(run func(ctx context.Context, stdout, stderr io.Writer, args []string) error) func(context.Context, streams, []string) error {
	return func(ctx context.Context, std streams, args []string) error {
		err := run(ctx, std.stdout, std.stderr, args)
		var uerr *sellercli.UsageError
		if errors.As(err, &uerr) {
			return usagef("%s", uerr.Msg)
		}
		return err
	}
}
