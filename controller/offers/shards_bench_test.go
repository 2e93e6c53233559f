package offers_test

import (
	"encoding/json"
	"fmt"
	"testing"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// manyOffers returns n offers as the API server stores them (defaults applied), in
// namespaces of 100 offers each, with networks payment options each.
func manyOffers(n, networks int) []*v1alpha1.ServiceOffer {
	out := make([]*v1alpha1.ServiceOffer, 0, n)
	for i := 0; i < n; i++ {
		o := newOffer(fmt.Sprintf("team-%03d", i/100), fmt.Sprintf("offer-%05d", i))
		o.Spec.Payment.MaxTimeoutSeconds = 300
		accepts := []v1alpha1.PaymentOption{}
		for j := 0; j < networks; j++ {
			a := o.Spec.Payment.Accepts[0]
			a.Scheme = "exact"
			a.Network = fmt.Sprintf("eip155:%d", 84532+j)
			a.Asset.EIP712Name, a.Asset.EIP712Version, a.Asset.Symbol = "USDC", "2", "USDC"
			d := int32(6)
			a.Asset.Decimals = &d
			accepts = append(accepts, a)
		}
		o.Spec.Payment.Accepts = accepts
		out = append(out, o)
	}
	return out
}

// renderShards renders every offer's entry and splits them over n shards, as the
// controller does when each shard's offers reconcile.
func renderShards(tb testing.TB, list []*v1alpha1.ServiceOffer, n int) [][]routes.Offer {
	shards := make([][]routes.Offer, n)
	for _, o := range list {
		e, err := offers.RoutesEntry(o)
		if err != nil {
			tb.Fatalf("render %s/%s: %v", o.Namespace, o.Name, err)
		}
		i := render.ShardIndex(e.Key(), n)
		shards[i] = append(shards[i], e)
	}
	return shards
}

// The document is written compact: indentation would cost a fifth or more of every
// shard's room. A duplicate-free encoding of the payment options (one table, offers
// pointing into it) would save more, but changes the schema every gate reads; the
// numbers here say whether it is needed (docs/controller.md, "Routes shards").
func TestCompactEncoding(t *testing.T) {
	for _, networks := range []int{1, 3} {
		shards := renderShards(t, manyOffers(1000, networks), 1)
		doc := render.Document(1, shards[0])
		compact, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		indented, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		perOffer := len(compact) / 1000
		t.Logf("%d network(s): %d bytes/offer compact, %d indented; %d offers fit a ConfigMap",
			networks, perOffer, len(indented)/1000, render.ShardLimitBytes/perOffer)
		if len(compact)*100 > len(indented)*85 {
			t.Errorf("compact encoding saves less than 15%%: %d vs %d bytes", len(compact), len(indented))
		}
		if _, err := routes.Parse(compact); err != nil {
			t.Fatalf("the gate refuses the compact document: %v", err)
		}
	}
}

// BenchmarkPublishTenThousandOffers renders the entries of 10,000 offers (one payment
// option) and encodes them into the shards' documents: the controller-side cost of
// publishing them all, without the API round trips (TestPublishTenThousandOffers).
func BenchmarkPublishTenThousandOffers(b *testing.B) {
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("shards=%d", n), func(b *testing.B) {
			list := manyOffers(10000, 1)
			b.ReportAllocs()
			var largest, total int
			for i := 0; i < b.N; i++ {
				largest, total = 0, 0
				for _, entries := range renderShards(b, list, n) {
					data, err := json.Marshal(render.Document(1, entries))
					if err != nil {
						b.Fatal(err)
					}
					total += len(data)
					if len(data) > largest {
						largest = len(data)
					}
				}
			}
			b.ReportMetric(float64(largest), "largest-shard-bytes")
			b.ReportMetric(float64(total)/10000, "bytes/offer")
		})
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
