package offers

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// store stands in for the API server (api, cm) and for a lagging informer cache
// (cached): only the calls syncRoutes makes are implemented, the rest of
// client.Client is nil and panics if called.
type store struct {
	client.Client
	cached []v1alpha1.ServiceOffer
	api    map[string]bool
	cm     *corev1.ConfigMap
	writes int
}

func (s *store) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	l, ok := list.(*v1alpha1.ServiceOfferList)
	if !ok {
		return fmt.Errorf("store lists offers only, not %T", list)
	}
	l.Items = append([]v1alpha1.ServiceOffer(nil), s.cached...)
	return nil
}

func (s *store) Get(_ context.Context, key types.NamespacedName, obj client.Object, _ ...client.GetOption) error {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		if s.cm == nil || s.cm.Name != key.Name {
			return apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, key.Name)
		}
		s.cm.DeepCopyInto(o)
	case *v1alpha1.ServiceOffer:
		if !s.api[key.String()] {
			return apierrors.NewNotFound(schema.GroupResource{Group: v1alpha1.GroupVersion.Group, Resource: "serviceoffers"}, key.Name)
		}
		o.Namespace, o.Name = key.Namespace, key.Name
	default:
		return fmt.Errorf("store holds no %T", obj)
	}
	return nil
}

func (s *store) Update(_ context.Context, obj client.Object, _ ...client.UpdateOption) error {
	s.cm = obj.(*corev1.ConfigMap).DeepCopy()
	s.writes++
	return nil
}

func (s *store) Create(ctx context.Context, obj client.Object, _ ...client.CreateOption) error {
	return s.Update(ctx, obj)
}

func testOffer(name string, ready bool) v1alpha1.ServiceOffer {
	d := int32(6)
	o := v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream: v1alpha1.UpstreamSpec{Service: "api", Port: 8080},
			Payment: v1alpha1.PaymentSpec{
				PayTo:             "0x1111111111111111111111111111111111111111",
				MaxTimeoutSeconds: 300,
				Accepts: []v1alpha1.PaymentOption{{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: v1alpha1.AssetSpec{
					Address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", EIP712Name: "USDC", EIP712Version: "2", Symbol: "USDC", Decimals: &d,
				}}},
			},
		},
	}
	status := metav1.ConditionFalse
	if ready {
		status = metav1.ConditionTrue
		o.Status.RoutesGeneration = 1
	}
	o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: "x"}}
	return o
}

// docWith is a routes ConfigMap holding the entries of offers, as an earlier
// reconcile wrote it.
func docWith(t *testing.T, s render.Settings, gen int64, offers ...v1alpha1.ServiceOffer) *corev1.ConfigMap {
	t.Helper()
	st := &store{}
	var entries []routes.Offer
	for i := range offers {
		e, err := RoutesEntry(&offers[i])
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	cur := currentRoutes{cm: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.RoutesConfigMapNamespace, Name: s.RoutesConfigMapName,
		Annotations: map[string]string{AnnotationGeneration: fmt.Sprint(gen - 1)}}}}
	if _, err := writeRoutes(context.Background(), st, types.NamespacedName{Namespace: s.RoutesConfigMapNamespace, Name: s.RoutesConfigMapName}, cur, entries, render.ShardLimitBytes); err != nil {
		t.Fatal(err)
	}
	return st.cm
}

