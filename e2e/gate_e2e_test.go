//go:build e2e

package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// The gate's poll interval in these tests; a routes change must be in force within it
// (plus Traefik-independent slack for a loaded CI machine).
const (
	pollInterval = 200 * time.Millisecond
	reloadSlack  = 2 * time.Second
)

// gateSetup is one Traefik with the gate in front of an upstream.
type gateSetup struct {
	tr      *traefiktest.Traefik
	up      *upstream
	cm      *configMapDir
	metrics string // base URL of the plugin's metrics listener
	gate    map[string]any
}

// gateConfig is the middleware configuration the tests use.
func gateConfig(cm *configMapDir, facilitatorURL, metricsAddr string) map[string]any {
	return map[string]any{
		"offer":          "shop/api",
		"routesFile":     cm.Path(routes.DataKey),
		"facilitatorURL": facilitatorURL,
		"pollIntervalMs": int(pollInterval / time.Millisecond),
		"metricsAddress": metricsAddr,
		"payerHeader":    "X-Turnpike-Payer",
	}
}

// gatedOffer is one offer of a stack with several: its own gate instance, paying
// through facilitatorURL, behind the router PathPrefix(offer.PathPrefix).
type gatedOffer struct {
	offer          routes.Offer
	facilitatorURL string
}

// startOffers writes the offers into one routes document, starts Traefik with a gate
// and a router per offer in front of upstreamURL, and returns once every offer
// answers <prefix>/probe with 402.
func startOffers(t *testing.T, upstreamURL string, offers ...gatedOffer) *traefiktest.Traefik {
	t.Helper()
	cm := newConfigMapDir(t)
	metricsAddr := testutil.FreeAddr(t)
	dyn := newDyn().Service("up", upstreamURL)
	doc := make([]routes.Offer, 0, len(offers))
	for _, g := range offers {
		doc = append(doc, g.offer)
		conf := gateConfig(cm, g.facilitatorURL, metricsAddr)
		conf["offer"] = g.offer.Key()
		mw := "x402-" + g.offer.Name
		dyn = dyn.Plugin(mw, turnpikePlugin, conf).Router(g.offer.Name, "PathPrefix(`"+g.offer.PathPrefix+"`)", "up", 0, mw)
	}
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, doc...)})
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map()})
	tr.WaitRoute(t, offers[0].offer.PathPrefix+"/probe", 30*time.Second)
	testutil.Eventually(t, reloadSlack, "routes loaded", func() string {
		for _, g := range offers {
			p := g.offer.PathPrefix + "/probe"
			if a := get(t, tr.URL(p)); a.Status != http.StatusPaymentRequired {
				return p + ": " + a.String()
			}
		}
		return ""
	})
	return tr
}

// assertGatedPrefixDropped gives Traefik time to switch in a configuration whose
// gate failed to build, and checks that the gated prefix then answers 404 and is
// never served without the gate.
func assertGatedPrefixDropped(t *testing.T, g *gateSetup, router string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	saw404 := false
	for time.Now().Before(deadline) {
		a := get(t, g.tr.URL("/api/item"))
		switch a.Status {
		case http.StatusOK:
			t.Fatalf("gated path served without the gate: %s", a)
		case http.StatusNotFound:
			saw404 = true
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !saw404 {
		t.Errorf("%s was not dropped (no 404 seen)", router)
	}
}

// startGate starts Traefik with the gate on PathPrefix(/api) in front of a fresh
// upstream. extra may add routers (e.g. an overlapping one).
func startGate(t *testing.T, facilitatorURL string, cm *configMapDir, extra func(d *dynConfig, up *upstream)) *gateSetup {
	t.Helper()
	up := newUpstream(t)
	metricsAddr := testutil.FreeAddr(t)
	g := &gateSetup{up: up, cm: cm, metrics: "http://" + metricsAddr, gate: gateConfig(cm, facilitatorURL, metricsAddr)}
	dyn := g.dynamic(nil)
	if extra != nil {
		extra(dyn, up)
	}
	g.tr = traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map()})
	g.tr.WaitRoute(t, "/api/probe", 30*time.Second)
	return g
}

