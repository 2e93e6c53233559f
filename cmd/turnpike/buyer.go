package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/config"
)

func init() {
	register("buyer", "pay other x402 services from a bounded pool of pre-signed authorizations", runBuyer)
}

func runBuyer(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("buyer", flag.ContinueOnError)
	listen := fs.String("listen", ":8402", "listen address")
	cfgFile := fs.String("config", "/config/config.json", "config file {\"upstreams\":{name:{...}}} (ignored when -config-dir is set)")
	cfgDir := fs.String("config-dir", "", "config directory: one <upstream>.json per file (ConfigMap mount)")
	authsFile := fs.String("auths", "/config/auths.json", "auths file {name:[PreSignedAuth...]} (ignored when -auths-dir is set)")
	authsDir := fs.String("auths-dir", "", "auths directory: one <upstream>.json array per file (ConfigMap mount)")
	statePath := fs.String("state", "/state/consumed.json", "state file (on a persistent volume): authorizations that must never be offered again")
	reload := fs.Duration("reload-interval", 5*time.Second, "how often config and auths are re-read (0: only on POST /admin/reload)")
	maxBody := fs.Int64("max-body-bytes", 10<<20, "largest request body buffered for the paid retry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	b, err := buyer.New(buyer.Options{
		Sources:        config.Sources{ConfigFile: *cfgFile, ConfigDir: *cfgDir, AuthsFile: *authsFile, AuthsDir: *authsDir},
		StatePath:      *statePath,
		ReloadInterval: *reload,
		MaxBodyBytes:   *maxBody,
		Logger:         log,
	})
	if err != nil {
		return fmt.Errorf("start buyer: %w", err)
	}
	return b.Serve(ctx, *listen, func(a net.Addr) {
		// Tests and scripts read this line to find an ephemeral port.
		fmt.Fprintf(os.Stdout, "turnpike buyer listening on %s\n", a)
	})
}
