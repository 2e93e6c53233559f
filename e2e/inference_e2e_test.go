//go:build e2e

package e2e

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/turnpike-x402/turnpike/buyer"
	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/config"
	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
	"github.com/turnpike-x402/turnpike/internal/traefiktest"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// Stand-in timing: the streamed answer is streamChunks parts streamGap apart; the
// plain answer takes plainDelay.
const (
	streamGap  = 200 * time.Millisecond
	plainDelay = 300 * time.Millisecond
)

var streamChunks = []string{"one ", "two ", "three ", "four ", "five ", "six"}

// modelCall is one request the model stand-in served.
type modelCall struct {
	path, auth string
	stream     bool
	start, end time.Time
}

// modelStandIn answers like an OpenAI-compatible model server under its own paths
// (it knows nothing of the public prefix): /v1/models, and /v1/chat/completions,
// streamed as SSE chunks streamGap apart when the body asks for it.
type modelStandIn struct {
	mu    sync.Mutex
	calls []modelCall
}

func (m *modelStandIn) record(c modelCall) {
	c.end = time.Now()
	m.mu.Lock()
	m.calls = append(m.calls, c)
	m.mu.Unlock()
}

func (m *modelStandIn) list() []modelCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]modelCall(nil), m.calls...)
}

func (m *modelStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := modelCall{path: r.URL.Path, auth: r.Header.Get("Authorization"), start: time.Now()}
	defer func() { m.record(c) }() // c as it is when the answer is done
	switch r.URL.Path {
	case "/v1/models":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[{"id":"stand-in","object":"model","created":1,"owned_by":"test"}]}`)
	case "/v1/chat/completions":
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad body: "+err.Error(), http.StatusBadRequest)
			return
		}
		c.stream = req.Stream
		if !req.Stream {
			time.Sleep(plainDelay)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":%q,"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hello there"}}]}`, req.Model)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		for i, part := range streamChunks {
			if i > 0 {
				time.Sleep(streamGap)
			}
			fmt.Fprintf(w, "data: {\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", req.Model, part)
			w.(http.Flusher).Flush()
		}
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	default:
		http.NotFound(w, r)
	}
}

// settleClock sits in front of the facilitator and notes when each /settle arrives.
type settleClock struct {
	mu      sync.Mutex
	settles []time.Time
}

func (s *settleClock) front(t *testing.T, facURL string) string {
	target, err := url.Parse(facURL)
	must(t, err, "facilitator URL")
	proxy := httputil.NewSingleHostReverseProxy(target)
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/settle" {
			s.mu.Lock()
			s.settles = append(s.settles, time.Now())
			s.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
}

func (s *settleClock) list() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.settles...)
}

// llmOffer is the seller's ServiceOffer: an inference offer whose upstream serves
// under / and needs a bearer key from a Secret; /v1/models is free.
func llmOffer(w *chainWorld) *v1alpha1.ServiceOffer {
	seller := w.chain.Account(devchain.RoleSeller).Address
	decimals := int32(w.info.Token.Decimals)
	return &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "llm"},
		Spec: v1alpha1.ServiceOfferSpec{
			Type:  v1alpha1.OfferTypeInference,
			Model: &v1alpha1.ModelSpec{Name: "stand-in"},
			Upstream: v1alpha1.UpstreamSpec{Service: "llm", Port: 80, BasePath: "/",
				Auth: &v1alpha1.UpstreamAuthSpec{SecretRef: v1alpha1.SecretKeyRef{Name: "llm-key", Key: "token"}, Prefix: "Bearer "}},
			Route: v1alpha1.RouteSpec{Kind: v1alpha1.RouteKindIngressRoute},
			Paths: []v1alpha1.PathRule{{Path: "/v1/models", Free: true}},
			Payment: v1alpha1.PaymentSpec{PayTo: seller.Hex(), Accepts: []v1alpha1.PaymentOption{{
				Network: w.network, Amount: price,
				Asset: v1alpha1.AssetSpec{Address: w.info.Token.Address.Hex(), Symbol: w.info.Token.Symbol, Decimals: &decimals,
					EIP712Name: w.info.Token.Name, EIP712Version: w.info.Token.Version},
			}}},
		},
	}
}