// dynamic returns the base dynamic configuration (gate router), with gate config
// overrides.
func (g *gateSetup) dynamic(override map[string]any) *dynConfig {
	conf := map[string]any{}
	for k, v := range g.gate {
		conf[k] = v
	}
	for k, v := range override {
		conf[k] = v
	}
	return newDyn().
		Plugin("x402", turnpikePlugin, conf).
		Service("up", g.up.URL).
		Router("paid", "PathPrefix(`/api`)", "up", 0, "x402")
}

// waitLoaded waits until the gate serves its routes document (a 402 on /api/item).
func (g *gateSetup) waitLoaded(t *testing.T) {
	t.Helper()
	testutil.Eventually(t, pollInterval+reloadSlack, "routes document loaded", func() string {
		if a := get(t, g.tr.URL("/api/item")); a.Status != http.StatusPaymentRequired {
			return a.String()
		}
		return ""
	})
}

// shopOffer is the offer the tests serve: everything under /api is charged price,
// /api/free/* is free and /api/sse/* settles before the upstream is called.
func shopOffer(pay routes.Payment) routes.Offer {
	return routes.Offer{
		Namespace: "shop", Name: "api", State: routes.StateActive, PathPrefix: "/api",
		Description: "premium content", MimeType: "application/json",
		Payments: []routes.Payment{pay},
		Paths: []routes.PathRule{
			// Patterns are relative to PathPrefix.
			{Pattern: "/free/*", Free: true},
			{Pattern: "/sse/*", Settlement: routes.SettleBefore, MimeType: "text/event-stream"},
			{Pattern: "/*"},
		},
	}
}

// challenge checks a 402 answer's two forms and returns the v2 object and v1 body.
func challenge(t testing.TB, a answer) (x402.PaymentRequired, x402.PaymentRequiredV1) {
	t.Helper()
	if a.Status != http.StatusPaymentRequired {
		t.Fatalf("want 402, got %s", a)
	}
	var v2 x402.PaymentRequired
	must(t, x402.DecodeHeader(a.Header.Get(x402.HeaderPaymentRequired), 0, &v2), "decode PAYMENT-REQUIRED")
	if v2.X402Version != 2 || len(v2.Accepts) == 0 {
		t.Fatalf("PAYMENT-REQUIRED is not a v2 challenge: %+v", v2)
	}
	var v1 x402.PaymentRequiredV1
	must(t, jsonUnmarshal(a.Body, &v1), "402 body is not JSON: %s", a.Body)
	if v1.X402Version != 1 {
		t.Fatalf("402 body x402Version %d, want 1 (v1 clients read the body): %s", v1.X402Version, a.Body)
	}
	return v2, v1
}

