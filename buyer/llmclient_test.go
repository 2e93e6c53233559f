package buyer_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// openAIUpstream answers chat completions like an OpenAI-compatible server, streamed
// as SSE when asked, and records the models it was asked for.
func openAIUpstream(t *testing.T, models chan<- string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/services/weather/v1/chat/completions" {
			http.Error(w, "unexpected request "+r.URL.Path, 400)
			return
		}
		select {
		case models <- req.Model:
		default:
		}
		if !req.Stream {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"sunny"}}]}`, req.Model)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, part := range []string{"sun", "ny ", "all day"} {
			fmt.Fprintf(w, "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", req.Model, part)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	})
}

// TestOfficialOpenAIClientUsesTheBuyerAsAPIBase: the official OpenAI SDK (npm), with
// the buyer as base URL and model paid/<m>, lists models, completes, streams and gets
// a clear 404 for a model nobody sells; every completion is paid on chain.
func TestOfficialOpenAIClientUsesTheBuyerAsAPIBase(t *testing.T) {
	root := testenv.RepoRoot(t)
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "install-deps.d", "60-buyer-llm-client.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/install-deps.d/60-buyer-llm-client.sh: %v", err)
	}
	modules := strings.TrimSpace(string(out))
	node := testenv.Bin(t, "node")

	s := startStack(t, "1000", "after")
	seen := make(chan string, 8)
	s.upstream.set(openAIUpstream(t, seen))
	dir := t.TempDir()
	buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), s.buyerConfig())
	buyertest.WriteJSON(t, filepath.Join(dir, "auths.json"), map[string]any{"weather": s.sign(t, 4, time.Hour)})
	b, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")},
		StatePath: filepath.Join(dir, "consumed.json"), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()

	work := t.TempDir()
	if err := os.Symlink(modules, filepath.Join(work, "node_modules")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"chat.mjs", "package.json"} {
		raw, err := os.ReadFile(filepath.Join(root, "buyer", "testdata", "llmclient", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, f), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(node, "chat.mjs")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "BASE_URL="+srv.URL+"/v1", "MODEL=paid/weather-model")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node chat.mjs: %v\n%s\n%s", err, stdout, stderr.String())
	}
	results := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(stdout)))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("client printed %q", sc.Text())
		}
		results[line["call"].(string)] = line
	}
	if ids := fmt.Sprint(results["models"]["ids"]); ids != "[paid/weather-model]" {
		t.Fatalf("models: %s", ids)
	}
	if c := results["chat"]["content"]; c != "sunny" {
		t.Fatalf("chat: %v", results["chat"])
	}
	if c := results["stream"]["content"]; c != "sunny all day" {
		t.Fatalf("stream: %v", results["stream"])
	}
	if st := results["unknown"]["status"]; st != float64(404) || !strings.Contains(fmt.Sprint(results["unknown"]["error"]), "unknown_model") {
		t.Fatalf("unknown model: %v", results["unknown"])
	}
	for i := 0; i < 2; i++ {
		if m := <-seen; m != "weather-model" {
			t.Fatalf("seller was asked for model %q, want the bare remote name", m)
		}
	}
	if got := len(s.transfers(t)); got != 2 {
		t.Fatalf("%d transfers on chain, want 2 (one per completion)", got)
	}
}