// TestSyncRoutesOwnEntryOnly: a reconcile changes only its own offer's entry; the
// others are what the API server's document holds, whatever a lagging cache says,
// unless their offer is gone or belongs to another shard.
func TestSyncRoutesOwnEntryOnly(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	s := render.Settings{RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes"}
	a, b, c := testOffer("a", true), testOffer("b", true), testOffer("c", true)
	staleB := testOffer("b", false) // the cache has not seen b's Ready=True yet
	// Two shards: d lives in a's, e in the other one.
	var d, e v1alpha1.ServiceOffer
	for i := 0; d.Name == "" || e.Name == ""; i++ {
		o := testOffer(fmt.Sprintf("o%d", i), true)
		if render.ShardIndex("shop/"+o.Name, 2) == render.ShardIndex("shop/a", 2) {
			if d.Name == "" {
				d = o
			}
		} else if e.Name == "" {
			e = o
		}
	}
	sharded := s
	sharded.RoutesShardCount = 2

	cases := []struct {
		desc     string
		settings render.Settings
		cached   []v1alpha1.ServiceOffer
		api      []string
		doc      *corev1.ConfigMap
		self     *v1alpha1.ServiceOffer
		serving  bool
		want     []string
	}{
		{desc: "a cache that has not seen another offer's Ready keeps its entry",
			cached: []v1alpha1.ServiceOffer{a, staleB}, api: []string{"a", "b"},
			doc: docWith(t, s, 3, a, b), self: &a, serving: true, want: []string{"a", "b"}},
		{desc: "a cache that has not seen another offer leave does not put it back",
			cached: []v1alpha1.ServiceOffer{a, b, c}, api: []string{"a", "b", "c"},
			doc: docWith(t, s, 3, a, b), self: &a, serving: true, want: []string{"a", "b"}},
		{desc: "the offer's own entry leaves when it stops serving",
			cached: []v1alpha1.ServiceOffer{a, b}, api: []string{"a", "b"},
			doc: docWith(t, s, 3, a, b), self: &a, serving: false, want: []string{"b"}},
		{desc: "the offer's own entry joins when it starts serving",
			cached: []v1alpha1.ServiceOffer{testOffer("a", false), b}, api: []string{"a", "b"},
			doc: docWith(t, s, 3, b), self: &a, serving: true, want: []string{"a", "b"}},
		{desc: "a deleted offer's entry goes (self nil)",
			cached: []v1alpha1.ServiceOffer{b}, api: []string{"b"},
			doc: docWith(t, s, 3, a, b), self: nil, serving: false, want: []string{"b"}},
		{desc: "an entry whose offer the API server no longer has goes",
			cached: []v1alpha1.ServiceOffer{a}, api: []string{"a"},
			doc: docWith(t, s, 3, a, c), self: &a, serving: true, want: []string{"a"}},
		{desc: "an entry whose offer the cache does not list yet but the API server has stays",
			cached: []v1alpha1.ServiceOffer{a}, api: []string{"a", "c"},
			doc: docWith(t, s, 3, a, c), self: &a, serving: true, want: []string{"a", "c"}},
		{desc: "no document: rebuilt from the cache",
			cached: []v1alpha1.ServiceOffer{a, b, staleB, c}, api: []string{"a", "b", "c"},
			doc: nil, self: &a, serving: true, want: []string{"a", "b", "c"}},
		{desc: "an entry of another shard leaves this one",
			settings: sharded, cached: []v1alpha1.ServiceOffer{a, d, e}, api: []string{"a", d.Name, e.Name},
			doc: docWith(t, s, 3, a, d, e), self: &a, serving: true, want: []string{"a", d.Name}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			set := s
			if tc.settings.RoutesShardCount != 0 {
				set = tc.settings
			}
			st := &store{cached: tc.cached, api: map[string]bool{}, cm: tc.doc}
			if tc.doc != nil && set.RoutesShards() > 1 {
				// The same document, under the shard's name.
				st.cm = tc.doc.DeepCopy()
				st.cm.Name = set.RoutesConfigMapOf("shop", "a")
			}
			for _, n := range tc.api {
				st.api["shop/"+n] = true
			}
			r := &Reconciler{Client: st, APIReader: st, Settings: set, Now: func() time.Time { return now }}
			if _, err := r.syncRoutes(context.Background(), tc.self, types.NamespacedName{Namespace: "shop", Name: "a"}, tc.serving); err != nil {
				t.Fatal(err)
			}
			doc, err := routes.Parse([]byte(st.cm.Data[routes.DataKey]))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range doc.Offers {
				got = append(got, o.Name)
			}
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("document holds %v, want %v", got, tc.want)
			}
		})
	}
}
