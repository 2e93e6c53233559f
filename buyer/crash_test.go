package buyer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
	"github.com/turnpike-x402/turnpike/buyer/state"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/x402"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// turnpikeBinary builds cmd/turnpike once per test process.
func turnpikeBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "turnpike-buyer-crash-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "turnpike")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/turnpike")
		cmd.Dir = testenv.RepoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = errors.New("go build ./cmd/turnpike: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// buyerProc is one run of `turnpike buyer`.
type buyerProc struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

func startBuyerProc(t *testing.T, bin string, args []string) *buyerProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"buyer", "-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &buyerProc{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "turnpike buyer listening on "); ok {
				addrc <- a
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	select {
	case p.addr = <-addrc:
	case <-p.done:
		t.Fatalf("buyer exited at startup: %s", stderr.String())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("buyer did not start: %s", stderr.String())
	}
	return p
}

func (p *buyerProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// gateRecorder sits in front of the gate and records every answer to a paid request:
// a buyer that never reuses an authorization never sees a paid request refused.
type gateRecorder struct {
	next      http.Handler
	mu        sync.Mutex
	v1Only    bool // hide the v2 header of challenges: the seller looks like a v1 server
	xPayment  int  // paid requests that came with the v1 header
	paid      int
	abandoned int
	refused   []string
}

func (g *gateRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	paid := r.Header.Get(x402.HeaderPaymentSignature) != "" || r.Header.Get(x402.HeaderXPayment) != ""
	if !paid {
		if g.v1Only {
			w = &v1Writer{ResponseWriter: w}
		}
		g.next.ServeHTTP(w, r)
		return
	}
	g.mu.Lock()
	if r.Header.Get(x402.HeaderXPayment) != "" {
		g.xPayment++
	}
	g.mu.Unlock()
	rec := &statusWriter{ResponseWriter: w, status: 200}
	g.next.ServeHTTP(rec, r)
	g.mu.Lock()
	g.paid++
	if r.Context().Err() != nil {
		// The buyer was killed while the gate worked: whatever the gate answered went
		// nowhere. Not a refusal of the authorization.
		g.abandoned++
	} else if rec.status != 200 {
		g.refused = append(g.refused, http.StatusText(rec.status)+": "+rec.body.String())
	}
	g.mu.Unlock()
}

type v1Writer struct{ http.ResponseWriter }

func (v *v1Writer) WriteHeader(c int) {
	v.Header().Del(x402.HeaderPaymentRequired)
	v.ResponseWriter.WriteHeader(c)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	body   strings.Builder
}

func (s *statusWriter) WriteHeader(c int) { s.status = c; s.ResponseWriter.WriteHeader(c) }
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status != 200 && s.body.Len() < 512 {
		s.body.Write(b)
	}
	return s.ResponseWriter.Write(b)
}

