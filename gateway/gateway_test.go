package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

const (
	payTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
	asset = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	payer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

// TestGatewayEndToEnd runs the gateway as `turnpike gateway` does, from a Traefik
// dynamic configuration file, between a client and an upstream, with a facilitator
// that accepts everything.
func TestGatewayEndToEnd(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "forecast for %s, payer %s, payment header %q", r.URL.Path, r.Header.Get("X-Payer"), r.Header.Get("PAYMENT-SIGNATURE"))
	}))
	defer up.Close()
	var settles int
	fac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/verify":
			fmt.Fprintf(w, `{"isValid":true,"payer":%q}`, payer)
		case "/settle":
			settles++
			fmt.Fprintf(w, `{"success":true,"transaction":"0xabc","network":"eip155:84532","payer":%q}`, payer)
		}
	}))
	defer fac.Close()

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
	conf := fmt.Sprintf(`http:
  middlewares:
    gate:
      plugin:
        turnpike:
          offer: demo/weather
          routesFile: %s
          facilitatorURL: %s
          payerHeader: X-Payer
          pollIntervalMs: 50
`, routesFile, fac.URL)
	if err := os.WriteFile(dyn, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Options{DynamicConfig: dyn, Listen: "127.0.0.1:0", Upstream: up.URL, Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("gateway: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not start")
	}
	get := func(hdr map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", "http://"+addr+"/weather/today", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	deadline := time.Now().Add(5 * time.Second)
	var resp *http.Response
	for {
		resp = get(nil)
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		resp.Body.Close()
		time.Sleep(20 * time.Millisecond)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("unpaid: %d", resp.StatusCode)
	}
	var pr x402.PaymentRequired
	if err := x402.DecodeHeader(resp.Header.Get(x402.HeaderPaymentRequired), 0, &pr); err != nil {
		t.Fatal(err)
	}
	if pr.Resource.URL != "http://"+addr+"/weather/today" || len(pr.Accepts) != 1 {
		t.Fatalf("challenge %+v", pr)
	}
	now := time.Now().Unix()
	payload := x402.PaymentPayload{X402Version: 2, Accepted: &pr.Accepts[0], Payload: x402.ExactEVMPayload{
		Signature: "0x" + strings.Repeat("11", 65),
		Authorization: x402.Authorization{From: payer, To: payTo, Value: "1000", ValidAfter: fmt.Sprint(now - 600),
			ValidBefore: fmt.Sprint(now + 60), Nonce: "0x" + strings.Repeat("ab", 32)},
	}}
	h, _ := x402.EncodeHeader(payload)
	resp = get(map[string]string{x402.HeaderPaymentSignature: h})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get(x402.HeaderPaymentResponse) == "" || settles != 1 {
		t.Fatalf("paid: %d %s settles %d", resp.StatusCode, body, settles)
	}
	if want := `forecast for /weather/today, payer ` + payer + `, payment header ""`; string(body) != want {
		t.Fatalf("upstream saw %q", body)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestHandlerErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	_ = os.WriteFile(bad, []byte("http:\n  middlewares:\n    g:\n      plugin:\n        turnpike:\n          offer: nope\n"), 0o644)
	tests := []struct {
		desc    string
		o       Options
		wantErr string
	}{
		{desc: "upstream missing", o: Options{DynamicConfig: bad}, wantErr: "upstream"},
		{desc: "config file missing", o: Options{DynamicConfig: filepath.Join(dir, "none.yml"), Upstream: "http://127.0.0.1:1"}, wantErr: "none.yml"},
		{desc: "invalid plugin config", o: Options{DynamicConfig: bad, Upstream: "http://127.0.0.1:1"}, wantErr: "offer"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Handler(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
