package offers_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/internal/kubetest"
	"github.com/turnpike-x402/turnpike/controller/manager"
	"github.com/turnpike-x402/turnpike/controller/offers"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// 10,000 offers publish against a real API server: rendered, split over 16 shard
// ConfigMaps and written, each shard a document the gate accepts, each offer in the
// shard its Middleware would name. The publisher is driven directly: creating 10,000
// ServiceOffers and their children would measure the API server, not the publisher.
func TestPublishTenThousandOffers(t *testing.T) {
	k := kubetest.StartWithoutGatewayAPI(t)
	k.Namespace(t, systemNS)
	ctx := context.Background()
	const n, total = 16, 10000
	list := manyOffers(total, 1)
	shards := renderShards(t, list, n)
	key := func(i int) types.NamespacedName {
		return types.NamespacedName{Namespace: systemNS, Name: render.ShardName(routesName, n, i)}
	}
	publish := func(t *testing.T, shards [][]routes.Offer) []offers.Published {
		t.Helper()
		out := make([]offers.Published, n)
		for i, entries := range shards {
			pub, err := offers.WriteRoutes(ctx, k.Client, k.Client, key(i), entries, render.ShardLimitBytes)
			if err != nil {
				t.Fatalf("shard %d: %v", i, err)
			}
			out[i] = pub
		}
		return out
	}
	read := func(t *testing.T, i int) *routes.Document {
		t.Helper()
		var cm corev1.ConfigMap
		if err := k.Client.Get(ctx, key(i), &cm); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		doc, err := routes.Parse([]byte(cm.Data[routes.DataKey]))
		if err != nil {
			t.Fatalf("shard %d: the gate would refuse it: %v", i, err)
		}
		if cm.Annotations[offers.AnnotationGeneration] != fmt.Sprint(doc.Generation) {
			t.Errorf("shard %d: annotation %s, document generation %d", i, cm.Annotations[offers.AnnotationGeneration], doc.Generation)
		}
		return doc
	}

	t.Run("every offer is published once, in the shard its Middleware names", func(t *testing.T) {
		start := time.Now()
		pubs := publish(t, shards)
		took := time.Since(start)
		largest := 0
		for i, p := range pubs {
			if !p.Written || p.Generation != 1 {
				t.Errorf("shard %d: %+v, want written at generation 1", i, p)
			}
			if p.Bytes > largest {
				largest = p.Bytes
			}
		}
		t.Logf("%d offers in %d shards written in %v; largest shard %d bytes (%d%% of a ConfigMap)", total, n, took, largest, largest*100/render.ShardLimitBytes)
		seen := map[string]bool{}
		s := render.Settings{RoutesConfigMapName: routesName, RoutesShardCount: n}
		for i := 0; i < n; i++ {
			for _, o := range read(t, i).Offers {
				if seen[o.Key()] {
					t.Errorf("%s is in two shards", o.Key())
				}
				seen[o.Key()] = true
				if want := s.RoutesConfigMapOf(o.Namespace, o.Name); want != key(i).Name {
					t.Errorf("%s is in %s, its Middleware names %s", o.Key(), key(i).Name, want)
				}
			}
		}
		if len(seen) != total {
			t.Fatalf("%d offers published, want %d", len(seen), total)
		}
	})

	t.Run("publishing the same offers again writes nothing", func(t *testing.T) {
		for i, p := range publish(t, renderShards(t, list, n)) {
			if p.Written || p.Generation != 1 {
				t.Errorf("shard %d: %+v, want unchanged at generation 1", i, p)
			}
		}
	})

	t.Run("a changed offer moves only its own shard's generation", func(t *testing.T) {
		changed := list[1234].DeepCopy()
		changed.Spec.Payment.Accepts[0].Amount = "20000"
		edited := append([]*v1alpha1.ServiceOffer(nil), list...)
		edited[1234] = changed
		home := render.ShardIndex(changed.Namespace+"/"+changed.Name, n)
		for i, p := range publish(t, renderShards(t, edited, n)) {
			want := int64(1)
			if i == home {
				want = 2
			}
			if p.Generation != want || p.Written != (i == home) {
				t.Errorf("shard %d: %+v, want generation %d", i, p, want)
			}
		}
		if o := findOffer(read(t, home), changed.Namespace, changed.Name); o == nil || o.Payments[0].Amount != "20000" {
			t.Fatalf("shard %d does not carry the new amount: %+v", home, o)
		}
	})

	t.Run("one ConfigMap for all of them is refused, not written", func(t *testing.T) {
		all := renderShards(t, list, 1)[0]
		one := types.NamespacedName{Namespace: systemNS, Name: routesName}
		_, err := offers.WriteRoutes(ctx, k.Client, k.Client, one, all, render.ShardLimitBytes)
		if !errors.Is(err, offers.ErrRoutesShardFull) || !strings.Contains(err.Error(), offers.ReasonRoutesShardFull) {
			t.Fatalf("want ErrRoutesShardFull naming %s, got %v", offers.ReasonRoutesShardFull, err)
		}
		var cm corev1.ConfigMap
		if err := k.Client.Get(ctx, one, &cm); !apierrors.IsNotFound(err) {
			t.Fatalf("the oversize ConfigMap must not exist: %v", err)
		}
	})
}

