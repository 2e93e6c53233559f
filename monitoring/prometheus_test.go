package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testenv"

	"github.com/turnpike-x402/turnpike/internal/testutil"
)

// promServer is a real Prometheus (Debian's, see scripts/install-deps.d/40-prometheus.sh)
// scraping one target every second and evaluating rules.yaml every second.
type promServer struct {
	url string
}

// startPrometheus runs Prometheus with rules.yaml (group intervals shortened to 1s so
// the test does not wait 30s for an evaluation) scraping each target (host:port) at
// /metrics, labelled pod="gate-<i>" like the PodMonitor's per-pod targets.
func startPrometheus(t *testing.T, targets ...string) *promServer {
	t.Helper()
	bin := testenv.Bin(t, "prometheus")
	dir := t.TempDir()
	src, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules := strings.ReplaceAll(string(src), "interval: 30s", "interval: 1s")
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yaml
scrape_configs:
  - job_name: turnpike-gate
    static_configs:
`
	for i, target := range targets {
		cfg += fmt.Sprintf("      - targets: [%q]\n        labels:\n          pod: gate-%d\n", target, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr := testutil.FreeAddr(t)
		cmd := exec.Command(bin,
			"--config.file=prometheus.yml",
			"--storage.tsdb.path=data",
			"--web.listen-address="+addr,
			"--storage.tsdb.retention.time=8d",
			"--log.level=warn",
		)
		cmd.Dir = dir // relative paths resolve against the working directory
		logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt)))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("start prometheus: %v", err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		p := &promServer{url: "http://" + addr}
		if err := waitHTTP(p.url+"/-/ready", 15*time.Second, done); err != nil {
			lastErr = err
			_ = cmd.Process.Kill()
			logs, _ := os.ReadFile(logf.Name())
			t.Logf("prometheus attempt %d: %v\n%s", attempt, err, logs)
			continue
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		})
		return p
	}
	t.Fatalf("prometheus did not become ready: %v", lastErr)
	return nil
}

func waitHTTP(u string, limit time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s", u, limit)
}

// sample is one element of an instant vector.
type sample struct {
	Labels map[string]string
	Value  float64
}

// query runs an instant query and returns the vector.
func (p *promServer) query(ctx context.Context, q string) ([]sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/api/v1/query?query="+url.QueryEscape(q), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("query %q: %v: %s", q, err, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", q, r.Error)
	}
	var out []sample
	for _, res := range r.Data.Result {
		s, _ := res.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %q: %v", q, s, err)
		}
		out = append(out, sample{Labels: res.Metric, Value: v})
	}
	return out, nil
}

// waitFor polls q until ok accepts the result or the limit passes.
func (p *promServer) waitFor(ctx context.Context, t *testing.T, q string, limit time.Duration, ok func([]sample) bool) []sample {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last []sample
	var lastErr error
	for time.Now().Before(deadline) {
		last, lastErr = p.query(ctx, q)
		if lastErr == nil && ok(last) {
			return last
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: condition not met after %s (last: %v, err %v)", q, limit, last, lastErr)
	return nil
}
