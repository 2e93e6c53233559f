//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/gateway"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// pathSpellings are request-targets sent byte for byte over a raw socket (Go's client
// would normalize them). The offer is /weather: /weather/health is free, the rest paid.
var pathSpellings = []struct{ method, target string }{
	{"GET", "/weather/health"},
	{"GET", "/weather/health?next=%2F..%2Fberlin"},
	{"HEAD", "/weather/health"},
	{"GET", "/weather/berlin"},
	{"HEAD", "/weather/berlin"},
	{"GET", "/weather/berlin?units=%2F"},
	{"GET", "/weather/%62erlin"},
	{"GET", "/weather/%68ealth"},
	{"GET", "/weather/health/"},
	{"GET", "/weather/health."},
	{"GET", "/Weather/health"},
	{"GET", "/weather/HEALTH"},
	{"GET", "/weather/berlin%2F..%2Fhealth"},
	{"GET", "/weather/berlin%2f..%2fhealth"},
	{"GET", "/weather/berlin%2f%2e%2e%2fhealth"},
	{"GET", "/weather/a%2Fb%2F..%2F..%2Fhealth"},
	{"GET", "/weather/berlin%2F..%2Fhealth?units=metric"},
	{"HEAD", "/weather/berlin%2F..%2Fhealth"},
	{"GET", "/weather/berlin%5C..%5Chealth"},
	{"GET", "/weather/berlin%5c..%5chealth"},
	{"GET", "/weather/berlin\\..\\health"},
	{"GET", "/weather/berlin%252F..%252Fhealth"},
	{"GET", "/weather/berlin/%252e%252e/health"},
	{"GET", "/weather/berlin/../health"},
	{"GET", "/weather/health/../berlin"},
	{"GET", "/weather/./health"},
	{"GET", "/weather/berlin/%2E%2E/health"},
	{"GET", "/weather/berlin/%2e%2e/health"},
	{"GET", "/weather/berlin/.%2e/health"},
	{"GET", "/weather//health"},
	{"GET", "/weather/berlin//x"},
	{"GET", "/weather/health;x=1"},
	{"GET", "/weather/berlin;/../health"},
	{"GET", "/weather/health%3Bx"},
	{"GET", "/weather/health%3F/x"},
	{"GET", "/weather/health%23"},
	{"GET", "/weather/health%00"},
	{"GET", "/weather/health%0A"},
	{"GET", "/weather/%zz"},
	{"GET", "http://paths.test/weather/health"},
	{"GET", "http://paths.test/weather/berlin"},
	{"GET", "http://paths.test/weather/berlin%2F..%2Fhealth"},
	{"GET", "http://paths.test/weather/berlin/../health"},
	{"HEAD", "http://paths.test/weather/berlin%2F..%2Fhealth?x=1"},
}

// pathsUpstream is the seller's service: a Go ServeMux with a free /weather/health and
// the paid /weather/ subtree. It records the request-target it received and the
// pattern its own mux resolved it to, so the test judges by the upstream's reading.
type pathsUpstream struct {
	URL  string
	paid atomic.Int64 // paid content served
	mu   sync.Mutex
	seen []string // "requestURI -> pattern"
}

func newPathsUpstream(t *testing.T) *pathsUpstream {
	u := &pathsUpstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("/weather/health", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/weather/", func(w http.ResponseWriter, r *http.Request) {
		u.paid.Add(1)
		_, _ = w.Write([]byte(`{"report":"` + paidMarker + `"}`))
	})
	u.URL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		u.mu.Lock()
		u.seen = append(u.seen, r.RequestURI+" -> "+pattern)
		u.mu.Unlock()
		w.Header().Set("X-Upstream-Pattern", pattern)
		mux.ServeHTTP(w, r)
	}))
	return u
}

// rawExchange sends one request-target verbatim and reads the answer.
func rawExchange(t *testing.T, addr, method, target string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	must(t, err, "dial %s", addr)
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: paths.test\r\nAccept: application/json\r\nConnection: close\r\n\r\n", method, target)
	must(t, err, "write %s %s", method, target)
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	must(t, err, "read answer to %s %s", method, target)
	defer resp.Body.Close()
	var body []byte
	if method != http.MethodHead {
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		body = []byte(b.String())
	}
	return resp, body
}

