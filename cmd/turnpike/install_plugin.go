package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/turnpike-x402/turnpike/internal/filetree"
)

func init() {
	register("install-plugin", "copy the gate's plugin source into a Traefik plugins-local folder", runInstallPlugin)
}

// runInstallPlugin runs as an init container of the Traefik pods (see
// manifests/traefik/values.yaml): the image is distroless, so the copy is ours.
func runInstallPlugin(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("install-plugin", flag.ContinueOnError)
	from := fs.String("from", "/opt/turnpike/plugin", "plugin source tree inside the image")
	to := fs.String("to", "", "destination, e.g. /plugins-local/src/github.com/turnpike-x402/turnpike")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to is required")
	}
	n, err := filetree.Copy(*from, *to)
	if err != nil {
		return err
	}
	fmt.Printf("installed %d plugin files into %s\n", n, *to)
	return nil
}
