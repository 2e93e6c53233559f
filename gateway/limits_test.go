package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// startGateway runs a gateway (as `turnpike gateway` does) in front of an upstream
// that records the headers it receives, with a facilitator that accepts everything,
// and returns its address once the routes are loaded.
func startGateway(t *testing.T, o Options) (addr string, seen func() http.Header) {
	t.Helper()
	var mu sync.Mutex
	var last http.Header
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.Header.Clone()
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	fac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/verify" {
			fmt.Fprintf(w, `{"isValid":true,"payer":%q}`, payer)
			return
		}
		fmt.Fprintf(w, `{"success":true,"transaction":"0xabc","network":"eip155:84532","payer":%q}`, payer)
	}))
	t.Cleanup(fac.Close)
	dir := t.TempDir()
	doc := routes.Document{Schema: routes.Schema, Generation: 1, Offers: []routes.Offer{{
		Namespace: "demo", Name: "weather", State: routes.StateActive, PathPrefix: "/weather",
		Payments: []routes.Payment{{Scheme: "exact", Network: "eip155:84532", Amount: "1000", Asset: asset, PayTo: payTo,
			MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6}},
	}}}
	raw, _ := json.Marshal(doc)
	routesFile := filepath.Join(dir, "routes.json")
	if err := os.WriteFile(routesFile, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	dyn := filepath.Join(dir, "dynamic.yml")
	conf := fmt.Sprintf("http:\n  middlewares:\n    gate:\n      plugin:\n        turnpike:\n          offer: demo/weather\n          routesFile: %s\n          facilitatorURL: %s\n          payerHeader: X-Turnpike-Payer\n          pollIntervalMs: 50\n", routesFile, fac.URL)
	if err := os.WriteFile(dyn, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	o.DynamicConfig, o.Listen, o.Upstream, o.Ready = dyn, "127.0.0.1:0", up.URL, func(a string) { ready <- a }
	go func() { errc <- Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		<-errc
	})
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("gateway: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not start")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/weather/today")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusPaymentRequired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routes never loaded: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr, func() http.Header {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

type limits struct {
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
}

func TestServerDefaults(t *testing.T) {
	tests := []struct {
		desc string
		o    Options
		want limits
	}{
		{desc: "zero options take the defaults", want: limits{ReadHeaderTimeout: DefaultReadHeaderTimeout, ReadTimeout: DefaultReadTimeout,
			WriteTimeout: DefaultWriteTimeout, IdleTimeout: DefaultIdleTimeout, MaxHeaderBytes: DefaultMaxHeaderBytes}},
		{desc: "negative values disable", o: Options{ReadHeaderTimeout: -1, ReadTimeout: -1, WriteTimeout: -1, IdleTimeout: -1, MaxHeaderBytes: -1}},
		{desc: "explicit values are kept", o: Options{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second, MaxHeaderBytes: 5},
			want: limits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second, MaxHeaderBytes: 5}},
	}
	for _, tc := range tests {
		s := server(http.NotFoundHandler(), tc.o)
		if s.ReadHeaderTimeout != tc.want.ReadHeaderTimeout || s.ReadTimeout != tc.want.ReadTimeout || s.WriteTimeout != tc.want.WriteTimeout ||
			s.IdleTimeout != tc.want.IdleTimeout || s.MaxHeaderBytes != tc.want.MaxHeaderBytes {
			t.Errorf("%s: got %v/%v/%v/%v/%d", tc.desc, s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
		}
	}
	if DefaultWriteTimeout < 5*time.Second+30*time.Second+30*time.Second {
		t.Errorf("default write timeout %v does not leave the upstream 30 s after verify (5 s) and settle (30 s)", DefaultWriteTimeout)
	}
}

func TestServerLimits(t *testing.T) {
	addr, _ := startGateway(t, Options{IdleTimeout: 300 * time.Millisecond, MaxHeaderBytes: 4096})
	tests := []struct {
		desc string
		run  func(t *testing.T, c net.Conn)
	}{
		{desc: "an idle keep-alive connection is closed", run: func(t *testing.T, c net.Conn) {
			fmt.Fprintf(c, "GET /weather/today HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusPaymentRequired {
				t.Fatalf("status %d", resp.StatusCode)
			}
			start := time.Now()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := br.ReadByte(); err != io.EOF {
				t.Fatalf("read on the idle connection: %v, want EOF (closed by the server)", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("closed after %v", d)
			}
		}},
		{desc: "an oversized header block gets 431", run: func(t *testing.T, c net.Conn) {
			// net/http allows 4 KiB above MaxHeaderBytes.
			fmt.Fprintf(c, "GET /weather/today HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\n\r\n", addr, strings.Repeat("a", 16<<10))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("status %d, want 431", resp.StatusCode)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tc.run(t, c)
		})
	}
}

// TestUpstreamNeverSeesPaymentSpellings sends header names on the wire as a client
// may spell them: net/http canonicalizes case but keeps '_', and many upstreams (CGI,
// PHP, WSGI, nginx with underscores_in_headers) fold '_' and '-' into one name.
func TestUpstreamNeverSeesPaymentSpellings(t *testing.T) {
	addr, seen := startGateway(t, Options{})
	forged := []string{"X-Turnpike-Payer", "x_turnpike_payer", "X_TURNPIKE-PAYER", "x-turnpike_payer", "payment_signature", "X_Payment", "X-PAYMENT"}
	tests := []struct {
		desc    string
		paid    bool
		path    string
		wantSt  int
		wantPay string // the payer header the upstream must see
	}{
		{desc: "paid request", paid: true, path: "/weather/today", wantSt: 200, wantPay: payer},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var b strings.Builder
			fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", tc.path, addr)
			for _, name := range forged {
				fmt.Fprintf(&b, "%s: 0x000000000000000000000000000000000000dEaD\r\n", name)
			}
			if tc.paid {
				now := time.Now().Unix()
				h, _ := x402.EncodeHeader(x402.PaymentPayload{X402Version: 2, Accepted: &x402.Requirements{Scheme: "exact", Network: "eip155:84532",
					Amount: "1000", Asset: asset, PayTo: payTo, MaxTimeoutSeconds: 60, Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)},
					Payload: x402.ExactEVMPayload{Signature: "0x" + strings.Repeat("11", 65), Authorization: x402.Authorization{From: payer, To: payTo,
						Value: "1000", ValidAfter: fmt.Sprint(now - 600), ValidBefore: fmt.Sprint(now + 60), Nonce: fmt.Sprintf("0x%064x", now)}}})
				fmt.Fprintf(&b, "payment-signature: %s\r\n", h)
			}
			b.WriteString("\r\n")
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, b.String())
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantSt {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			h := seen()
			for k, v := range h {
				f := strings.ReplaceAll(strings.ToLower(k), "_", "-")
				switch f {
				case "x-turnpike-payer":
					if k != "X-Turnpike-Payer" || len(v) != 1 || v[0] != tc.wantPay {
						t.Errorf("upstream got %s: %q, want only X-Turnpike-Payer: %s", k, v, tc.wantPay)
					}
				case "payment-signature", "x-payment":
					t.Errorf("upstream got %s: %q", k, v)
				}
			}
			if h.Get("X-Turnpike-Payer") != tc.wantPay {
				t.Errorf("payer header %q, want %q", h.Get("X-Turnpike-Payer"), tc.wantPay)
			}
		})
	}
}