// TestGateRoutesDocument follows a routes document through its life as the kubelet
// delivers it: absent at start (503, never a pass-through), published, swapped with a
// new price, corrupted (last good kept) and refused for an unknown schema.
func TestGateRoutesDocument(t *testing.T) {
	cm := newConfigMapDir(t)
	fac := serve(t, &instantFacilitator{}) // never reached: no payment is sent here
	g := startGate(t, fac, cm, nil)

	t.Run("no document at start: 503 with a reason, upstream untouched", func(t *testing.T) {
		for _, path := range []string{"/api/item", "/api/free/x", "/api/sse/x"} {
			a := get(t, g.tr.URL(path))
			if a.Status != http.StatusServiceUnavailable {
				t.Errorf("%s: %s, want 503", path, a)
			}
			if reasonIn(a.Body) == "" {
				t.Errorf("%s: 503 without a reason code: %s", path, a.Body)
			}
		}
		if n := g.up.Hits(); n != 0 {
			t.Fatalf("upstream reached %d times without a routes document", n)
		}
		a := get(t, g.metrics+"/readyz")
		if a.Status != http.StatusServiceUnavailable {
			t.Errorf("readyz without a document: %s, want 503", a)
		}
	})

	price := func(amount string) routes.Payment {
		return payment("eip155:84532", benchAsset, benchPayTo, amount, "USDC", "2")
	}
	amountNow := func() string {
		a := get(t, g.tr.URL("/api/item"))
		if a.Status != http.StatusPaymentRequired {
			return a.String()
		}
		v2, _ := challenge(t, a)
		return v2.Accepts[0].Amount
	}
	waitPrice := func(t *testing.T, want string) time.Duration {
		return testutil.Eventually(t, pollInterval+reloadSlack, "price "+want+" in force", func() string {
			if got := amountNow(); got != want {
				return "challenge asks " + got
			}
			return ""
		})
	}

	t.Run("document published: 402 with both challenge forms", func(t *testing.T) {
		cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(price("1000")))})
		took := waitPrice(t, "1000")
		t.Logf("first document in force after %v", took)
		a := get(t, g.tr.URL("/api/item?q=1"))
		v2, v1 := challenge(t, a)
		want := []struct{ desc, got, want string }{
			{"v2 network", v2.Accepts[0].Network, "eip155:84532"},
			{"v2 payTo", strings.ToLower(v2.Accepts[0].PayTo), strings.ToLower(benchPayTo)},
			{"v2 asset", strings.ToLower(v2.Accepts[0].Asset), strings.ToLower(benchAsset)},
			{"v2 resource ends with the request URI", strconv.FormatBool(strings.HasSuffix(v2.Resource.URL, "/api/item?q=1")), "true"},
			{"v1 network name", firstV1(v1).Network, "base-sepolia"},
			{"v1 maxAmountRequired", firstV1(v1).MaxAmountRequired, "1000"},
			{"v1 resource ends with the request URI", strconv.FormatBool(strings.HasSuffix(firstV1(v1).Resource, "/api/item?q=1")), "true"},
		}
		for _, w := range want {
			if w.got != w.want {
				t.Errorf("%s: %q, want %q", w.desc, w.got, w.want)
			}
		}
		if got := get(t, g.tr.URL("/api/free/doc")); got.Status != http.StatusOK {
			t.Errorf("free path: %s, want 200", got)
		}
		html := get(t, g.tr.URL("/api/item"), "Accept", "text/html,application/xhtml+xml", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
		if html.Status != http.StatusPaymentRequired || !strings.Contains(html.Header.Get("Content-Type"), "text/html") {
			t.Errorf("browser: %d %q, want a 402 HTML paywall", html.Status, html.Header.Get("Content-Type"))
		}
		if n := g.up.Hits(); n != 1 {
			t.Errorf("upstream hits %d, want 1 (the free path only)", n)
		}
	})

	t.Run("kubelet ..data swap: new price within the poll interval", func(t *testing.T) {
		cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 2, shopOffer(price("2500")))})
		took := waitPrice(t, "2500")
		t.Logf("swapped document in force after %v (poll interval %v)", took, pollInterval)
		// One poll interval plus scheduling on a busy machine; the gate's default
		// interval (1 s) would not fit, so this proves the configured one is used.
		if limit := 4 * pollInterval; took > limit {
			t.Errorf("the new price took %v, want within %v", took, limit)
		}
	})

	for _, bad := range []struct {
		desc string
		data []byte
	}{
		{"corrupt JSON", []byte(`{"schema":"turnpike.x402.dev/routes/v1","generation":3,"offers":[{`)},
		{"unknown schema", []byte(`{"schema":"turnpike.x402.dev/routes/v9","generation":4,"offers":[]}`)},
		{"invalid offer (zero amount)", []byte(strings.Replace(string(routesJSON(t, 5, shopOffer(price("7")))), `"amount":"7"`, `"amount":"0"`, 1))},
		{"unknown key (routes_unknown_key)", []byte(strings.Replace(string(routesJSON(t, 6, shopOffer(price("7")))), `"amount":"7"`, `"amount":"7","amountUsd":"0"`, 1))},
	} {
		t.Run("refused document keeps the last good one: "+bad.desc, func(t *testing.T) {
			before := reloadErrors(t, g)
			cm.Write(t, map[string][]byte{routes.DataKey: bad.data})
			testutil.Eventually(t, pollInterval+reloadSlack, "reload error counted", func() string {
				if n := reloadErrors(t, g); n <= before {
					return "turnpike_routes_reload_errors_total did not grow"
				}
				return ""
			})
			if got := amountNow(); got != "2500" {
				t.Fatalf("after a refused document the challenge asks %s, want the last good 2500", got)
			}
		})
	}

	t.Run("metrics scraped from the Traefik process parse and count challenges", func(t *testing.T) {
		fams := scrapeMetrics(t, g.metrics+"/metrics")
		labels := map[string]string{"offer_namespace": "shop", "offer_name": "api", "chain": "eip155:84532", "asset_symbol": "USDC"}
		n, ok := metricValue(fams, "turnpike_payment_required_total", labels)
		if !ok || n < 5 {
			t.Errorf("turnpike_payment_required_total%v = %v (found %v), want >= 5", labels, n, ok)
		}
		if _, ok := metricValue(fams, "turnpike_requests_total", labels); !ok {
			t.Errorf("turnpike_requests_total%v missing", labels)
		}
	})

	t.Run("the gate's own log lines reach Traefik's log, tagged with the plugin", func(t *testing.T) {
		// Routine reloads are fmt.Print (Traefik's debug level, hence DEBUG in these
		// tests); refusals are log.Print (error level, seen in production).
		for _, rec := range []struct{ level, msg string }{
			{"debug", "routes generation 1 loaded"},
			{"debug", "routes generation 2 loaded"},
			{"error", "refused, still serving generation 2"},
		} {
			g.tr.WaitRecord(t, map[string]string{"plugin": "plugin-" + turnpikePlugin, "level": rec.level, "message": rec.msg}, 5*time.Second)
		}
	})

	if strings.Contains(g.tr.Log(), "Plugins are disabled") {
		t.Errorf("traefik disabled plugins:\n%s", g.tr.Diagnostics())
	}
}

