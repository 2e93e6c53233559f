package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/url"
	"strings"
)

// usageError is a mistake in the command line itself (a missing or malformed flag):
// the process exits 2 and points at -h instead of failing like an outage would.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// newFlags returns a subcommand's flag set whose -h output says what the command
// does: a usage line, one paragraph, then the flags.
func newFlags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: turnpike %s %s\n\n%s\n\nflags:\n", name, synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args. Help goes to stdout (it was asked for, so it is output, and
// pipes into a pager); every flag mistake becomes a usageError. The flag package's own
// printing is captured, because on a mistake it would dump the whole help onto stderr
// and bury the one line that matters.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = stdout.Write(buf.Bytes())
		return flag.ErrHelp
	}
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	return nil
}

// logLevel is the -log-level flag: exactly the four names slog knows, so a typo is
// refused rather than read as an offset such as "info+2".
type logLevel struct{ level slog.Level }

func (l *logLevel) String() string {
	if l == nil {
		return "info"
	}
	return strings.ToLower(l.level.String())
}

func (l *logLevel) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		l.level = slog.LevelDebug
	case "info":
		l.level = slog.LevelInfo
	case "warn":
		l.level = slog.LevelWarn
	case "error":
		l.level = slog.LevelError
	default:
		return fmt.Errorf("must be debug, info, warn or error")
	}
	return nil
}

func logLevelFlag(fs *flag.FlagSet) *logLevel {
	l := &logLevel{level: slog.LevelInfo}
	fs.Var(l, "log-level", "least severe log records written to stderr as JSON: debug, info, warn or error")
	return l
}

// setupLogging makes JSON on stderr the one log format of the process. It becomes
// slog's default, and the standard library logger (the gate logs through it, as it
// does inside Traefik, where those lines are errors) is routed into it at error
// level so -log-level cannot hide them.
func setupLogging(w io.Writer, l *logLevel, command string) *slog.Logger {
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l.level})).With("cmd", command)
	slog.SetDefault(logger)
	log.SetFlags(0)
	log.SetOutput(slog.NewLogLogger(logger.With("source", "stdlog").Handler(), slog.LevelError).Writer())
	return logger
}

// checkURL accepts an absolute URL with a host and one of the given schemes.
func checkURL(s string, schemes ...string) error {
	want := "want an absolute " + strings.Join(schemes, ", ") + " URL with a host"
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a valid URL (%s): %w", want, err)
	}
	for _, sc := range schemes {
		if u.Scheme == sc && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("not a valid URL: %s", want)
}

// checkHTTPURL accepts an absolute http(s) URL with a host.
func checkHTTPURL(s string) error { return checkURL(s, "http", "https") }
