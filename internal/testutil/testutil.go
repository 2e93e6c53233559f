// Package testutil holds the small helpers every integration test needs: a loopback
// address for a process that binds its own listener, and waiting for a condition with
// a deadline that names what never happened.
package testutil

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// FreeAddr returns a loopback host:port the kernel just handed out and released.
// External processes (Traefik, Prometheus, controller-runtime's servers) cannot be
// handed a listener and do not all report the port of ":0", so they get an address;
// the window between the close here and their bind is tiny on loopback.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserve a loopback port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Intervals between two checks. Eventually's checks are usually cheap local requests
// whose latency tests report, so it polls often; EventuallyNoError's are usually API
// server round trips, which a shared CI machine should not be flooded with.
const (
	pollEvery        = 25 * time.Millisecond
	pollEveryNoError = 100 * time.Millisecond
)

// Eventually retries check until it returns "" and returns how long that took. A
// non-empty result says what is still wrong; the last one is in the failure message
// when timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() string) time.Duration {
	t.Helper()
	took, last := poll(timeout, pollEvery, check)
	if last != "" {
		t.Fatalf("%s: not true after %s: %s", what, timeout, last)
	}
	return took
}

// EventuallyNoError retries f until it returns nil; the last error is in the failure
// message when timeout passes.
func EventuallyNoError(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	_, last := poll(timeout, pollEveryNoError, func() string {
		if err := f(); err != nil {
			// An error whose text is empty must still count as a failure.
			return fmt.Sprintf("error: %v", err)
		}
		return ""
	})
	if last != "" {
		t.Fatalf("%s: still failing after %s: %s", what, timeout, last)
	}
}

// poll always runs check at least once, so a zero timeout still tests the condition.
func poll(timeout, every time.Duration, check func() string) (time.Duration, string) {
	start := time.Now()
	for {
		last := check()
		if last == "" {
			return time.Since(start), ""
		}
		if time.Since(start) >= timeout {
			return time.Since(start), last
		}
		time.Sleep(every)
	}
}