// TestCrashSafety: 200 paid calls through a real `turnpike buyer` process that is
// SIGKILLed at random points and restarted. No authorization is transferred twice on
// chain, the gate never sees an authorization offered again, every transfer on chain is
// in the buyer's records, and callers see only 200s, clear JSON errors or a refused
// connection while the buyer is down.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and restarts the turnpike binary")
	}
	const (
		wantPaid = 200
		clients  = 4
		minKills = 10
		maxKills = 30
	)
	bin := turnpikeBinary(t)
	s := startStack(t, "1000", "after")
	rec := s.recorder
	dir := t.TempDir()
	auths := s.sign(t, 400, time.Hour)
	buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), s.buyerConfig())
	buyertest.WriteJSON(t, filepath.Join(dir, "auths.json"), map[string]any{"weather": auths})
	statePath := filepath.Join(dir, "state", "consumed.json")
	args := []string{"-config", filepath.Join(dir, "config.json"), "-auths", filepath.Join(dir, "auths.json"), "-state", statePath, "-reload-interval", "0"}

	var addr atomic.Value
	p := startBuyerProc(t, bin, args)
	addr.Store(p.addr)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	var (
		paid, connErrs, jsonErrs atomic.Int64
		badMu                    sync.Mutex
		bad                      []string
	)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for ctx.Err() == nil && paid.Load() < wantPaid {
				base := addr.Load().(string)
				var resp *http.Response
				var err error
				if c%2 == 0 {
					resp, err = client.Get("http://" + base + "/upstream/weather/today")
				} else {
					resp, err = client.Post("http://"+base+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"paid/weather-model"}`))
				}
				if err != nil {
					connErrs.Add(1) // the buyer is down or was killed mid-answer
					time.Sleep(5 * time.Millisecond)
					continue
				}
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case rerr != nil:
					connErrs.Add(1)
				case resp.StatusCode == 200 && strings.Contains(string(body), "sunny"):
					paid.Add(1)
				default:
					var e struct{ Error, Message string }
					if json.Unmarshal(body, &e) == nil && e.Error != "" && e.Message != "" {
						jsonErrs.Add(1)
					} else {
						badMu.Lock()
						bad = append(bad, resp.Status+" "+string(body))
						badMu.Unlock()
					}
				}
			}
		}(c)
	}

	// Kill at random points until maxKills, then let the remaining calls finish: each
	// kill can cost at most the authorizations in flight, so the pool bounds the kills.
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	start := time.Now()
	for ctx.Err() == nil && paid.Load() < wantPaid {
		if kills >= maxKills {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		time.Sleep(time.Duration(20+rng.Intn(130)) * time.Millisecond)
		p.kill()
		kills++
		p = startBuyerProc(t, bin, args)
		addr.Store(p.addr)
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("timed out with %d paid calls after %d kills", paid.Load(), kills)
	}
	p.kill()
	t.Logf("%d paid calls in %v", paid.Load(), time.Since(start))
	if kills < minKills {
		t.Fatalf("only %d kills happened during the calls; the test proves little", kills)
	}
	if len(bad) > 0 {
		t.Fatalf("callers saw unclear answers: %q", bad)
	}
	rec.mu.Lock()
	refused := append([]string(nil), rec.refused...)
	gatePaid, abandoned := rec.paid, rec.abandoned
	rec.mu.Unlock()
	if len(refused) > 0 {
		t.Fatalf("the gate refused %d of %d paid requests (an authorization offered again?): %q", len(refused), gatePaid, refused)
	}
	onChain := s.transfers(t)
	recs, err := state.Read(statePath)
	if err != nil {
		t.Fatalf("state after crashes: %v", err)
	}
	held, spent := 0, 0
	for _, r := range recs {
		switch r.Outcome {
		case state.Held:
			held++
		case state.Spent:
			spent++
		}
	}
	for k, c := range onChain {
		if c != 1 {
			t.Fatalf("authorization %s transferred %d times on chain", k, c)
		}
		if _, ok := recs[k]; !ok {
			t.Fatalf("authorization %s was transferred on chain but the buyer has no record of it", k)
		}
	}
	if int64(len(onChain)) < paid.Load() {
		t.Fatalf("%d paid answers but only %d transfers", paid.Load(), len(onChain))
	}
	lost := len(recs) - len(onChain)
	t.Logf("paid=%d kills=%d transfers=%d records=%d (spent %d, held %d) lost-to-crashes=%d conn-errors=%d json-errors=%d gate-paid-requests=%d abandoned-by-kills=%d",
		paid.Load(), kills, len(onChain), len(recs), spent, held, lost, connErrs.Load(), jsonErrs.Load(), gatePaid, abandoned)
	if lost > kills*clients {
		t.Fatalf("%d authorizations lost, more than the in-flight bound %d", lost, kills*clients)
	}

	// A graceful stop (SIGTERM) exits 0 and folds the journal into the snapshot.
	p = startBuyerProc(t, bin, args)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.kill()
		t.Fatal("buyer did not stop on SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("SIGTERM exit code %d", code)
	}
	if st, err := os.Stat(statePath + ".journal"); err != nil || st.Size() != 0 {
		t.Fatalf("journal after a graceful stop: %v (%d bytes)", err, st.Size())
	}
	after, err := state.Read(statePath)
	if err != nil || len(after) != len(recs) {
		t.Fatalf("records after a graceful stop: %d (%v), want %d", len(after), err, len(recs))
	}
}

// TestCorruptStateStopsTheProcess: `turnpike buyer` refuses to start on a state file
// it cannot read, says why, and leaves the file as it was.
func TestCorruptStateStopsTheProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the turnpike binary")
	}
	bin := turnpikeBinary(t)
	dir := t.TempDir()
	buyertest.WriteJSON(t, filepath.Join(dir, "config.json"), upstreamConfig("http://127.0.0.1:1"))
	statePath := filepath.Join(dir, "consumed.json")
	corrupt := []byte(`{"version":1,"consumed":{"0xabc:0x01":{"u":"weather","o":"held"`)
	if err := os.WriteFile(statePath, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "buyer", "-listen", "127.0.0.1:0", "-config", filepath.Join(dir, "config.json"), "-auths", filepath.Join(dir, "none.json"), "-state", statePath)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("buyer started on a corrupt state: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "corrupt") || !strings.Contains(string(out), "kept for inspection") {
		t.Fatalf("unclear error: %s", out)
	}
	if raw, _ := os.ReadFile(statePath); string(raw) != string(corrupt) {
		t.Fatal("the corrupt state file was changed")
	}
}
