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
		Help: "Generation of the routes document the controller last wrote or confirmed.",
	})
	routesOffers = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "turnpike_controller_routes_offers",
		Help: "Offers in the routes document, by state (active, draining).",
	}, []string{"state"})
)

func init() {
	metrics.Registry.MustRegister(routesGeneration, routesOffers)
}
