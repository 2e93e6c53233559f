//go:build e2e

package e2e

import (
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHarnessLoadsLocalPlugin proves the harness itself: Traefik starts from the cached
// build, interprets a local plugin from plugins-local/ and routes through it, and the
// CPU accounting reads the right process.
func TestHarnessLoadsLocalPlugin(t *testing.T) {
	upstream := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "upstream "+r.URL.Path)
	}))
	dyn := newDyn().
		Plugin("hdr", benchHeaderPlugin, map[string]any{"value": "on"}).
		Service("up", upstream).
		Router("noop", "PathPrefix(`/noop`)", "noop@internal", 0).
		Router("hdr", "PathPrefix(`/hdr`)", "up", 0, "hdr")
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{benchHeader()}, Dynamic: dyn.Map()})
	tr.WaitRoute(t, "/hdr", 30*time.Second)

	tests := []struct {
		desc       string
		path       string
		wantStatus int
		wantHeader string
		wantBody   string
	}{
		{desc: "internal noop service answers 418", path: "/noop", wantStatus: http.StatusTeapot},
		{desc: "interpreted plugin sets its header and proxies", path: "/hdr/x", wantStatus: http.StatusOK, wantHeader: "on", wantBody: "upstream /hdr/x"},
		{desc: "no router: 404", path: "/nothing", wantStatus: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			resp, err := http.Get(tr.URL(tc.path))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tc.wantStatus, body)
			}
			if got := resp.Header.Get("X-Bench"); got != tc.wantHeader {
				t.Errorf("X-Bench %q, want %q", got, tc.wantHeader)
			}
			if tc.wantBody != "" && string(body) != tc.wantBody {
				t.Errorf("body %q, want %q", body, tc.wantBody)
			}
		})
	}
	if !strings.Contains(tr.Log(), benchHeaderModule) {
		t.Errorf("the debug log does not mention the plugin module %s", benchHeaderModule)
	}
	res, err := runLoad(loadSpec{N: 2000, Concurrency: 2, WantStatus: http.StatusTeapot, PIDs: []int{tr.PID()},
		Request: func(int) (*http.Request, error) { return http.NewRequest(http.MethodGet, tr.URL("/noop"), nil) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unexpected != 0 {
		t.Fatalf("%d unexpected answers, first: %s", res.Unexpected, res.FirstError)
	}
	if res.CPUPerReq <= 0 {
		t.Errorf("Traefik CPU per request %v: /proc accounting read nothing", res.CPUPerReq)
	}
	t.Logf("noop: %.0f req/s, p50 %v, p99 %v, traefik CPU %v/req", res.RPS(), res.P50, res.P99, res.CPUPerReq)
}
