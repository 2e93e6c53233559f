package plugin

import (
	"strings"
	"sync"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
)

// Offers compile on their first request: a reload leaves them uncompiled, the first
// lookup compiles once for every caller, and an offer that cannot compile is refused
// (nil, the gate answers 503), never served half-built.
func TestOfferCompiledOnFirstUse(t *testing.T) {
	doc := testDoc(1)
	// Past Validate (a gate bug would be needed to get here): a drain end that does
	// not parse fails compileOffer.
	broken := doc.Offers[1]
	broken.Name, broken.DrainEndsAt = "broken", "not a time"
	doc.Offers = append(doc.Offers, broken)
	tb, err := compileTable(doc, metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc string
		key  string
		want bool // compiles
	}{
		{desc: "active offer", key: "shop/weather", want: true},
		{desc: "draining offer", key: "shop/gone", want: true},
		{desc: "offer the document does not hold", key: "shop/missing", want: false},
		{desc: "offer that cannot compile", key: "shop/broken", want: false},
	}
	for _, c := range cases {
		c := c
		t.Run(c.desc, func(t *testing.T) {
			if s := tb.offers[c.key]; s != nil && s.compiled.Load() != nil {
				t.Fatal("compiled before its first use")
			}
			var wg sync.WaitGroup
			got := make([]*offer, 8)
			for i := 0; i < len(got); i++ {
				i := i
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i] = offerOf(tb, c.key)
				}()
			}
			wg.Wait()
			for i := range got {
				if (got[i] != nil) != c.want {
					t.Fatalf("lookup %d: got %v, want compiled=%v", i, got[i], c.want)
				}
				if got[i] != got[0] {
					t.Fatal("two lookups got two compilations")
				}
			}
			if c.want && got[0].namespace+"/"+got[0].name != c.key {
				t.Fatalf("compiled %s/%s for %s", got[0].namespace, got[0].name, c.key)
			}
		})
	}
}

// The metric series of every offer exist as soon as the document loads, before any
// request compiles the offer: a counter that first appeared at 1 would lose that
// increase in Prometheus' increase().
func TestSeriesExistAtLoad(t *testing.T) {
	m := metrics.NewRegistry()
	doc := testDoc(1)
	if _, err := compileTable(doc, m); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, o := range doc.Offers {
		if !strings.Contains(b.String(), `offer_name="`+o.Name+`"`) {
			t.Errorf("no series for %s after load", o.Key())
		}
	}
}