func firstV1(v1 x402.PaymentRequiredV1) x402.RequirementsV1 {
	if len(v1.Accepts) == 0 {
		return x402.RequirementsV1{}
	}
	return v1.Accepts[0]
}

func reloadErrors(t testing.TB, g *gateSetup) float64 {
	n, _ := metricValue(scrapeMetrics(t, g.metrics+"/metrics"), "turnpike_routes_reload_errors_total", nil)
	return n
}

// TestGateFacilitatorDown: a payment that cannot be verified because the facilitator
// is unreachable is answered 503 with its reason, never 200, and the upstream is not
// called.
func TestGateFacilitatorDown(t *testing.T) {
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(payment("eip155:84532", benchAsset, benchPayTo, "1000", "USDC", "2")))})
	dead := "http://" + testutil.FreeAddr(t) // nothing listens there
	g := startGate(t, dead, cm, nil)
	g.waitLoaded(t)
	pr := paymentRequired(t, g.tr.URL("/api/item"))
	pays := unsignedPayments(t, 3, pr.Accepts[0], pr.Resource.URL)
	for i, path := range []string{"/api/item", "/api/sse/stream", "/api/other"} {
		a := get(t, g.tr.URL(path), x402.HeaderPaymentSignature, pays[i])
		if a.Status != http.StatusServiceUnavailable {
			t.Errorf("%s with facilitator down: %s, want 503", path, a)
		}
		if r := reasonIn(a.Body); r == "" {
			t.Errorf("%s: 503 without a reason: %s", path, a.Body)
		} else {
			t.Logf("%s: 503 reason %s", path, r)
		}
	}
	if n := g.up.Hits(); n != 0 {
		t.Fatalf("upstream reached %d times while the facilitator was down", n)
	}
}

