package compiledtests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
	asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	local = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
	payer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

func doc(gen int64, names ...string) routes.Document {
	d := routes.Document{Schema: routes.Schema, Generation: gen}
	for _, n := range names {
		d.Offers = append(d.Offers, routes.Offer{Namespace: "expfmt", Name: n, State: routes.StateActive, PathPrefix: "/" + n,
			Payments: []routes.Payment{
				{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: asset, PayTo: payTo, MaxTimeoutSeconds: 60,
					EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6},
				{Scheme: "exact", Network: "eip155:31337", Amount: "7", Asset: local, PayTo: payTo, MaxTimeoutSeconds: 60,
					EIP712Name: "T", EIP712Version: "1", AssetDecimals: 18},
			}})
	}
	return d
}

func write(t *testing.T, path string, d routes.Document) {
	t.Helper()
	raw, _ := json.Marshal(d)
	if err := os.WriteFile(path+".tmp", raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

func parse(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	var b bytes.Buffer
	if err := plugin.WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, b.String())
	}
	return fams
}

func labelNames(m *dto.Metric) string {
	var names []string
	for _, l := range m.GetLabel() {
		names = append(names, l.GetName())
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// TestMetricsExposition drives a gate through its public API and checks the
// exposition with Prometheus' own parser: family names and types, the exact label
// sets the recording rules use, values, and pruning on reload.
func TestMetricsExposition(t *testing.T) {
	fac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/verify" {
			fmt.Fprintf(w, `{"isValid":true,"payer":%q}`, payer)
			return
		}
		fmt.Fprintf(w, `{"success":true,"transaction":"0x01","network":"eip155:84532","payer":%q}`, payer)
	}))
	defer fac.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, routes.DataKey)
	write(t, file, doc(1, "alpha", "beta"))
	cfg := plugin.CreateConfig()
	cfg.Offer = "expfmt/alpha"
	cfg.RoutesFile = file
	cfg.FacilitatorURL = fac.URL
	cfg.PollIntervalMs = 20
	cfg.MetricsAddress = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	h, err := plugin.New(ctx, ok, cfg, "expfmt@file")
	if err != nil {
		t.Fatal(err)
	}
	do := func(hdr string) int {
		req := httptest.NewRequest("GET", "http://h/alpha/x", nil)
		if hdr != "" {
			req.Header.Set(x402.HeaderPaymentSignature, hdr)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	deadline := time.Now().Add(5 * time.Second)
	for do("") != 402 {
		if time.Now().After(deadline) {
			t.Fatal("routes never loaded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	now := time.Now().Unix()
	extra, _ := json.Marshal(x402.EIP712Extra{Name: "USDC", Version: "2"})
	pay, _ := x402.EncodeHeader(x402.PaymentPayload{X402Version: 2,
		Accepted: &x402.Requirements{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: asset, PayTo: payTo, MaxTimeoutSeconds: 60, Extra: extra},
		Payload: x402.ExactEVMPayload{Signature: "0x00", Authorization: x402.Authorization{From: payer, To: payTo, Value: "10000",
			ValidAfter: fmt.Sprint(now - 60), ValidBefore: fmt.Sprint(now + 60), Nonce: "0x" + strings.Repeat("42", 32)}}})
	if code := do(pay); code != 200 {
		t.Fatalf("paid request: %d", code)
	}
	if code := do("!!!"); code != 400 {
		t.Fatalf("bad header: %d", code)
	}

	fams := parse(t)
	offerLabels := "asset_symbol,chain,offer_name,offer_namespace"
	want := map[string]struct {
		typ    dto.MetricType
		labels string
	}{
		"turnpike_requests_total":                         {dto.MetricType_COUNTER, offerLabels},
		"turnpike_payment_required_total":                 {dto.MetricType_COUNTER, offerLabels},
		"turnpike_payment_verified_total":                 {dto.MetricType_COUNTER, offerLabels},
		"turnpike_payment_failed_total":                   {dto.MetricType_COUNTER, offerLabels + ",reason"},
		"turnpike_charged_requests_total":                 {dto.MetricType_COUNTER, offerLabels},
		"turnpike_charged_amount_atomic_total":            {dto.MetricType_COUNTER, offerLabels},
		"turnpike_charged_amount_total":                   {dto.MetricType_COUNTER, offerLabels},
		"turnpike_last_payment_success_timestamp_seconds": {dto.MetricType_GAUGE, offerLabels},
		"turnpike_facilitator_request_duration_seconds":   {dto.MetricType_HISTOGRAM, offerLabels + ",operation"},
		"turnpike_routes_generation":                      {dto.MetricType_GAUGE, "source"},
		"turnpike_routes_loaded":                          {dto.MetricType_GAUGE, "source"},
	}
	for name, w := range want {
		f := fams[name]
		if f == nil {
			t.Errorf("family %s missing", name)
			continue
		}
		if f.GetType() != w.typ {
			t.Errorf("%s has type %s, want %s", name, f.GetType(), w.typ)
		}
		for _, m := range f.GetMetric() {
			if got := labelNames(m); got != w.labels {
				t.Errorf("%s labels %s, want %s", name, got, w.labels)
			}
		}
	}
	value := func(name, offer, chain string) float64 {
		for _, m := range fams[name].GetMetric() {
			l := labels(m)
			if l["offer_name"] == offer && l["chain"] == chain {
				switch {
				case m.Counter != nil:
					return m.GetCounter().GetValue()
				case m.Gauge != nil:
					return m.GetGauge().GetValue()
				case m.Histogram != nil:
					return float64(m.GetHistogram().GetSampleCount())
				}
			}
		}
		t.Fatalf("no %s for %s/%s", name, offer, chain)
		return 0
	}
	checks := []struct {
		name, offer, chain string
		want               float64
	}{
		{"turnpike_payment_required_total", "alpha", "eip155:84532", 1},
		{"turnpike_requests_total", "alpha", "eip155:84532", 3},
		{"turnpike_payment_verified_total", "alpha", "eip155:84532", 1},
		{"turnpike_charged_requests_total", "alpha", "eip155:84532", 1},
		{"turnpike_charged_amount_atomic_total", "alpha", "eip155:84532", 10000},
		{"turnpike_charged_amount_total", "alpha", "eip155:84532", 0.01},
		{"turnpike_charged_amount_total", "alpha", "eip155:31337", 0},
		{"turnpike_requests_total", "beta", "eip155:84532", 0},
	}
	for _, c := range checks {
		if got := value(c.name, c.offer, c.chain); got != c.want {
			t.Errorf("%s{%s,%s} = %v, want %v", c.name, c.offer, c.chain, got, c.want)
		}
	}
	if ts := value("turnpike_last_payment_success_timestamp_seconds", "alpha", "eip155:84532"); ts < float64(now-5) {
		t.Errorf("last payment timestamp %v", ts)
	}
	for _, m := range fams["turnpike_charged_amount_total"].GetMetric() {
		if l := labels(m); l["chain"] == "eip155:31337" && l["asset_symbol"] != "unknown" {
			t.Errorf("empty symbol exported as %q, want unknown", l["asset_symbol"])
		}
	}
	// Every failure reason exists from the start (at 0, so increase() sees the first
	// one); only the bad header was counted.
	for _, m := range fams["turnpike_payment_failed_total"].GetMetric() {
		if l := labels(m); l["reason"] != "invalid_payment_header" && m.GetCounter().GetValue() != 0 {
			t.Errorf("unexpected failure reason %q counted %v", l["reason"], m.GetCounter().GetValue())
		}
	}

	// Over HTTP, as Prometheus scrapes it.
	addr := plugin.MetricsListenerAddr("127.0.0.1:0")
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := p.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
		t.Fatalf("scraped exposition: %v", err)
	}

	// beta leaves the document: its series are pruned, alpha's stay.
	write(t, file, doc(2, "alpha"))
	deadline = time.Now().Add(5 * time.Second)
	for {
		fams = parse(t)
		gone := true
		for _, m := range fams["turnpike_requests_total"].GetMetric() {
			if labels(m)["offer_name"] == "beta" {
				gone = false
			}
		}
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("series of a removed offer were not pruned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := value("turnpike_charged_requests_total", "alpha", "eip155:84532"); got != 1 {
		t.Fatalf("alpha's counter changed across a reload: %v", got)
	}
}
