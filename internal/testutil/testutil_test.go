package testutil

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder stands in for *testing.T to see whether a helper fails the test; Fatalf
// ends the goroutine the way the real one does.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func run(f func(t testing.TB)) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

func TestEventually(t *testing.T) {
	cases := []struct {
		desc     string
		okAfter  int // check succeeds from this call on; -1 never
		timeout  time.Duration
		wantFail string
	}{
		{desc: "true at once, even with no time given", okAfter: 1, timeout: 0},
		{desc: "true after a few tries", okAfter: 3, timeout: 5 * time.Second},
		{desc: "never true: fails naming the condition and the last answer", okAfter: -1, timeout: 60 * time.Millisecond, wantFail: "cond: not true after 60ms: still 0"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			calls := 0
			failed := run(func(tb testing.TB) {
				Eventually(tb, tc.timeout, "cond", func() string {
					calls++
					if tc.okAfter > 0 && calls >= tc.okAfter {
						return ""
					}
					return "still 0"
				})
			})
			if failed != tc.wantFail {
				t.Fatalf("failure %q, want %q", failed, tc.wantFail)
			}
			if tc.okAfter > 0 && calls != tc.okAfter {
				t.Fatalf("check ran %d times, want %d", calls, tc.okAfter)
			}
		})
	}
}

func TestEventuallyNoError(t *testing.T) {
	cases := []struct {
		desc     string
		err      error
		wantFail string
	}{
		{desc: "nil error passes", err: nil},
		{desc: "an error fails with its text", err: errors.New("boom"), wantFail: "x: still failing after 0s: error: boom"},
		{desc: "an error with no text still fails", err: errors.New(""), wantFail: "x: still failing after 0s: error: "},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			failed := run(func(tb testing.TB) {
				EventuallyNoError(tb, 0, "x", func() error { return tc.err })
			})
			if failed != tc.wantFail {
				t.Fatalf("failure %q, want %q", failed, tc.wantFail)
			}
		})
	}
}

func TestFreeAddrIsBindableLoopback(t *testing.T) {
	addr := FreeAddr(t)
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("address %q is not loopback", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the address handed out cannot be bound: %v", err)
	}
	_ = l.Close()
}
