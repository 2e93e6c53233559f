package offers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

func TestClaims(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(ns, name string, created time.Time) *v1alpha1.ServiceOffer {
		return &v1alpha1.ServiceOffer{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(created)}}
	}
	overlap := []struct {
		desc string
		a, b []string
		want bool
	}{
		{"no hostnames on either side is every host", nil, nil, true},
		{"every host overlaps a named host", nil, []string{"a.example"}, true},
		{"same host, case-insensitive", []string{"A.example"}, []string{"a.example"}, true},
		{"different hosts", []string{"a.example"}, []string{"b.example"}, false},
	}
	for _, c := range overlap {
		t.Run(c.desc, func(t *testing.T) {
			if got := hostsOverlap(c.a, c.b); got != c.want {
				t.Fatalf("hostsOverlap(%v, %v) = %v", c.a, c.b, got)
			}
		})
	}
	paths := []struct {
		desc, a, b string
		want       bool
	}{
		{"identical", "/services/a", "/services/a", true},
		{"trailing slash is the same path", "/services/a/", "/services/a", true},
		{"a prefix is another path", "/services/a", "/services/ab", false},
	}
	for _, c := range paths {
		t.Run(c.desc, func(t *testing.T) {
			if got := samePath(c.a, c.b); got != c.want {
				t.Fatalf("samePath(%q, %q) = %v", c.a, c.b, got)
			}
		})
	}
	order := []struct {
		desc string
		a, b *v1alpha1.ServiceOffer
		want bool
	}{
		{"earlier creation wins", mk("z", "z", t0), mk("a", "a", t0.Add(time.Second)), true},
		{"later creation loses", mk("a", "a", t0.Add(time.Second)), mk("z", "z", t0), false},
		{"same second: namespace/name breaks the tie", mk("a", "b", t0), mk("b", "a", t0), true},
	}
	for _, c := range order {
		t.Run(c.desc, func(t *testing.T) {
			if got := older(c.a, c.b); got != c.want {
				t.Fatalf("older = %v", got)
			}
		})
	}
}
