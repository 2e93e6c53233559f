// Command crddesc rewrites the CRD manifests controller-gen wrote so their
// descriptions are not hard-wrapped (internal/crddesc). scripts/controller-gen.sh runs
// it after controller-gen, so the --check drift test compares post-processed files.
package main

import (
	"fmt"
	"os"

	"github.com/turnpike-x402/turnpike/internal/crddesc"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crddesc FILE.yaml...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		if err := rewrite(path); err != nil {
			fmt.Fprintln(os.Stderr, "crddesc:", err)
			os.Exit(1)
		}
	}
}

func rewrite(path string) error {
	in, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := crddesc.Rewrite(in)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