// brokenGateRecord is the log record Traefik writes when it drops the gated router.
var brokenGateRecord = map[string]string{"level": "error", "routerName": "paid@file", "error": `turnpike: invalid configuration: offer "not-namespaced"`}

// TestGateOverlappingRouters proves that a second router matching the gated paths can
// never take the gate's requests silently. Traefik picks the highest-priority router
// (by default the longest rule); a router whose middleware fails to build is dropped,
// and its requests fall to whatever else matches. The gate therefore never fails to
// build for runtime trouble, and the safe setup keeps every other router's rule off
// the gated prefix, so a broken gate configuration answers 404, not content.
func TestGateOverlappingRouters(t *testing.T) {
	cm := newConfigMapDir(t)
	fac := serve(t, &instantFacilitator{})
	catchAll := func(rule string) func(d *dynConfig, up *upstream) {
		return func(d *dynConfig, up *upstream) { d.Router("site", rule, "up", 1) }
	}
	unsafeRule := "PathPrefix(`/`)"
	safeRule := "PathPrefix(`/`) && !PathPrefix(`/api`)"

	t.Run("unguarded catch-all with lower priority: gated paths still pay", func(t *testing.T) {
		g := startGate(t, fac, cm, catchAll(unsafeRule))
		// No routes document yet: runtime trouble is answered by the gate itself.
		if a := get(t, g.tr.URL("/api/item")); a.Status != http.StatusServiceUnavailable {
			t.Fatalf("gated path without a document: %s, want 503 from the gate (not the catch-all)", a)
		}
		cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(payment("eip155:84532", benchAsset, benchPayTo, "1000", "USDC", "2")))})
		testutil.Eventually(t, pollInterval+reloadSlack, "document loaded", func() string {
			if a := get(t, g.tr.URL("/api/item")); a.Status != http.StatusPaymentRequired {
				return a.String()
			}
			return ""
		})
		if a := get(t, g.tr.URL("/about")); a.Status != http.StatusOK {
			t.Errorf("catch-all path: %s, want 200", a)
		}
		if n := g.up.Hits(); n != 1 {
			t.Errorf("upstream hits %d, want 1 (only /about)", n)
		}

		// The hazard the README warns about: a configuration mistake makes New() fail,
		// Traefik drops the gated router and the overlapping one serves the content.
		g.tr.WriteDynamic(t, g.dynamic(map[string]any{"offer": "not-namespaced"}).Router("site", unsafeRule, "up", 1).Map())
		testutil.Eventually(t, 15*time.Second, "broken gate router dropped", func() string {
			if a := get(t, g.tr.URL("/api/item")); a.Status != http.StatusOK {
				return a.String()
			}
			return ""
		})
		g.tr.WaitRecord(t, brokenGateRecord, 5*time.Second)
	})

	t.Run("safe setup: catch-all excludes the gated prefix, broken gate answers 404", func(t *testing.T) {
		cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(payment("eip155:84532", benchAsset, benchPayTo, "1000", "USDC", "2")))})
		g := startGate(t, fac, cm, catchAll(safeRule))
		testutil.Eventually(t, pollInterval+reloadSlack, "document loaded", func() string {
			if a := get(t, g.tr.URL("/api/item")); a.Status != http.StatusPaymentRequired {
				return a.String()
			}
			return ""
		})
		g.tr.WriteDynamic(t, g.dynamic(map[string]any{"offer": "not-namespaced"}).Router("site", safeRule, "up", 1).Map())
		// Traefik reports the dropped router at error level with the gate's message.
		g.tr.WaitRecord(t, brokenGateRecord, 15*time.Second)
		assertGatedPrefixDropped(t, g, "the broken gate router")
		if a := get(t, g.tr.URL("/about")); a.Status != http.StatusOK {
			t.Errorf("catch-all path: %s, want 200", a)
		}
		if n := g.up.Hits(); n != 1 {
			t.Errorf("upstream hits %d, want 1 (only /about)", n)
		}
	})

	// A misspelt key must not leave its default silently in force: the gate refuses
	// to build and names the key, Traefik drops the router, and with the safe setup
	// the gated prefix answers 404 rather than being served unpaid.
	t.Run("misspelt plugin key: refused by name, gated prefix never served unpaid", func(t *testing.T) {
		cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(payment("eip155:84532", benchAsset, benchPayTo, "1000", "USDC", "2")))})
		g := startGate(t, fac, cm, catchAll(safeRule))
		g.waitLoaded(t)
		g.tr.WriteDynamic(t, g.dynamic(map[string]any{"settleTimoutMs": 5}).Router("site", safeRule, "up", 1).Map())
		g.tr.WaitRecord(t, map[string]string{"level": "error", "routerName": "paid@file", "error": `unknown key "settleTimoutMs"`}, 15*time.Second)
		assertGatedPrefixDropped(t, g, "the gate router with the misspelt key")
		if n := g.up.Hits(); n != 0 {
			t.Errorf("upstream hits %d, want 0", n)
		}
	})
}

