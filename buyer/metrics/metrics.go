// Package metrics is the buyer's Prometheus instrumentation, on its own registry so
// the sidecar exposes only its own series. Every family is labelled
// upstream, remote_model, chain (CAIP-2).
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var labels = []string{"upstream", "remote_model", "chain"}

// Metrics holds the buyer's families.
type Metrics struct {
	Registry *prometheus.Registry

	Requests               *prometheus.CounterVec
	PaymentAttempts        *prometheus.CounterVec
	PaymentSuccess         *prometheus.CounterVec
	PaymentFailure         *prometheus.CounterVec
	PaymentFailureReasons  *prometheus.CounterVec
	UnsettledConfirmations *prometheus.CounterVec
	StateWriteFailures     prometheus.Counter
	ReloadFailures         prometheus.Counter
	AuthRemaining          *prometheus.GaugeVec
	AuthSpent              *prometheus.GaugeVec
	AuthHeld               *prometheus.GaugeVec
}

// New registers every family on a fresh registry (plus Go and process collectors).
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counter := func(name, help string, extra ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "turnpike_buyer_" + name, Help: help}, append(append([]string(nil), labels...), extra...))
		r.MustRegister(c)
		return c
	}
	gauge := func(name, help string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "turnpike_buyer_" + name, Help: help}, labels)
		r.MustRegister(g)
		return g
	}
	m := &Metrics{
		Registry:               r,
		Requests:               counter("requests_total", "Requests routed to an upstream."),
		PaymentAttempts:        counter("payment_attempts_total", "Paid retries sent to a seller."),
		PaymentSuccess:         counter("payment_success_total", "Paid retries the seller answered below 400."),
		PaymentFailure:         counter("payment_failure_total", "Paid requests that did not succeed (rejected, transport error, no usable authorization)."),
		PaymentFailureReasons:  counter("payment_failure_reasons_total", "Payment failures by stable reason code.", "reason"),
		UnsettledConfirmations: counter("payment_unsettled_confirmations_total", "Paid answers below 400 without a successful settlement receipt."),
		AuthRemaining:          gauge("auth_remaining", "Pre-signed authorizations still usable."),
		AuthSpent:              gauge("auth_spent", "Authorizations recorded as spent or possibly spent (held)."),
		AuthHeld:               gauge("auth_held", "Authorizations sent or being sent without a recorded answer."),
	}
	m.StateWriteFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "turnpike_buyer_state_write_failures_total", Help: "Durable state writes that failed (the payment was not sent)."})
	m.ReloadFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "turnpike_buyer_reload_failures_total", Help: "Config or auths reloads refused (the last good config stays)."})
	r.MustRegister(m.StateWriteFailures, m.ReloadFailures)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Pool is one upstream's gauge values.
type Pool struct {
	Upstream, RemoteModel, Chain string
	Remaining, Spent, Held       int
}

// SetPools replaces the pool gauges, so upstreams removed by a reload disappear.
func (m *Metrics) SetPools(pools []Pool) {
	m.AuthRemaining.Reset()
	m.AuthSpent.Reset()
	m.AuthHeld.Reset()
	for _, p := range pools {
		m.AuthRemaining.WithLabelValues(p.Upstream, p.RemoteModel, p.Chain).Set(float64(p.Remaining))
		m.AuthSpent.WithLabelValues(p.Upstream, p.RemoteModel, p.Chain).Set(float64(p.Spent + p.Held))
		m.AuthHeld.WithLabelValues(p.Upstream, p.RemoteModel, p.Chain).Set(float64(p.Held))
	}
}
