//go:build !unix

package state

import (
	"fmt"
	"os"
)

// lockFile opens the lock file without locking it: flock exists only on unix, where
// the buyer runs; elsewhere a second writer is not detected.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state lock %s: %w", path, err)
	}
	return f, nil
}