// TestBrokenPluginNeverUngates loads a gate that Yaegi cannot interpret (a Go 1.21
// builtin Yaegi v0.16.1 lacks; it compiles fine with Go, which is why only a real
// Traefik catches it). With abortOnPluginFailure Traefik refuses to start; with
// Traefik's default it starts with every plugin disabled and drops the gated router —
// which is why the README requires the flag.
func TestBrokenPluginNeverUngates(t *testing.T) {
	brokenGate := traefiktest.Gate()
	brokenGate.Files = map[string]string{"plugin/zz_broken.go": "package plugin\n\nvar brokenForTest = min(1, 2)\n"}
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, shopOffer(payment("eip155:84532", benchAsset, benchPayTo, "1000", "USDC", "2")))})
	fac := serve(t, &instantFacilitator{})
	for _, tc := range []struct {
		desc  string
		abort bool
	}{
		{desc: "abortOnPluginFailure: Traefik exits, nothing is served", abort: true},
		{desc: "Traefik's default: plugins disabled, gated router dropped", abort: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			up := newUpstream(t)
			dyn := newDyn().
				Plugin("x402", turnpikePlugin, gateConfig(cm, fac, testutil.FreeAddr(t))).
				Service("up", up.URL).
				Router("paid", "PathPrefix(`/api`)", "up", 0, "x402").
				Router("site", "PathPrefix(`/site`)", "up", 0)
			tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{brokenGate}, Dynamic: dyn.Map(),
				KeepRunningOnPluginFailure: !tc.abort, ExpectExit: tc.abort})
			if tc.abort {
				if err := tr.ExitErr(); err == nil {
					t.Fatalf("traefik exited cleanly, want a failure exit")
				}
				if !strings.Contains(tr.Log(), "failed to import plugin code") || !strings.Contains(tr.Log(), "zz_broken.go") {
					t.Errorf("the exit does not name the plugin error:\n%s", tr.Diagnostics())
				}
				return
			}
			tr.WaitRoute(t, "/site/x", 30*time.Second)
			tr.WaitRecord(t, map[string]string{"message": "Plugins are disabled"}, 5*time.Second)
			for i := 0; i < 5; i++ {
				if a := get(t, tr.URL("/api/item")); a.Status != http.StatusNotFound {
					t.Fatalf("gated path with the plugin disabled: %s, want 404 (router dropped)", a)
				}
			}
			if n := up.Hits(); n != 1 {
				t.Errorf("upstream hits %d, want 1 (only /site/x)", n)
			}
		})
	}
}
