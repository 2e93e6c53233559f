package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/config"
)

func init() {
	register("buyer", "pay other x402 services from a bounded pool of pre-signed authorizations", runBuyer)
}

func runBuyer(ctx context.Context, std streams, args []string) error {
	flags := newFlags("buyer", "-config FILE | -config-dir DIR [flags]", `
Runs the buyer sidecar: an HTTP proxy that forwards an application's requests to the
configured x402 upstreams and, when one answers 402, retries with a payment taken
from a bounded pool of pre-signed EIP-3009 authorizations (it never holds a key).
Every authorization it may have spent is journaled in -state before it is offered,
so a restart never offers it again; keep that file on a persistent volume.`)
	listen := flags.String("listen", ":8402", "listen address")
	cfgFile := flags.String("config", "/config/config.json", "config file {\"upstreams\":{name:{...}}} (ignored when -config-dir is set)")
	cfgDir := flags.String("config-dir", "", "config directory: one <upstream>.json per file (ConfigMap mount)")
	authsFile := flags.String("auths", "/config/auths.json", "auths file {name:[PreSignedAuth...]} (ignored when -auths-dir is set)")
	authsDir := flags.String("auths-dir", "", "auths directory: one <upstream>.json array per file (ConfigMap mount)")
	statePath := flags.String("state", "/state/consumed.json", "state file (on a persistent volume): authorizations that must never be offered again")
	reload := flags.Duration("reload-interval", 5*time.Second, "how often config and auths are re-read (0: only on POST /admin/reload)")
	maxBody := flags.Int64("max-body-bytes", 10<<20, "largest request body buffered for the paid retry")
	level := logLevelFlag(flags)
	if err := parseFlags(flags, args, std.stdout); err != nil {
		return err
	}
	// A missing config file is tolerated while running (a ConfigMap mounted late), but
	// at start it almost always means a forgotten flag: refuse before the state file,
	// which would otherwise be created at the default path.
	if err := buyerConfigPresent(*cfgFile, *cfgDir); err != nil {
		return err
	}
	if *statePath == "" {
		return usagef("-state is required: the journal of authorizations that must never be offered again")
	}
	if *reload < 0 {
		return usagef("-reload-interval must not be negative")
	}
	log := setupLogging(std.stderr, level, "buyer")
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
		fmt.Fprintf(std.stdout, "turnpike buyer listening on %s\n", a)
	})
}

// buyerConfigPresent checks that the config source the flags name exists: the
// directory for -config-dir, else the file for -config.
func buyerConfigPresent(file, dir string) error {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return usagef("-config-dir %s is not a directory: mount the buyer's config there or point -config-dir at it", dir)
		}
		return nil
	}
	if file == "" {
		return usagef("-config or -config-dir is required: the upstreams the buyer pays")
	}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return usagef("-config %s does not exist: pass -config FILE or -config-dir DIR with the upstreams the buyer pays", file)
	} else if err != nil {
		return fmt.Errorf("-config %s: %w", file, err)
	}
	return nil
}
