// Package cliflags holds the command-line manners every turnpike command shares: -h
// prints what the command does to stdout, and a flag mistake is a UsageError (the
// process exits 2 and points at -h) carrying the one line that matters.
package cliflags

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// UsageError is a mistake in the command line itself (a missing or malformed flag),
// as opposed to a failure such as an unreachable cluster.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// New returns a command's flag set whose -h output is a usage line, one paragraph
// saying what the command does, then the flags.
func New(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: turnpike %s %s\n\n%s\n\nflags:\n", name, synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args that hold flags only. Help goes to stdout (it was asked for, so
// it is output and pipes into a pager); the flag package's own printing is captured,
// because on a mistake it would dump the whole help onto stderr.
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	pos, err := ParseInterleaved(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return Usagef("unexpected argument %q (flags only)", pos[0])
	}
	return nil
}

// ParseInterleaved parses flags wherever they appear among positional arguments
// (`sell http weather --price 0.01` and `sell --price 0.01 http weather` both work;
// the flag package alone stops at the first positional) and returns the positionals.
// Everything after "--" is positional.
func ParseInterleaved(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			_, _ = stdout.Write(buf.Bytes())
			return nil, flag.ErrHelp
		}
		if err != nil {
			return nil, &UsageError{Msg: err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
