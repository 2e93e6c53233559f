package offers

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Controller metrics, served with controller-runtime's on the metrics listener. The
// routes generation can be compared with the generation every gate exports, to see
// which Traefik replicas lag behind.
var (
	routesGeneration = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_generation",
		Help: "Generation of the routes document the controller last wrote or confirmed (with shards: of the shard it last touched).",
	})
	routesOffers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_offers",
		Help: "Offers in the routes document (every shard), by state (active, draining).",
	}, []string{"state"})
	// Per routes ConfigMap (one, or one per shard): alert on the fill ratio above 0.8,
	// before offers joining a full shard are refused.
	routesShardGeneration = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_shard_generation",
		Help: "Generation of the routes document in each routes ConfigMap, as last written or confirmed.",
	}, []string{"configmap"})
	routesShardBytes = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_shard_bytes",
		Help: "Size of the routes document in each routes ConfigMap (or of the one refused for being too large).",
	}, []string{"configmap"})
	routesShardFill = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_shard_fill_ratio",
		Help: "Size of each routes ConfigMap's document over the most a ConfigMap holds; above 1 it was refused.",
	}, []string{"configmap"})
)

func init() {
	metrics.Registry.MustRegister(routesGeneration, routesOffers, routesShardGeneration, routesShardBytes, routesShardFill)
}
