package plugin

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

func metricsDoc(gen int64, names ...string) *routes.Document {
	doc := &routes.Document{Schema: routes.Schema, Generation: gen}
	for _, n := range names {
		doc.Offers = append(doc.Offers, routes.Offer{Namespace: "metrics", Name: n, State: routes.StateActive, PathPrefix: "/m/" + n,
			Payments: []routes.Payment{basePayment(), localPayment()}})
	}
	return doc
}

func scrape(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMetricsCountOutcomes(t *testing.T) {
	tg := newTestGate(t, metricsDoc(1, "count"), func(c *Config) {
		c.Offer = "metrics/count"
		c.MetricsAddress = "127.0.0.1:0"
	})
	pay := func() map[string]string {
		return map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))}
	}
	tg.do("GET", "http://h/m/count/a", nil)                                                                                                 // 402
	tg.do("GET", "http://h/m/count/a", pay())                                                                                               // charged
	tg.do("GET", "http://h/m/count/a", map[string]string{x402.HeaderPaymentSignature: "%%%"})                                               // invalid header
	tg.fac.set("invalid", "ok")                                                                                                             //
	tg.do("GET", "http://h/m/count/a", pay())                                                                                               // payment_invalid
	tg.fac.set("ok", "ok")                                                                                                                  //
	tg.do("GET", "http://h/m/count/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(localPayment())))}) // charged on the local chain

	lbl := `offer_namespace="metrics",offer_name="count",chain="eip155:84532",asset_symbol="USDC"`
	local := `offer_namespace="metrics",offer_name="count",chain="eip155:31337",asset_symbol="unknown"`
	text := scrape(t)
	for _, want := range []string{
		"# TYPE turnpike_requests_total counter",
		"turnpike_requests_total{" + lbl + "} 5",
		"turnpike_payment_required_total{" + lbl + "} 1",
		"turnpike_payment_verified_total{" + lbl + "} 1",
		"turnpike_payment_failed_total{" + lbl + `,reason="invalid_payment_header"} 1`,
		"turnpike_payment_failed_total{" + lbl + `,reason="payment_invalid"} 1`,
		"turnpike_charged_requests_total{" + lbl + "} 1",
		"turnpike_charged_amount_atomic_total{" + lbl + "} 10000",
		"turnpike_charged_amount_total{" + lbl + "} 0.01",
		"turnpike_charged_amount_total{" + local + "} 0.0025",
		"turnpike_last_payment_success_timestamp_seconds{" + lbl + "} 1767225600",
		"# TYPE turnpike_facilitator_request_duration_seconds histogram",
		"turnpike_facilitator_request_duration_seconds_count{" + lbl + `,operation="verify"} 2`,
		"turnpike_facilitator_request_duration_seconds_count{" + lbl + `,operation="settle"} 1`,
		"turnpike_facilitator_request_duration_seconds_bucket{" + lbl + `,operation="settle",le="+Inf"} 1`,
		`turnpike_routes_generation{source="file:` + tg.file + `"} 1`,
		`turnpike_routes_loaded{source="file:` + tg.file + `"} 1`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}

	addr := MetricsListenerAddr("127.0.0.1:0")
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "turnpike_requests_total{"+lbl+"} 5") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("listener: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// The offer leaves the document: its series go.
	writeDoc(t, tg.file, metricsDoc(2, "other"))
	waitFor(t, "generation 2", func() bool { return tg.g.loader.table().generation == 2 })
	text = scrape(t)
	if strings.Contains(text, `offer_name="count"`) {
		t.Errorf("series of a removed offer were not pruned")
	}
	if !strings.Contains(text, `turnpike_requests_total{offer_namespace="metrics",offer_name="other",chain="eip155:84532",asset_symbol="USDC"} 0`) {
		t.Errorf("series of the new offer missing")
	}
}

func TestFailureReasonsExistAtZero(t *testing.T) {
	tg := newTestGate(t, metricsDoc(1, "fresh"), func(c *Config) { c.Offer = "metrics/fresh" })
	labels := []struct {
		desc string
		lbl  string
	}{
		{desc: "first payment option", lbl: `offer_namespace="metrics",offer_name="fresh",chain="eip155:84532",asset_symbol="USDC"`},
		{desc: "second payment option", lbl: `offer_namespace="metrics",offer_name="fresh",chain="eip155:31337",asset_symbol="unknown"`},
	}
	text := scrape(t)
	for _, l := range labels {
		for _, r := range failureReasons {
			want := "turnpike_payment_failed_total{" + l.lbl + `,reason="` + r + `"} 0`
			if !strings.Contains(text, want+"\n") {
				t.Errorf("%s: before any request, metrics lack %q", l.desc, want)
			}
		}
	}
	// The first failure moves its reason from 0 to 1 and leaves the others at 0.
	tg.do("GET", "http://h/m/fresh/a", map[string]string{x402.HeaderPaymentSignature: "%%%"})
	text = scrape(t)
	for _, want := range []string{
		"turnpike_payment_failed_total{" + labels[0].lbl + `,reason="invalid_payment_header"} 1`,
		"turnpike_payment_failed_total{" + labels[0].lbl + `,reason="settlement_failed"} 0`,
		"turnpike_payment_failed_total{" + labels[1].lbl + `,reason="invalid_payment_header"} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("after one failure, metrics lack %q", want)
		}
	}
}