// TestInferenceOfferStreamsWithTheOfficialOpenAIClient sells a streaming model
// stand-in through real Traefik with the gate, configured from what the controller
// renders for an inference ServiceOffer (routes entry, gate config, path rewrite).
// The official OpenAI SDK pays through the buyer sidecar. It proves: the upstream
// receives its own path (prefix replaced by basePath after the gate decided) and the
// seller's credential on paid requests only; a `"stream": true` completion is settled
// before the upstream and its tokens arrive incrementally; a plain completion is
// settled after the upstream answered; each completion moves exactly one price.
func TestInferenceOfferStreamsWithTheOfficialOpenAIClient(t *testing.T) {
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address
	clock := &settleClock{}
	facURL := clock.front(t, w.facURL)
	model := &modelStandIn{}
	modelURL := serve(t, model)

	so := llmOffer(w)
	entry, err := render.RoutesOffer(so, routes.StateActive, "")
	must(t, err, "render the routes entry")
	if entry.Type != routes.TypeInference {
		t.Fatalf("routes entry type %q, want %q", entry.Type, routes.TypeInference)
	}
	cm := newConfigMapDir(t)
	cm.Write(t, map[string][]byte{routes.DataKey: routesJSON(t, 1, entry)})

	// The Middleware the controller renders carries only the Secret's URN; Traefik's
	// CRD provider puts the value in its place (controller/fullstack proves that part
	// with a real API server). Here the file provider gets the resolved value.
	secret := "sk-seller-" + randomHex(t, 12)
	mw := render.Middleware(so, render.Settings{PluginName: "turnpike", RoutesConfigMapNamespace: "turnpike-system", RoutesConfigMapName: "turnpike-routes", FacilitatorURL: facURL})
	rendered := mw.Object["spec"].(map[string]any)["plugin"].(map[string]any)["turnpike"].(map[string]any)
	if rendered["upstreamAuthValue"] != "urn:k8s:secret:llm-key:token" || rendered["upstreamAuthHeader"] != "Authorization" || rendered["upstreamAuthPrefix"] != "Bearer " {
		t.Fatalf("rendered gate config %v: want the credential as a Secret URN", rendered)
	}
	conf := gateConfig(cm, facURL, testutil.FreeAddr(t))
	conf["offer"] = "shop/llm"
	conf["upstreamAuthHeader"] = rendered["upstreamAuthHeader"]
	conf["upstreamAuthPrefix"] = rendered["upstreamAuthPrefix"]
	conf["upstreamAuthValue"] = secret
	rewrite := render.PathRewrite(so)
	if rewrite == nil {
		t.Fatal("no rewrite Middleware rendered for an IngressRoute offer with basePath")
	}
	dyn := newDyn().
		Plugin("x402", turnpikePlugin, conf).
		Middleware("llmpath", rewrite.Object["spec"].(map[string]any)).
		Service("llm", modelURL).
		// As the rendered IngressRoute: the gate first, then the rewrite.
		Router("llm", render.IngressMatch(nil, so.EffectivePath()), "llm", 0, "x402", "llmpath")
	tr := traefiktest.Start(t, traefiktest.Options{Plugins: []traefiktest.Plugin{traefiktest.Gate()}, Dynamic: dyn.Map()})
	chatURL := tr.URL("/services/llm/v1/chat/completions")
	tr.WaitRoute(t, "/services/llm/v1/chat/completions", 30*time.Second)
	testutil.Eventually(t, reloadSlack, "routes loaded", func() string {
		if a := get(t, chatURL); a.Status != http.StatusPaymentRequired {
			return a.String()
		}
		return ""
	})

	t.Run("unpaid: 402, the upstream untouched", func(t *testing.T) {
		before := len(model.list())
		a := request(t, http.MethodPost, chatURL, "Content-Type", "application/json", "Authorization", "Bearer client-key")
		if a.Status != http.StatusPaymentRequired {
			t.Fatalf("unpaid completion: %s", a)
		}
		if strings.Contains(string(a.Body)+fmt.Sprint(a.Header), secret) {
			t.Fatal("the seller's credential is in the 402")
		}
		if n := len(model.list()); n != before {
			t.Fatalf("the upstream was called %d times for an unpaid request", n-before)
		}
	})

	t.Run("free path: rewritten, without the credential", func(t *testing.T) {
		a := get(t, tr.URL("/services/llm/v1/models"), "Authorization", "Bearer client-key")
		if a.Status != http.StatusOK || !strings.Contains(string(a.Body), "stand-in") {
			t.Fatalf("free model list: %s", a)
		}
		calls := model.list()
		last := calls[len(calls)-1]
		if last.path != "/v1/models" || last.auth != "" {
			t.Fatalf("upstream saw path %q with Authorization %q; want /v1/models without any", last.path, last.auth)
		}
	})

	// The buyer sidecar pays from pre-signed authorizations for the offer's terms.
	pr := paymentRequired(t, chatURL)
	req := pr.Accepts[0]
	key := w.newBuyer(t)
	payer := crypto.PubkeyToAddress(key.PublicKey)
	var pool []auth.PreSigned
	for i := 0; i < 4; i++ {
		p, err := eip3009.NewPayment(key, req, nil, eip3009.PaymentOptions{ValidFor: 4 * time.Minute})
		must(t, err, "sign authorization %d", i)
		raw, err := json.Marshal(p)
		must(t, err, "encode authorization")
		pool = append(pool, auth.PreSigned{ID: fmt.Sprintf("a%d", i), Payment: raw})
	}
	dir := t.TempDir()
	writeJSON(t, filepath.Join(dir, "config.json"), map[string]any{"upstreams": map[string]any{"llm": map[string]any{
		"url": tr.URL("/services/llm"), "remoteModel": "stand-in", "network": req.Network, "payTo": req.PayTo,
		"asset": req.Asset, "price": req.Amount, "eip712Name": w.info.Token.Name, "eip712Version": w.info.Token.Version,
	}}})
	writeJSON(t, filepath.Join(dir, "auths.json"), map[string]any{"llm": pool})
	b, err := buyer.New(buyer.Options{Sources: config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")},
		StatePath: filepath.Join(dir, "consumed.json"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err, "start the buyer")
	t.Cleanup(func() { _ = b.Close() })
	buyerSrv := httptest.NewServer(b.Handler())
	t.Cleanup(buyerSrv.Close)

	payerBefore, sellerBefore := w.balance(t, payer), w.balance(t, seller)
	callsBefore := len(model.list())
	out := runOpenAIClient(t, buyerSrv.URL+"/v1", "paid/stand-in")

	if c := out["chat"]["content"]; c != "hello there" {
		t.Fatalf("plain completion: %v", out["chat"])
	}
	if c := out["stream"]["content"]; c != strings.Join(streamChunks, "") {
		t.Fatalf("streamed completion: %v", out["stream"])
	}

	t.Run("tokens arrive incrementally", func(t *testing.T) {
		var arrivals []float64
		for _, v := range out["stream"]["arrivals"].([]any) {
			arrivals = append(arrivals, v.(float64))
		}
		t.Logf("chunk arrivals (ms after the request): %v", arrivals)
		if len(arrivals) != len(streamChunks) {
			t.Fatalf("%d chunks with content, want %d (chunks were merged: buffered somewhere)", len(arrivals), len(streamChunks))
		}
		span := time.Duration(arrivals[len(arrivals)-1]-arrivals[0]) * time.Millisecond
		want := time.Duration(len(streamChunks)-1) * streamGap
		if span < want*7/10 {
			t.Fatalf("first to last chunk took %v, the stand-in spread them over %v: the stream was buffered", span, want)
		}
		spaced := 0
		for i := 1; i < len(arrivals); i++ {
			if time.Duration(arrivals[i]-arrivals[i-1])*time.Millisecond >= streamGap/2 {
				spaced++
			}
		}
		if spaced < len(arrivals)-2 {
			t.Fatalf("only %d of %d gaps between chunks are at least %v: %v", spaced, len(arrivals)-1, streamGap/2, arrivals)
		}
	})

	calls := model.list()[callsBefore:]
	settles := clock.list()
	t.Run("each completion reached the upstream once, rewritten and with the credential", func(t *testing.T) {
		if len(calls) != 2 {
			t.Fatalf("upstream calls %+v, want exactly the two paid completions", calls)
		}
		for i, c := range calls {
			if c.path != "/v1/chat/completions" {
				t.Errorf("call %d: upstream saw path %q, want /v1/chat/completions (public prefix replaced by basePath)", i, c.path)
			}
			if c.auth != "Bearer "+secret {
				t.Errorf("call %d: upstream saw Authorization %q, want the seller's credential", i, c.auth)
			}
		}
		if calls[0].stream || !calls[1].stream {
			t.Fatalf("calls %+v: want the plain completion, then the streamed one", calls)
		}
	})

	t.Run("plain completion settled after the upstream answered, stream settled before", func(t *testing.T) {
		if len(settles) != 2 || len(calls) != 2 {
			t.Fatalf("%d settlements for %d upstream calls, want 2 and 2", len(settles), len(calls))
		}
		if !settles[0].After(calls[0].end) {
			t.Errorf("plain completion settled %v after the upstream finished, want after it", settles[0].Sub(calls[0].end))
		}
		if !settles[1].Before(calls[1].start) {
			t.Errorf("streamed completion settled %v after the upstream started, want before it", settles[1].Sub(calls[1].start))
		}
	})

	t.Run("each completion moved exactly one price on chain", func(t *testing.T) {
		want := new(big.Int).Mul(mustBig(t, price), big.NewInt(2))
		if d := new(big.Int).Sub(payerBefore, w.balance(t, payer)); d.Cmp(want) != 0 {
			t.Errorf("payer paid %s, want %s (two completions)", d, want)
		}
		if d := new(big.Int).Sub(w.balance(t, seller), sellerBefore); d.Cmp(want) != 0 {
			t.Errorf("seller received %s, want %s", d, want)
		}
	})

	t.Run("the credential is in no log of the gate", func(t *testing.T) {
		if strings.Contains(tr.Log(), "urn:k8s:secret") {
			t.Errorf("Traefik's log mentions the Secret URN")
		}
		for _, rec := range tr.LogLines() {
			if msg, _ := rec["message"].(string); strings.Contains(msg, "turnpike") && strings.Contains(msg, secret) {
				t.Errorf("a gate log line holds the credential: %s", msg)
			}
		}
		if strings.Contains(tr.Log(), secret) {
			// Traefik itself dumps the dynamic configuration at DEBUG; the file
			// provider carries the resolved value there, the CRD provider the URN.
			t.Logf("note: Traefik's DEBUG configuration dump contains the file-provider value")
		}
	})
}

// runOpenAIClient runs e2e/testdata/openai/completions.mjs with the official SDK and
// returns its lines by call.
func runOpenAIClient(t *testing.T, baseURL, model string) map[string]map[string]any {
	t.Helper()
	root := testenv.RepoRoot(t)
	mods, err := exec.Command("bash", filepath.Join(root, "scripts", "install-deps.d", "60-buyer-llm-client.sh")).Output()
	must(t, err, "scripts/install-deps.d/60-buyer-llm-client.sh")
	work := t.TempDir()
	must(t, os.Symlink(strings.TrimSpace(string(mods)), filepath.Join(work, "node_modules")), "link node_modules")
	src, err := os.ReadFile(filepath.Join(root, "e2e", "testdata", "openai", "completions.mjs"))
	must(t, err, "read completions.mjs")
	must(t, os.WriteFile(filepath.Join(work, "completions.mjs"), src, 0o644), "stage completions.mjs")
	cmd := exec.Command(testenv.Bin(t, "node"), "completions.mjs")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "BASE_URL="+baseURL, "MODEL="+model)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node completions.mjs: %v\n%s\n%s", err, stdout, stderr.String())
	}
	out := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(string(stdout)))
	for sc.Scan() {
		var line map[string]any
		must(t, json.Unmarshal(sc.Bytes(), &line), "client printed %q", sc.Text())
		out[line["call"].(string)] = line
	}
	return out
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	must(t, err, "random")
	return hex.EncodeToString(b)
}

func mustBig(t *testing.T, s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("not an integer: %q", s)
	}
	return n
}
