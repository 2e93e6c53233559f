package onchain

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

func TestCamel(t *testing.T) {
	cases := []struct{ desc, in, want string }{
		{"snake to camel", "token_name_mismatch", "TokenNameMismatch"},
		{"one word", "mismatch", "Mismatch"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := camel(c.in); got != c.want {
				t.Fatalf("camel(%q) = %q", c.in, got)
			}
		})
	}
}

func TestIsOwnerOffer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(name string, created time.Time, enabled bool) v1alpha1.ServiceOffer {
		return v1alpha1.ServiceOffer{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, CreationTimestamp: metav1.NewTime(created)},
			Spec:       v1alpha1.ServiceOfferSpec{Registration: &v1alpha1.RegistrationSpec{Enabled: enabled}},
		}
	}
	peers := []v1alpha1.ServiceOffer{mk("old-disabled", t0, false), mk("mid", t0.Add(time.Minute), true), mk("new", t0.Add(time.Hour), true)}
	cases := []struct {
		desc, name string
		want       bool
	}{
		{"the oldest enabled offer sends URI updates", "mid", true},
		{"a newer one does not", "new", false},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			o := mk(c.name, t0, true)
			if got := isOwnerOffer(&o, peers); got != c.want {
				t.Fatalf("isOwnerOffer(%s) = %v", c.name, got)
			}
		})
	}
}
