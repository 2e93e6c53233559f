package render

import (
	"strconv"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// Routes shards. One ConfigMap holds at most 1 MiB, about 1,100 to 1,650 simple offers:
// with RoutesShards > 1 the controller splits the routes document over that many
// ConfigMaps, <RoutesConfigMapName>-0 … -<N-1>, and each offer's Middleware names the
// one holding its entry, so a gate parses only its own shard. Each shard is a complete
// routes document (same schema, its own generation), so a gate needs no new code to
// read one, and every guarantee of the single document holds per shard.
//
// The shard is a stable hash of "namespace/name" (FNV-1a, fixed by its spec, not by the
// Go release), so it depends on nothing but the offer's identity and N: an offer never
// moves while N stays, and no index of who lives where has to be stored.

// ShardIndex returns which of n shards holds the offer "namespace/name"; 0 when n <= 1.
func ShardIndex(key string, n int) int {
	if n <= 1 {
		return 0
	}
	return int(fnv32(key) % uint32(n))
}

// ShardName is the name of shard i of n of the routes ConfigMap called base: base
// itself when the document is not sharded, so single-document deployments keep their
// ConfigMap, RBAC and Middlewares.
func ShardName(base string, n, i int) string {
	if n <= 1 {
		return base
	}
	return base + "-" + strconv.Itoa(i)
}

// RoutesShards is the number of routes ConfigMaps (at least 1).
func (s Settings) RoutesShards() int {
	if s.RoutesShardCount < 1 {
		return 1
	}
	return s.RoutesShardCount
}

// RoutesConfigMapOf is the name of the routes ConfigMap (in RoutesConfigMapNamespace)
// holding the offer "namespace/name".
func (s Settings) RoutesConfigMapOf(namespace, name string) string {
	n := s.RoutesShards()
	return ShardName(s.RoutesConfigMapName, n, ShardIndex(namespace+"/"+name, n))
}

// RoutesConfigMaps lists every routes ConfigMap name, shard 0 first (what the gates'
// RBAC rule must name).
func (s Settings) RoutesConfigMaps() []string {
	n := s.RoutesShards()
	out := make([]string, n)
	for i := range out {
		out[i] = ShardName(s.RoutesConfigMapName, n, i)
	}
	return out
}

// ShardLimitBytes is the most a shard's document may weigh: the API server refuses a
// ConfigMap whose keys and values add up to more than 1 MiB, and the gate refuses a
// document above routes.MaxDocumentBytes.
const ShardLimitBytes = routes.MaxDocumentBytes - len(routes.DataKey)

// ShardLimit is the most one routes ConfigMap's document may weigh.
func (s Settings) ShardLimit() int {
	if s.RoutesShardLimitBytes > 0 && s.RoutesShardLimitBytes < ShardLimitBytes {
		return s.RoutesShardLimitBytes
	}
	return ShardLimitBytes
}

// ShardWarn is where the controller starts warning that a routes ConfigMap fills up:
// 80 % of ShardLimit, early enough to raise the shard count before offers are refused.
func (s Settings) ShardWarn() int { return s.ShardLimit() / 5 * 4 }
