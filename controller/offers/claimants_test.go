package offers

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

// listReader answers List of ServiceOffers from a fixed slice (or an error).
type listReader struct {
	offers []v1alpha1.ServiceOffer
	err    error
}

func (l listReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return errors.New("not used")
}

func (l listReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	if l.err != nil {
		return l.err
	}
	out, ok := list.(*v1alpha1.ServiceOfferList)
	if !ok {
		return errors.New("unexpected list type")
	}
	out.Items = append([]v1alpha1.ServiceOffer(nil), l.offers...)
	return nil
}

func TestSamePathClaimants(t *testing.T) {
	offer := func(ns, name, path string) v1alpha1.ServiceOffer {
		return v1alpha1.ServiceOffer{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1alpha1.ServiceOfferSpec{Path: path}}
	}
	all := []v1alpha1.ServiceOffer{
		offer("shop", "weather", "/services/weather"),
		offer("other", "weather2", "/services/weather"),
		offer("shop", "news", "/services/news"),
		offer("late", "weather", ""), // default path /services/weather
	}
	changed := offer("shop", "weather", "/services/weather")
	for _, tc := range []struct {
		desc    string
		reader  listReader
		changed client.Object
		want    []string
	}{
		{desc: "every other offer on the same path wakes, not the changed one nor other paths", reader: listReader{offers: all}, changed: &changed, want: []string{"late/weather", "other/weather2"}},
		{desc: "an offer alone on its path wakes nobody", reader: listReader{offers: all[2:3]}, changed: &all[2], want: nil},
		{desc: "a list error wakes nobody (the next change retries)", reader: listReader{err: errors.New("cache not synced")}, changed: &changed, want: nil},
		{desc: "another kind wakes nobody", reader: listReader{offers: all}, changed: &corev1.ConfigMap{}, want: nil},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var got []string
			for _, r := range (samePathClaimants{reader: tc.reader}).requests(context.Background(), tc.changed) {
				got = append(got, r.Namespace+"/"+r.Name)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("woke %v, want %v", got, tc.want)
			}
		})
	}
}