// The controller with sharding on: offers land in their shard and their Middleware
// names it; a shard past 80 % warns; an offer that would overflow its shard is
// refused with RoutesShardFull and served once room is made.
func TestRoutesShards(t *testing.T) {
	cp := startControlPlane(t)
	up, _ := upstream(t)
	ctx := context.Background()
	const n = 3
	cp.namespace(t, "shards")
	// Offers are created before their Services: defaulted by the API server, but not
	// published yet, so their entries' sizes can be measured to set the limit.
	big := newOffer("shards", "big", func(o *v1alpha1.ServiceOffer) {
		o.Spec.Upstream.Service = "big-api"
		o.Spec.Description = strings.Repeat("a long description ", 50)
		for i := 0; i < 10; i++ {
			o.Spec.Paths = append(o.Spec.Paths, v1alpha1.PathRule{Path: fmt.Sprintf("/free/a-rather-long-path-name-to-take-room-%d", i), Free: true})
		}
	})
	home := render.ShardIndex("shards/big", n)
	var small, other *v1alpha1.ServiceOffer
	for i := 0; small == nil || other == nil; i++ {
		name := fmt.Sprintf("small-%d", i)
		switch s := render.ShardIndex("shards/"+name, n); {
		case s == home && small == nil:
			small = newOffer("shards", name, func(o *v1alpha1.ServiceOffer) { o.Spec.Upstream.Service = "small-api" })
		case s != home && other == nil:
			other = newOffer("shards", name)
		}
	}
	for _, o := range []*v1alpha1.ServiceOffer{big, small} {
		if err := cp.c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	size := func(list ...*v1alpha1.ServiceOffer) int {
		var entries []routes.Offer
		for _, o := range list {
			e, err := offers.RoutesEntry(cp.getOffer(t, o.Namespace, o.Name))
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		// Generation 2, as the shard's second write (big, then both) carries it: the
		// size must be exact to the byte.
		raw, err := jsonMarshal(render.Document(2, entries))
		if err != nil {
			t.Fatal(err)
		}
		return len(raw)
	}
	// Room for big alone (above 80 % of it), not for big and small together.
	limit := size(big, small) - 1
	if size(big)*5 < limit*4 {
		t.Fatalf("test setup: big (%d bytes) is not above 80%% of %d", size(big), limit)
	}
	s := settings()
	s.RoutesShardCount = n
	s.RoutesShardLimitBytes = limit
	metricsAddr := testutil.FreeAddr(t)
	runControllerSettings(t, cp, s, up.URL, metricsAddr)
	shardOf := func(o *v1alpha1.ServiceOffer) types.NamespacedName {
		return types.NamespacedName{Namespace: systemNS, Name: s.RoutesConfigMapOf(o.Namespace, o.Name)}
	}

	t.Run("an offer is published in its shard, which its Middleware names", func(t *testing.T) {
		cp.service(t, "shards", "big-api")
		cp.condition(t, "shards", "big", v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
		doc := cp.shardDoc(t, shardOf(big))
		if findOffer(doc, "shards", "big") == nil || len(doc.Offers) != 1 {
			t.Fatalf("shard %s: %+v", shardOf(big).Name, doc.Offers)
		}
		mw, err := cp.child(render.MiddlewareGVK, "shards", "big")
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := unstructured.NestedString(mw.Object, "spec", "plugin", "turnpike", "routesConfigMap")
		if got != shardOf(big).String() {
			t.Fatalf("Middleware routesConfigMap %q, want %s", got, shardOf(big))
		}
		var cm corev1.ConfigMap
		if err := cp.c.Get(ctx, types.NamespacedName{Namespace: systemNS, Name: routesName}, &cm); !apierrors.IsNotFound(err) {
			t.Fatalf("sharded: the unsharded ConfigMap %s must not be written: %v", routesName, err)
		}
	})

	t.Run("a shard past 80% warns with an event and a metric", func(t *testing.T) {
		testutil.EventuallyNoError(t, 10*time.Second, "warning event", func() error {
			return hasEvent(cp, "shards", "big", offers.ReasonRoutesShardNearlyFull, "PublishRoutes")
		})
		want := fmt.Sprintf(`turnpike_controller_routes_shard_fill_ratio{configmap=%q}`, shardOf(big).Name)
		testutil.EventuallyNoError(t, 10*time.Second, "fill ratio metric", func() error {
			body, err := httpGet("http://" + metricsAddr + "/metrics")
			if err != nil {
				return err
			}
			for _, line := range strings.Split(body, "\n") {
				if strings.HasPrefix(line, want+" 0.8") || strings.HasPrefix(line, want+" 0.9") {
					return nil
				}
			}
			return fmt.Errorf("no %s above 0.8 in the metrics", want)
		})
	})

	t.Run("an offer that would overflow its shard is refused, the shard keeps serving", func(t *testing.T) {
		cp.service(t, "shards", "small-api")
		o := cp.condition(t, "shards", small.Name, v1alpha1.ConditionReady, metav1.ConditionFalse, offers.ReasonRoutesShardFull)
		if o.Status.RoutesGeneration != 0 {
			t.Errorf("a refused offer records routes generation %d", o.Status.RoutesGeneration)
		}
		testutil.EventuallyNoError(t, 10*time.Second, "refusal event", func() error {
			return hasEvent(cp, "shards", small.Name, offers.ReasonRoutesShardFull, "PublishRoutes")
		})
		doc := cp.shardDoc(t, shardOf(big))
		if findOffer(doc, "shards", small.Name) != nil || findOffer(doc, "shards", "big") == nil {
			t.Fatalf("shard %s changed: %+v", shardOf(big).Name, doc.Offers)
		}
	})

	t.Run("another shard is not affected", func(t *testing.T) {
		cp.service(t, "shards", "api")
		if err := cp.c.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shards", other.Name, v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
		if findOffer(cp.shardDoc(t, shardOf(other)), "shards", other.Name) == nil {
			t.Fatalf("%s is not in %s", other.Name, shardOf(other))
		}
	})

	t.Run("room made in the shard lets the refused offer in", func(t *testing.T) {
		if err := cp.c.Delete(ctx, cp.getOffer(t, "shards", "big")); err != nil {
			t.Fatal(err)
		}
		cp.condition(t, "shards", small.Name, v1alpha1.ConditionReady, metav1.ConditionTrue, offers.ReasonServing)
		testutil.EventuallyNoError(t, 20*time.Second, "big out, small in", func() error {
			doc := cp.shardDoc(t, shardOf(small))
			if findOffer(doc, "shards", small.Name) == nil || findOffer(doc, "shards", "big") != nil {
				return fmt.Errorf("shard %s holds %d offers", shardOf(small).Name, len(doc.Offers))
			}
			return nil
		})
	})
}

func (cp *controlPlane) shardDoc(t *testing.T, key types.NamespacedName) *routes.Document {
	t.Helper()
	var cm corev1.ConfigMap
	if err := cp.c.Get(context.Background(), key, &cm); err != nil {
		t.Fatalf("routes ConfigMap %s: %v", key, err)
	}
	doc, err := routes.Parse([]byte(cm.Data[routes.DataKey]))
	if err != nil {
		t.Fatalf("routes ConfigMap %s must always hold a document the gate accepts: %v", key, err)
	}
	return doc
}

// runControllerSettings runs the controller with s until the test ends.
func runControllerSettings(t *testing.T, cp *controlPlane, s render.Settings, healthURL, metricsAddr string) {
	t.Helper()
	runManager(t, manager.Options{
		Config:         cp.cfg,
		Settings:       s,
		MetricsAddress: metricsAddr,
		HealthAddress:  "0",
		HealthBaseURL:  healthURL,
		RecheckAfter:   3 * time.Second,
		RetryAfter:     time.Second,
		// Other tests run a manager in this process too.
		SkipNameValidation: true,
	})
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
