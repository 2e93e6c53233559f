package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// fakeAPI is a unit-test stand-in for kube-apiserver's ConfigMap list and watch
// (the real one is exercised by the compiled integration tests).
type fakeAPI struct {
	mu       sync.Mutex
	listDoc  string
	rv       int
	events   chan string // raw JSON lines for the open watch; "" closes it
	lists    atomic.Int64
	watches  atomic.Int64
	badAuth  atomic.Int64
	selector string
	lastRV   string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer test-token" {
		f.badAuth.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path != "/api/v1/namespaces/turnpike/configmaps" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.selector = r.URL.Query().Get("fieldSelector")
	f.mu.Unlock()
	if r.URL.Query().Get("watch") == "" {
		f.lists.Add(1)
		f.mu.Lock()
		f.rv++
		list := map[string]any{
			"kind":     "ConfigMapList",
			"metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv)},
			"items":    []any{cmObject(f.listDoc, f.rv)},
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(list)
		return
	}
	f.watches.Add(1)
	f.mu.Lock()
	f.lastRV = r.URL.Query().Get("resourceVersion")
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case line := <-f.events:
			if line == "" {
				return
			}
			_, _ = w.Write([]byte(line + "\n"))
			w.(http.Flusher).Flush()
		}
	}
}

func cmObject(doc string, rv int) map[string]any {
	return map[string]any{
		"metadata": map[string]any{"name": "routes", "namespace": "turnpike", "resourceVersion": strconv.Itoa(rv)},
		"data":     map[string]any{routes.DataKey: doc},
	}
}

func event(typ string, obj any) string {
	raw, _ := json.Marshal(map[string]any{"type": typ, "object": obj})
	return string(raw)
}

func docJSON(t *testing.T, gen int64) string {
	raw, err := json.Marshal(testDoc(gen))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// shortGrace stops unreferenced loaders quickly so watch connections end with the test.
func shortGrace(t *testing.T) {
	setGrace(20 * time.Millisecond)
	t.Cleanup(func() { setGrace(defaultLoaderGrace) })
}

func setGrace(d time.Duration) {
	reg.mu.Lock()
	reg.grace = d
	reg.mu.Unlock()
}

func TestConfigMapWatch(t *testing.T) {
	shortGrace(t)
	api := &fakeAPI{listDoc: docJSON(t, 1), events: make(chan string, 16)}
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("test-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := CreateConfig()
	c.Offer = "shop/weather"
	c.RoutesConfigMap = "turnpike/routes"
	c.KubernetesAPIURL = srv.URL
	c.KubernetesTokenFile = tokenFile
	c.FacilitatorURL = "http://127.0.0.1:1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, err := New(ctx, http.NotFoundHandler(), c, "kube")
	if err != nil {
		t.Fatal(err)
	}
	g := h.(*Gate)
	gen := func() int64 {
		if tb := g.loader.table(); tb != nil {
			return tb.generation
		}
		return -1
	}
	waitFor(t, "generation 1 from the list", func() bool { return gen() == 1 })
	waitFor(t, "watch open", func() bool { return api.watches.Load() == 1 })
	api.mu.Lock()
	sel, lastRV := api.selector, api.lastRV
	api.mu.Unlock()
	if sel != "metadata.name=routes" || lastRV != "1" {
		t.Fatalf("watch fieldSelector %q resourceVersion %q", sel, lastRV)
	}

	api.events <- event("MODIFIED", cmObject(docJSON(t, 2), 5))
	waitFor(t, "generation 2 from the watch", func() bool { return gen() == 2 })

	errsBefore := g.loader.state.ReloadErrors.Load()
	api.events <- event("MODIFIED", cmObject(`{"schema":"nope"}`, 6))
	waitFor(t, "bad document refused", func() bool { return g.loader.state.ReloadErrors.Load() > errsBefore })
	if gen() != 2 {
		t.Fatalf("bad document replaced generation 2")
	}
	api.events <- event("BOOKMARK", map[string]any{"metadata": map[string]any{"resourceVersion": "9"}})
	api.events <- event("DELETED", cmObject(docJSON(t, 2), 10))

	// The server ends the watch: the client resumes from the newest resourceVersion.
	api.events <- ""
	waitFor(t, "second watch", func() bool { return api.watches.Load() == 2 })
	api.mu.Lock()
	lastRV = api.lastRV
	api.mu.Unlock()
	if lastRV != "10" {
		t.Fatalf("resumed from resourceVersion %q, want 10", lastRV)
	}
	if gen() != 2 {
		t.Fatalf("DELETED dropped the last good document")
	}

	// 410 Gone: relist at once.
	api.mu.Lock()
	api.listDoc = docJSON(t, 3)
	api.mu.Unlock()
	api.events <- event("ERROR", map[string]any{"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"})
	waitFor(t, "relist after 410", func() bool { return api.lists.Load() == 2 && gen() == 3 })
	if api.badAuth.Load() != 0 {
		t.Fatalf("%d requests without the service-account token", api.badAuth.Load())
	}
}

func TestConfigMapWatchErrors(t *testing.T) {
	shortGrace(t)
	tests := []struct {
		desc    string
		mutate  func(c *Config, apiURL string)
		handler http.HandlerFunc
	}{
		{desc: "API refuses the token", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }},
		{desc: "ConfigMap missing", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"metadata":{"resourceVersion":"1"},"items":[]}`))
		}},
		{desc: "ConfigMap without the key", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("watch") != "" {
				<-r.Context().Done()
				return
			}
			_, _ = w.Write([]byte(`{"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"routes"},"data":{"other":"x"}}]}`))
		}},
		{desc: "token file unreadable", mutate: func(c *Config, _ string) { c.KubernetesTokenFile = "/nonexistent/token" }},
		{desc: "not in a cluster and no API URL", mutate: func(c *Config, _ string) { c.KubernetesAPIURL = "" }},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			h := tc.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			c := CreateConfig()
			c.Offer = "shop/weather"
			c.RoutesConfigMap = "turnpike/routes-" + strconv.FormatInt(nonceCounter.Add(1), 10)
			c.KubernetesAPIURL = srv.URL
			tokenFile := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(tokenFile, []byte("t"), 0o600); err != nil {
				t.Fatal(err)
			}
			c.KubernetesTokenFile = tokenFile
			c.FacilitatorURL = "http://127.0.0.1:1"
			if tc.mutate != nil {
				t.Setenv("KUBERNETES_SERVICE_HOST", "")
				tc.mutate(c, srv.URL)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hd, err := New(ctx, http.NotFoundHandler(), c, "kube")
			if err != nil {
				t.Fatalf("New must not fail for runtime conditions: %v", err)
			}
			rec := httptest.NewRecorder()
			hd.ServeHTTP(rec, httptest.NewRequest("GET", "http://h/services/weather", nil))
			if rec.Code != 503 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonRoutesNotLoaded {
				t.Fatalf("status %d %s", rec.Code, rec.Body.String())
			}
		})
	}
}
