package metrics

import (
	"bytes"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMetricsRegistryUnit(t *testing.T) {
	m := NewRegistry()
	if ok, _ := m.Ready(); ok {
		t.Fatal("ready without sources")
	}
	src := m.Source("file:/a")
	if ok, msg := m.Ready(); ok || !strings.Contains(msg, "file:/a") {
		t.Fatalf("ready before load: %v %q", ok, msg)
	}
	s := m.Series("ns", "n", "eip155:1", "")
	Observe(s, OpVerify, 7*time.Millisecond)
	Observe(s, OpVerify, 40*time.Second)
	Charge(s, big.NewInt(1234567), 6, fixedNow)
	src.Loaded.Store(true)
	src.SetOffers(map[string]bool{Key("ns", "n", "eip155:1", ""): true})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("readyz %d", rec.Code)
	}
	var b bytes.Buffer
	_ = m.Write(&b)
	text := b.String()
	lbl := `offer_namespace="ns",offer_name="n",chain="eip155:1",asset_symbol="unknown"`
	for _, want := range []string{
		"turnpike_facilitator_request_duration_seconds_bucket{" + lbl + `,operation="verify",le="0.005"} 0`,
		"turnpike_facilitator_request_duration_seconds_bucket{" + lbl + `,operation="verify",le="0.01"} 1`,
		"turnpike_facilitator_request_duration_seconds_bucket{" + lbl + `,operation="verify",le="30"} 1`,
		"turnpike_facilitator_request_duration_seconds_bucket{" + lbl + `,operation="verify",le="+Inf"} 2`,
		"turnpike_charged_amount_total{" + lbl + "} 1.234567",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("lacks %q in\n%s", want, text)
		}
	}
	m.DropSource("file:/a")
	b.Reset()
	_ = m.Write(&b)
	if strings.Contains(b.String(), `offer_name="n"`) {
		t.Errorf("dropping the last source did not prune")
	}
	rec = httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Fatalf("readyz without sources %d", rec.Code)
	}
}

func TestPresetReasons(t *testing.T) {
	tests := []struct {
		desc    string
		reasons []string
		fail    string
		want    []string
		notWant string
	}{
		{desc: "no preset: only counted reasons appear", fail: "b", want: []string{`reason="b"} 1`}, notWant: `reason="a"`},
		{desc: "preset reasons appear at 0", reasons: []string{"a", "b"}, want: []string{`reason="a"} 0`, `reason="b"} 0`}},
		{desc: "a counted preset reason goes up", reasons: []string{"a", "b"}, fail: "a", want: []string{`reason="a"} 1`, `reason="b"} 0`}},
		{desc: "a reason outside the preset is still counted", reasons: []string{"a"}, fail: "z", want: []string{`reason="a"} 0`, `reason="z"} 1`}},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			m := NewRegistry(tc.reasons...)
			s := m.Series("ns", "n", "eip155:1", "USDC")
			if tc.fail != "" {
				Fail(s, tc.fail)
			}
			var b bytes.Buffer
			if err := m.Write(&b); err != nil {
				t.Fatal(err)
			}
			prefix := `turnpike_payment_failed_total{offer_namespace="ns",offer_name="n",chain="eip155:1",asset_symbol="USDC",`
			for _, w := range tc.want {
				if !strings.Contains(b.String(), prefix+w+"\n") {
					t.Errorf("lacks %q in\n%s", prefix+w, b.String())
				}
			}
			if tc.notWant != "" && strings.Contains(b.String(), prefix+tc.notWant) {
				t.Errorf("has %q", tc.notWant)
			}
		})
	}
}

// TestSettledMatchesObserveAndCharge: the paid path's Settled leaves the same
// exposition as Observe(OpSettle) then Charge, from a fresh series and from one that
// has counted before (first histogram, existing histogram, amounts adding up).
func TestSettledMatchesObserveAndCharge(t *testing.T) {
	tests := []struct {
		desc  string
		calls []time.Duration // settle latencies, one Settled each
	}{
		{desc: "one settle on a fresh series", calls: []time.Duration{30 * time.Millisecond}},
		{desc: "several, across buckets and past the last", calls: []time.Duration{time.Millisecond, 2 * time.Second, 45 * time.Second, 30 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			exposition := func(settled bool) string {
				m := NewRegistry()
				src := m.Source("file:/a")
				src.Loaded.Store(true)
				src.SetOffers(map[string]bool{Key("ns", "n", "eip155:1", "USDC"): true})
				s := m.Series("ns", "n", "eip155:1", "USDC")
				for i, d := range tc.calls {
					amount := big.NewInt(int64(1000 * (i + 1)))
					now := fixedNow.Add(time.Duration(i) * time.Second)
					if settled {
						Settled(s, d, amount, 6, now)
					} else {
						Observe(s, OpSettle, d)
						Charge(s, amount, 6, now)
					}
				}
				var b bytes.Buffer
				_ = m.Write(&b)
				return b.String()
			}
			got, want := exposition(true), exposition(false)
			if got != want {
				t.Fatalf("Settled:\n%s\nObserve and Charge:\n%s", got, want)
			}
			if !strings.Contains(got, `operation="settle"`) || !strings.Contains(got, "turnpike_charged_requests_total") {
				t.Fatalf("nothing counted:\n%s", got)
			}
		})
	}
}