// checkSpellings sends every spelling unpaid and asserts the money rule: each one is
// refused, charged, or reaches the upstream only where the upstream's own reading of
// the path is the free route; paid content is never served.
func checkSpellings(t *testing.T, addr string, up *pathsUpstream) {
	t.Helper()
	if len(pathSpellings) < 40 {
		t.Fatalf("only %d spellings", len(pathSpellings))
	}
	outcomes := map[string]int{}
	for _, sp := range pathSpellings {
		paidBefore := up.paid.Load()
		resp, body := rawExchange(t, addr, sp.method, sp.target)
		pattern := resp.Header.Get("X-Upstream-Pattern")
		reason := reasonIn(body)
		outcome := fmt.Sprintf("%d %s", resp.StatusCode, reason)
		switch {
		case up.paid.Load() != paidBefore || strings.Contains(string(body), paidMarker):
			t.Errorf("%s %s: paid content served without payment (%s, upstream read %q)", sp.method, sp.target, outcome, pattern)
		case pattern != "":
			// The upstream answered: only its free route may have.
			if pattern != "/weather/health" {
				t.Errorf("%s %s: reached the upstream unpaid as %q (%s)", sp.method, sp.target, pattern, outcome)
			}
			outcome = fmt.Sprintf("%d upstream %s", resp.StatusCode, pattern)
		case resp.StatusCode == http.StatusPaymentRequired:
		case resp.StatusCode == http.StatusBadRequest && sp.method != http.MethodHead && reason != "" && reason != "ambiguous_path":
			t.Errorf("%s %s: 400 with reason %q, want ambiguous_path", sp.method, sp.target, reason)
		case resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusNotFound:
			// Refused by the gate (ambiguous_path, no_route_rule) or by the proxy
			// before the gate (Traefik's own 400, no router: 404).
		default:
			t.Errorf("%s %s: unexpected %s", sp.method, sp.target, outcome)
		}
		if sp.method == http.MethodHead && reason == "" && pattern == "" {
			outcome = fmt.Sprintf("%d (HEAD)", resp.StatusCode)
		}
		outcomes[outcome]++
		t.Logf("%-5s %-52s -> %s", sp.method, sp.target, outcome)
	}
	t.Logf("outcomes: %v", outcomes)
	if up.paid.Load() != 0 {
		t.Fatalf("the paid handler ran %d times for unpaid requests", up.paid.Load())
	}
	if outcomes["400 ambiguous_path"] == 0 && outcomes["400 "] == 0 {
		t.Fatalf("no spelling was refused; the test did not exercise the gate's check")
	}
}

// pathsRoutes writes the routes document of the /weather offer.
func pathsRoutes(t *testing.T) string {
	t.Helper()
	doc := routes.Document{Schema: routes.Schema, Generation: 1, Offers: []routes.Offer{{
		Namespace: "shop", Name: "weather", State: routes.StateActive, PathPrefix: "/weather",
		Description: "weather report", MimeType: "application/json",
		Payments: []routes.Payment{{Scheme: "exact", Network: "eip155:84532", Amount: "1000",
			Asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
			MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6}},
		Paths: []routes.PathRule{
			{Pattern: "/health", Methods: []string{"GET"}, Free: true},
			{Pattern: "/*"},
		},
	}}}
	raw, err := json.Marshal(doc)
	must(t, err, "routes document")
	dir := t.TempDir()
	p := filepath.Join(dir, routes.DataKey)
	must(t, os.WriteFile(p, raw, 0o644), "write routes")
	return p
}

func pathsGateConfig(routesFile string) map[string]any {
	return map[string]any{
		"offer":          "shop/weather",
		"routesFile":     routesFile,
		"facilitatorURL": "http://127.0.0.1:9", // unpaid requests only: never called
		"pollIntervalMs": 100,
	}
}

func waitCharged(t *testing.T, addr string) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, "gate serving /weather", func() string {
		resp, _ := rawExchange(t, addr, "GET", "/weather/probe")
		if resp.StatusCode != http.StatusPaymentRequired {
			return resp.Status
		}
		return ""
	})
}

// TestPathSpellingsThroughTraefik runs the spellings through real Traefik with the gate
// under Yaegi: with Traefik's default entry point (encoded characters allowed, the
// worst case) and with the hardened settings shipped in manifests/traefik.
func TestPathSpellingsThroughTraefik(t *testing.T) {
	hardened := map[string]any{
		"sanitizePath": true,
		"encodedCharacters": map[string]any{
			"allowEncodedSlash": false, "allowEncodedBackSlash": false, "allowEncodedNullCharacter": false,
			"allowEncodedSemicolon": false, "allowEncodedPercent": false, "allowEncodedQuestionMark": false,
			"allowEncodedHash": false,
		},
	}
	for _, tc := range []struct {
		desc string
		http map[string]any
	}{
		{desc: "Traefik defaults", http: nil},
		{desc: "shipped hardened entry point", http: hardened},
		{desc: "sanitizePath off", http: map[string]any{"sanitizePath": false}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			up := newPathsUpstream(t)
			dyn := newDyn().
				Plugin("x402", turnpikePlugin, pathsGateConfig(pathsRoutes(t))).
				Service("up", up.URL).
				Router("weather", "PathPrefix(`/weather`)", "up", 0, "x402")
			tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map(), LogLevel: "ERROR", WebHTTP: tc.http})
			waitCharged(t, tr.Web)
			checkSpellings(t, tr.Web, up)
			up.mu.Lock()
			t.Logf("upstream received: %q", up.seen)
			up.mu.Unlock()
		})
	}
}

// TestPathSpellingsThroughGateway runs the same spellings through `turnpike gateway`.
func TestPathSpellingsThroughGateway(t *testing.T) {
	up := newPathsUpstream(t)
	conf, err := json.Marshal(map[string]any{"http": map[string]any{"middlewares": map[string]any{
		"gate": map[string]any{"plugin": map[string]any{"turnpike": pathsGateConfig(pathsRoutes(t))}},
	}}})
	must(t, err, "dynamic config")
	dyn := filepath.Join(t.TempDir(), "dynamic.yml")
	must(t, os.WriteFile(dyn, conf, 0o644), "write dynamic config")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- gateway.Run(ctx, gateway.Options{DynamicConfig: dyn, Listen: "127.0.0.1:0", Upstream: up.URL,
			Ready: func(a string) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("gateway: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not start")
	}
	waitCharged(t, addr)
	checkSpellings(t, addr, up)
	up.mu.Lock()
	t.Logf("upstream received: %q", up.seen)
	up.mu.Unlock()
}
