package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/url"
	"strings"

	"github.com/turnpike-x402/turnpike/internal/cliflags"
)

// The command-line manners (help on stdout, flag mistakes exit 2) are shared with
// the seller commands in internal/cliflags.
type usageError = cliflags.UsageError

var (
	usagef     = cliflags.Usagef
	newFlags   = cliflags.New
	parseFlags = cliflags.Parse
)

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
