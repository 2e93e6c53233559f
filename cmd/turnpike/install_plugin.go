package main

import (
	"context"
	"fmt"

	"github.com/turnpike-x402/turnpike/internal/filetree"
)

func init() {
	register("install-plugin", "copy the gate's plugin source into a Traefik plugins-local folder", runInstallPlugin)
}

// runInstallPlugin runs as an init container of the Traefik pods (see
// manifests/traefik/values.yaml): the image is distroless, so the copy is ours.
func runInstallPlugin(_ context.Context, std streams, args []string) error {
	fs := newFlags("install-plugin", "-to DIR [flags]", `
Copies the gate's plugin source tree (the Go code Traefik interprets with Yaegi) from
the image into a Traefik plugins-local folder, then exits. It is the init container
of the Traefik pods: the image has no shell, so the copy cannot be a cp command.`)
	from := fs.String("from", "/opt/turnpike/plugin", "plugin source tree inside the image")
	to := fs.String("to", "", "destination, e.g. /plugins-local/src/github.com/turnpike-x402/turnpike (required)")
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	if *to == "" {
		return usagef("-to is required: the plugins-local source folder Traefik loads the plugin from")
	}
	n, err := filetree.Copy(*from, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.stdout, "installed %d plugin files into %s\n", n, *to)
	return nil
}
