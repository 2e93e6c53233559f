//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// upstream is the seller's service behind the gate. It counts what reached it, so a
// test can prove that nothing unpaid ever did.
type upstream struct {
	URL  string
	hits atomic.Int64
	mu   sync.Mutex
	last http.Header // headers of the last request that reached it
}

// newUpstream serves:
//
//	*/sse/*   text/event-stream: 4 events 300 ms apart, each flushed
//	*/fail/*  500
//	anything else: 200 with a JSON body naming the path
func newUpstream(t testing.TB) *upstream {
	u := &upstream{}
	u.URL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		u.mu.Lock()
		u.last = r.Header.Clone()
		u.mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/sse/"):
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			f, _ := w.(http.Flusher)
			for i := 0; i < sseEvents; i++ {
				fmt.Fprintf(w, "data: {\"i\":%d,\"sentAt\":%d}\n\n", i, time.Now().UnixNano())
				if f != nil {
					f.Flush()
				}
				if i < sseEvents-1 {
					time.Sleep(sseGap)
				}
			}
		case strings.Contains(r.URL.Path, "/fail/"):
			http.Error(w, `{"error":"upstream broke"}`, http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"content":%q,"path":%q}`, paidMarker, r.URL.Path)
		}
	}))
	return u
}

// paidMarker is in every paid body the upstream sends and nowhere else, so a test can
// tell content from a challenge that merely describes it.
const paidMarker = "PAID-CONTENT-7f3a"

const (
	sseEvents = 4
	sseGap    = 300 * time.Millisecond
)

// Hits returns how many requests reached the upstream.
func (u *upstream) Hits() int64 { return u.hits.Load() }

// LastHeader returns a header of the last request that reached the upstream.
func (u *upstream) LastHeader(name string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last == nil {
		return ""
	}
	return u.last.Get(name)
}

// answer is a response read in full.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (nil when it is not a JSON object).
func (a answer) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(a.Body, &m) != nil {
		return nil
	}
	return m
}

func (a answer) String() string {
	return fmt.Sprintf("HTTP %d %s", a.Status, strings.TrimSpace(string(a.Body)))
}

// get sends a GET with optional headers (name, value pairs).
func get(t testing.TB, url string, headers ...string) answer {
	t.Helper()
	return request(t, http.MethodGet, url, headers...)
}

// request sends one request with the given header name/value pairs and reads the
// whole answer.
func request(t testing.TB, method, url string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	must(t, err, "request %s", url)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err, "read %s", url)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// reasonIn finds a stable reason code anywhere in a JSON error body: gates put it in
// "reason", "error" or "code" (nested objects are searched too).
func reasonIn(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	var find func(any) string
	find = func(v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range []string{"reason", "code", "error", "invalidReason", "errorReason"} {
			if s, ok := m[k].(string); ok && s != "" && !strings.Contains(s, " ") {
				return s
			}
		}
		for _, sub := range m {
			if r := find(sub); r != "" {
				return r
			}
		}
		return ""
	}
	return find(v)
}

// scrapeMetrics fetches a Prometheus text endpoint and parses it with the reference
// parser, so hand-written exposition that Prometheus would refuse fails here.
func scrapeMetrics(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err, "scrape %s", url)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: HTTP %d", url, resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	must(t, err, "parse metrics from %s", url)
	return fams
}

// metricValue sums the samples of family name whose labels include want.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, found
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
