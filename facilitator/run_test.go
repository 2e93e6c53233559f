package facilitator

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/x402"
)

func TestLoadKey(t *testing.T) {
	key, _ := crypto.GenerateKey()
	hexKey := hexutil.Encode(crypto.FromECDSA(key))
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte("  "+hexKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("0xnothex"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_RELAYER_KEY", strings.TrimPrefix(hexKey, "0x"))
	t.Setenv("TEST_EMPTY_KEY", "")
	want := crypto.PubkeyToAddress(key.PublicKey)
	for _, tc := range []struct {
		desc, file, env string
		ok              bool
	}{
		{"file with 0x and whitespace", file, "", true},
		{"env without 0x", "", "TEST_RELAYER_KEY", true},
		{"file wins over env", file, "TEST_EMPTY_KEY", true},
		{"missing file", filepath.Join(dir, "nope"), "TEST_RELAYER_KEY", false},
		{"bad hex", bad, "", false},
		{"nothing given", "", "TEST_EMPTY_KEY", false},
	} {
		k, err := LoadKey(tc.file, tc.env)
		if tc.ok != (err == nil) {
			t.Errorf("%s: err %v, want ok=%v", tc.desc, err, tc.ok)
			continue
		}
		if tc.ok && crypto.PubkeyToAddress(k.PublicKey) != want {
			t.Errorf("%s: wrong key", tc.desc)
		}
	}
}

// TestServe runs the facilitator as `turnpike facilitator` does, against the devchain.
func TestServe(t *testing.T) {
	c := startTestChain(t)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeConfig{Addr: "127.0.0.1:0", RPCURLs: []string{c.url},
			Key: c.dc.Account(devchain.RoleFacilitator).Key, Logger: quietLogger(), Ready: func(a string) { ready <- a }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready")
	}
	client, err := x402.NewFacilitatorClient("http://"+addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	sup, err := client.Supported(context.Background())
	if err != nil || len(sup.Kinds) != 2 || sup.Kinds[0].Network != "eip155:1337" ||
		sup.Signers["eip155:*"][0] != c.dc.Account(devchain.RoleFacilitator).Address.Hex() {
		t.Fatalf("supported: %+v %v", sup, err)
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || (path == "/metrics" && !strings.Contains(string(b), "go_goroutines")) {
			t.Errorf("%s: HTTP %d %.200s", path, resp.StatusCode, b)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after cancel", err)
		}
	case <-time.After(35 * time.Second):
		t.Fatal("serve did not stop")
	}
	// No chain behind the URL: Serve fails instead of serving a facilitator that
	// cannot verify anything.
	if err := Serve(context.Background(), ServeConfig{Addr: "127.0.0.1:0", RPCURLs: []string{"http://127.0.0.1:1"},
		Key: c.dc.Account(devchain.RoleFacilitator).Key, Logger: quietLogger()}); err == nil {
		t.Fatal("serve with an unreachable chain succeeded")
	}
}
