package answers

import (
	"strings"
	"testing"
)

func TestCacheBounds(t *testing.T) {
	tests := []struct {
		desc     string
		max      int
		puts     []int // body sizes, keys k0, k1, ...
		validFor int64 // validBefore = now + validFor
		getAt    int64 // Get at now + getAt
		want     []bool
	}{
		{desc: "all fit", max: 10 * entryOverhead, puts: []int{10, 10, 10}, validFor: 60, want: []bool{true, true, true}},
		{desc: "the oldest goes first", max: 2*entryOverhead + 20, puts: []int{10, 10, 10}, validFor: 60, want: []bool{false, true, true}},
		{desc: "an entry larger than the bound keeps only its receipt", max: entryOverhead + 5, puts: []int{100}, validFor: 60, want: []bool{true}},
		{desc: "expired entries are gone", max: 10 * entryOverhead, puts: []int{1, 1}, validFor: 60, getAt: 61, want: []bool{false, false}},
	}
	for _, tc := range tests {
		c := New(tc.max)
		const now = 1000
		for i, n := range tc.puts {
			Put(c, key(i), &Entry{Request: "GET /", State: Settled, Receipt: "r", Kept: true, Body: []byte(strings.Repeat("x", n)), ValidBefore: now + tc.validFor}, now)
		}
		if Bytes(c) > tc.max {
			t.Fatalf("%s: %d bytes over the bound %d", tc.desc, Bytes(c), tc.max)
		}
		for i, want := range tc.want {
			e, ok := Get(c, key(i), now+tc.getAt)
			if ok != want {
				t.Fatalf("%s: %s present %v, want %v", tc.desc, key(i), ok, want)
			}
			if ok && e.Kept && len(e.Body) != tc.puts[i] {
				t.Fatalf("%s: body %d bytes", tc.desc, len(e.Body))
			}
			if ok && tc.puts[i]+entryOverhead > tc.max && (e.Kept || e.Body != nil || e.Receipt != "r") {
				t.Fatalf("%s: oversized entry %+v", tc.desc, e)
			}
		}
	}
}

func TestStates(t *testing.T) {
	c := New(1 << 20)
	Put(c, "k", &Entry{Request: "GET /s", State: Pending, ValidBefore: 2000}, 1000)
	if TakeServe(c, "k") {
		t.Fatal("a pending entry was handed out for serving")
	}
	Resolve(c, "k", "receipt")
	if e, _ := Get(c, "k", 1000); e.State != Settled || e.Receipt != "receipt" {
		t.Fatalf("resolved entry %+v", e)
	}
	if !TakeServe(c, "k") || TakeServe(c, "k") {
		t.Fatal("a settled, unserved entry must be served exactly once")
	}
	Fail(c, "k", "refusal")
	if e, _ := Get(c, "k", 1000); e.State != Failed || e.Receipt != "refusal" {
		t.Fatalf("failed entry %+v", e)
	}
	Delete(c, "k")
	if _, ok := Get(c, "k", 1000); ok || Bytes(c) != 0 {
		t.Fatalf("deleted entry still there (%d bytes)", Bytes(c))
	}
}

func key(i int) string { return "k" + string(rune('0'+i)) }
