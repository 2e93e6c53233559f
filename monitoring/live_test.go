package monitoring

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/demo"
)

// TestLiveRulesAgainstGate runs the real gate in two processes (this one and a helper,
// each a demo stack: dev chain, facilitator, gate and upstream on loopback, serving the
// same offer on the same chain id, like two Traefik replicas), has a real Prometheus
// scrape both gates' metrics listeners with rules.yaml loaded, makes paid requests
// through each and checks that the recording rules report the total number of charged
// requests for the offer and its chain.
func TestLiveRulesAgainstGate(t *testing.T) {
	const paidHere, paidThere, total = 3, 2, 5
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	other := startGateProcess(t)
	st, err := demo.Start(ctx, demo.Options{Out: io.Discard, Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start demo stack: %v", err)
	}
	defer st.Close()
	var targets []string
	for _, u := range []string{st.MetricsURL, other.metricsURL} {
		mu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, mu.Host)
	}
	prom := startPrometheus(t, targets...)

	offer := `offer_namespace="` + demo.OfferNamespace + `",offer_name="` + demo.OfferName + `"`
	// The gate creates the offer's series at 0 when it loads the routes; increase() can
	// only count the payments if Prometheus saw that 0 before them, so wait for two
	// scrapes of each gate.
	prom.waitFor(ctx, t, `count_over_time(turnpike_charged_requests_total{`+offer+`}[1m]) >= 2`, 30*time.Second,
		func(s []sample) bool { return len(s) == len(targets) })
	before, err := prom.query(ctx, `turnpike_charged_requests_total{`+offer+`}`)
	if err != nil || len(before) != len(targets) {
		t.Fatalf("charged counters before paying = %v (err %v), want one series per gate", before, err)
	}
	chain := before[0].Labels["chain"]
	for _, s := range before {
		if s.Value != 0 || s.Labels["chain"] != chain || chain == "" || s.Labels["asset_symbol"] == "" {
			t.Fatalf("gate series before paying: %v", before)
		}
	}

	rep, err := st.RunScript(ctx, paidHere)
	if err != nil {
		t.Fatalf("demo script: %v", err)
	}
	if rep.Charged == nil || rep.Charged.Int64() != paidHere {
		t.Fatalf("gate counted %v charged requests, want %d", rep.Charged, paidHere)
	}
	if got := other.pay(t, paidThere); got != paidThere {
		t.Fatalf("second gate counted %d charged requests, want %d", got, paidThere)
	}

	sel := `{` + offer + `,chain="` + chain + `"}`
	// increase() extrapolates to the evaluation time: the raw value is the true count
	// times (1 + up to 1.1 scrape intervals / the sampled span), so it is never below
	// the count and converges to it as the span grows. Wait until it rounds to the count.
	got := prom.waitFor(ctx, t, `x402:revenue:24h_by_offer_chain`+sel, 60*time.Second,
		func(s []sample) bool { return len(s) == 1 && s[0].Value >= total && s[0].Value < total+0.5 })
	t.Logf("x402:revenue:24h_by_offer_chain%s = %v after %d paid requests over %d gates", sel, got[0].Value, total, len(targets))
	cases := []struct {
		desc, query string
		ok          func(float64) bool
	}{
		{"7d revenue by offer and chain", `round(x402:revenue:7d_by_offer_chain` + sel + `)`, func(v float64) bool { return v == total }},
		{"7d revenue by offer", `round(x402:revenue:7d_by_offer{` + offer + `})`, func(v float64) bool { return v == total }},
		{"24h revenue by asset symbol", `round(sum(x402:revenue:24h_by_offer_chain_asset_symbol` + sel + `))`, func(v float64) bool { return v == total }},
		{"charged amount in token units", `sum(x402:charged_amount:24h_by_offer_chain_asset_symbol` + sel + `)`, func(v float64) bool { return v > 0 }},
		{"settlement rate is a share", `x402:settlement_rate:1h_by_offer_chain` + sel, func(v float64) bool { return v > 0 && v <= 1 }},
		{"last payment is recent", `x402:last_payment_age_seconds:by_offer_chain` + sel, func(v float64) bool { return v >= 0 && v < 120 }},
		{"facilitator latency recorded", `count(x402:facilitator_request_duration_seconds:p95_5m_by_operation_chain{chain="` + chain + `"})`, func(v float64) bool { return v == 2 }},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			prom.waitFor(ctx, t, c.query, 20*time.Second, func(s []sample) bool {
				return len(s) == 1 && c.ok(s[0].Value)
			})
		})
	}

	// Every dashboard query is valid PromQL for this Prometheus.
	t.Run("dashboard queries", func(t *testing.T) {
		vars := regexp.MustCompile(`\$(offer_namespace|offer_name|chain)\b`)
		for _, q := range dashboardQueries(t) {
			q = strings.ReplaceAll(q, "$__rate_interval", "1m")
			q = vars.ReplaceAllString(q, ".*")
			if _, err := prom.query(ctx, q); err != nil {
				t.Errorf("dashboard query fails: %v", err)
			}
		}
	})
}
