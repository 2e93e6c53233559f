package render

import (
	"fmt"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The shard of an offer is part of the contract with every running gate: a hash that
// changed between controller releases would point Middlewares at other ConfigMaps.
// These values are FNV-1a 32 of the key, computed independently of this code.
func TestShardIndex(t *testing.T) {
	cases := []struct {
		desc string
		key  string
		n    int
		want int
	}{
		{desc: "not sharded", key: "shop/weather", n: 1, want: 0},
		{desc: "zero shards means one", key: "shop/weather", n: 0, want: 0},
		{desc: "shop/weather of 16", key: "shop/weather", n: 16, want: 2},
		{desc: "demo/weather of 16", key: "demo/weather", n: 16, want: 13},
		{desc: "demo/weather of 3", key: "demo/weather", n: 3, want: 1},
		{desc: "a/b of 3", key: "a/b", n: 3, want: 0},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := ShardIndex(c.key, c.n); got != c.want {
				t.Fatalf("ShardIndex(%q, %d) = %d, want %d", c.key, c.n, got, c.want)
			}
		})
	}
}

// 10,000 offers spread over the shards evenly enough that sizing the shard count for
// the average leaves room: no shard above 1.15 times the mean.
func TestShardBalance(t *testing.T) {
	for _, n := range []int{8, 16, 32} {
		counts := make([]int, n)
		for i := 0; i < 10000; i++ {
			counts[ShardIndex(fmt.Sprintf("team-%d/offer-%d", i%37, i), n)]++
		}
		mean := 10000 / n
		for s, c := range counts {
			if c*100 > mean*115 {
				t.Errorf("%d shards: shard %d holds %d offers, mean %d", n, s, c, mean)
			}
		}
	}
}

func TestRoutesConfigMaps(t *testing.T) {
	cases := []struct {
		desc   string
		shards int
		want   []string
		offer  string // the ConfigMap shop/weather lives in
	}{
		{desc: "unsharded keeps the one ConfigMap", shards: 0, want: []string{"turnpike-routes"}, offer: "turnpike-routes"},
		{desc: "one shard is unsharded", shards: 1, want: []string{"turnpike-routes"}, offer: "turnpike-routes"},
		{desc: "three shards", shards: 3, want: []string{"turnpike-routes-0", "turnpike-routes-1", "turnpike-routes-2"}, offer: "turnpike-routes-1"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := settings
			s.RoutesShardCount = c.shards
			if got := s.RoutesConfigMaps(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("RoutesConfigMaps = %v, want %v", got, c.want)
			}
			if got := s.RoutesConfigMapOf("shop", "weather"); got != c.offer {
				t.Errorf("RoutesConfigMapOf(shop/weather) = %s, want %s", got, c.offer)
			}
			// The Middleware sends the gate to that ConfigMap and no other.
			u := Middleware(offer(), s)
			cfg, _, _ := unstructured.NestedMap(u.Object, "spec", "plugin", "turnpike")
			if got := decodeLikeTraefik(t, cfg).RoutesConfigMap; got != "turnpike-system/"+c.offer {
				t.Errorf("Middleware routesConfigMap = %s, want turnpike-system/%s", got, c.offer)
			}
		})
	}
}

func TestShardLimits(t *testing.T) {
	if ShardLimitBytes+len("routes.json") != 1<<20 {
		t.Errorf("limit %d plus the key is not the API server's 1 MiB", ShardLimitBytes)
	}
	cases := []struct {
		desc            string
		set             int
		wantLim, wantWa int
	}{
		{desc: "default", set: 0, wantLim: ShardLimitBytes, wantWa: ShardLimitBytes / 5 * 4},
		{desc: "lowered", set: 1000, wantLim: 1000, wantWa: 800},
		{desc: "cannot be raised above what the API server takes", set: 2 << 20, wantLim: ShardLimitBytes, wantWa: ShardLimitBytes / 5 * 4},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := Settings{RoutesShardLimitBytes: c.set}
			if s.ShardLimit() != c.wantLim || s.ShardWarn() != c.wantWa {
				t.Fatalf("limit %d warn %d, want %d %d", s.ShardLimit(), s.ShardWarn(), c.wantLim, c.wantWa)
			}
		})
	}
}
