// Command turnpike is the one binary of Turnpike: each subcommand wires one part
// (controller, buyer, facilitator, gateway, devnet, demo) from its package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// streams are where a subcommand writes: stdout for what a person or script reads
// (addresses, reports, help), stderr for logs and errors.
type streams struct {
	stdout, stderr io.Writer
}

// subcommand runs one part until ctx ends; args exclude the subcommand name.
type subcommand struct {
	summary string
	run     func(ctx context.Context, std streams, args []string) error
}

// Each subcommand lives in its own file and registers itself here, so the parts
// can be wired independently.
var subcommands = map[string]subcommand{}

func register(name, summary string, run func(ctx context.Context, std streams, args []string) error) {
	subcommands[name] = subcommand{summary: summary, run: run}
}

// Exit codes: 2 is the usual "you called me wrong", kept apart from runtime
// failures so scripts and supervisors can tell a typo from an outage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: turnpike <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, subcommands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `turnpike <command> -h` for what a command does and its flags.")
}

// run is the whole command with its process surroundings passed in, so tests can
// drive it without a subprocess. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	cmd, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "turnpike: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	err := cmd.run(ctx, streams{stdout: stdout, stderr: stderr}, args[1:])
	var uerr *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &uerr):
		fmt.Fprintf(stderr, "turnpike %s: %v\nRun `turnpike %s -h` for its flags.\n", args[0], err, args[0])
		return exitUsage
	default:
		fmt.Fprintf(stderr, "turnpike %s: %v\n", args[0], err)
		return exitFailure
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
