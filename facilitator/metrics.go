package facilitator

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	rejections *prometheus.CounterVec
	broadcasts *prometheus.CounterVec
	shared     prometheus.Counter
	claims     *prometheus.CounterVec
	liveClaims prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, chains []Chain, store Store) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "turnpike_facilitator_requests_total",
			Help: "Verify and settle requests by endpoint and outcome (valid, invalid, success, failed, pending).",
		}, []string{"endpoint", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "turnpike_facilitator_request_duration_seconds",
			Help:    "Time to answer verify and settle requests.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30},
		}, []string{"endpoint"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "turnpike_facilitator_rejections_total",
			Help: "Refused verifies and failed settles by x402 reason code.",
		}, []string{"endpoint", "reason"}),
		broadcasts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "turnpike_facilitator_broadcasts_total",
			Help: "transferWithAuthorization transactions broadcast, by chain id.",
		}, []string{"chain_id"}),
		shared: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "turnpike_facilitator_settle_shared_total",
			Help: "Settles answered from another settle of the same authorization (in flight or remembered) instead of a new broadcast.",
		}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "turnpike_facilitator_claims_total",
			Help: "turnpike-claim decisions: claimed, reclaimed_same_attempt, refused_claimed, refused_settled, released, expired (lapsed at validBefore, never broadcast).",
		}, []string{"outcome"}),
		liveClaims: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "turnpike_facilitator_claims_live",
			Help: "Authorizations held by a claim or a broadcast whose outcome is open, counted at the last prune.",
		}),
	}
	for _, o := range []string{"claimed", "reclaimed_same_attempt", "refused_claimed", "refused_settled", "released", "expired"} {
		m.claims.WithLabelValues(o)
	}
	records := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "turnpike_facilitator_claim_store_records",
		Help: "Records in the claim store (claims, broadcasts, settled answers kept for idempotent replies).",
	}, func() float64 { return float64(store.Len()) })
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.rejections, m.broadcasts, m.shared, m.claims, m.liveClaims, records, newRelayerCollector(chains)} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register facilitator metrics: %w", err)
		}
	}
	return m, nil
}

// relayerCollector reads each relayer's gas balance at scrape time, so an alert can
// fire before settlements start failing for lack of gas.
type relayerCollector struct {
	chains []Chain
	desc   *prometheus.Desc
}

func newRelayerCollector(chains []Chain) *relayerCollector {
	return &relayerCollector{chains: chains, desc: prometheus.NewDesc(
		"turnpike_facilitator_relayer_balance_wei",
		"Native balance of the relayer account that pays settlement gas, read at scrape time.",
		[]string{"chain_id", "relayer"}, nil)}
}

func (c *relayerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *relayerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, chain := range c.chains {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		bal, err := chain.RelayerBalance(ctx)
		cancel()
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.desc, err)
			continue
		}
		f, _ := new(big.Float).SetInt(bal).Float64()
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, f, chain.ChainID().String(), chain.Relayer().Hex())
	}
}

func (m *metrics) observe(endpoint, outcome string, start time.Time) {
	m.requests.WithLabelValues(endpoint, outcome).Inc()
	m.duration.WithLabelValues(endpoint).Observe(time.Since(start).Seconds())
}
