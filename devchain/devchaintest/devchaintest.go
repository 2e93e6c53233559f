// Package devchaintest shares one dev chain among the tests of a package: starting a
// chain takes a few hundred milliseconds, and tests that use their own accounts and
// nonces do not need a chain each.
package devchaintest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/devchain"
)

// Shared starts its chain on first use and closes it when the package's tests end.
// Declare one per package and call Main from TestMain.
type Shared struct {
	Options devchain.Options

	once  sync.Once
	chain *devchain.Chain
	err   error
}

// Chain returns the package's chain, failing t if it cannot start.
func (s *Shared) Chain(t testing.TB) *devchain.Chain {
	t.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.chain, s.err = devchain.Start(ctx, s.Options)
	})
	if s.err != nil {
		t.Fatalf("start devchain: %v", s.err)
	}
	return s.chain
}

// Main runs the tests, then closes the chain if one was started; a chain that does
// not close cleanly fails the run.
func (s *Shared) Main(m *testing.M) {
	code := m.Run()
	if s.chain != nil {
		if err := s.chain.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close devchain:", err)
			code = 1
		}
	}
	os.Exit(code)
}
