package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/turnpike-x402/turnpike/internal/buildinfo"
)

func init() {
	register("version", "print the version, commit and Go version of this binary", runVersion)
}

func runVersion(_ context.Context, std streams, args []string) error {
	fs := newFlags("version", "[-json]", `
Prints which turnpike this is: the release version and commit (set at link time with
-ldflags "-X github.com/turnpike-x402/turnpike/internal/buildinfo.Version=...", and
.Commit=...), else the module version and VCS revision Go recorded when it built the
binary, else "dev"; then the Go version and platform.`)
	asJSON := fs.Bool("json", false, "print a JSON object (version, commit, goVersion, platform)")
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	info := buildinfo.Read()
	if *asJSON {
		b, err := json.Marshal(info)
		if err != nil {
			return fmt.Errorf("encode version: %w", err)
		}
		_, err = fmt.Fprintf(std.stdout, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(std.stdout, info.String())
	return err
}
