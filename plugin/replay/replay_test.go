package replay

import (
	"testing"
	"time"
)

var now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestGuard(t *testing.T) {
	tests := []struct {
		desc  string
		max   int
		steps func(g *Guard) error
		want  error
		size  int
	}{
		{desc: "first use is accepted", max: 2, steps: func(g *Guard) error { return Acquire(g, "a", now.Unix()+60, now) }, size: 1},
		{desc: "reuse in flight is refused", max: 2, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()+60, now)
			return Acquire(g, "a", now.Unix()+60, now)
		}, want: ErrInFlight, size: 1},
		{desc: "reuse after settling is refused", max: 2, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()+60, now)
			Settle(g, "a")
			Release(g, "a") // a no-op once settled
			return Acquire(g, "a", now.Unix()+60, now)
		}, want: ErrSettled, size: 1},
		{desc: "a released authorization can be used again", max: 2, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()+60, now)
			Release(g, "a")
			return Acquire(g, "a", now.Unix()+60, now)
		}, size: 1},
		{desc: "a full guard refuses instead of forgetting live entries", max: 1, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()+60, now)
			return Acquire(g, "b", now.Unix()+60, now)
		}, want: ErrFull, size: 1},
		{desc: "a full guard evicts expired entries", max: 1, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()-1, now.Add(-time.Minute))
			Settle(g, "a")
			return Acquire(g, "b", now.Unix()+60, now)
		}, size: 1},
		{desc: "Grow raises the bound", max: 1, steps: func(g *Guard) error {
			_ = Acquire(g, "a", now.Unix()+60, now)
			Grow(g, 2)
			Grow(g, 1) // never shrinks
			return Acquire(g, "b", now.Unix()+60, now)
		}, size: 2},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			g := New(tc.max)
			if err := tc.steps(g); err != tc.want {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if n := Size(g); n != tc.size {
				t.Fatalf("size %d, want %d", n, tc.size)
			}
		})
	}
}
