package demo

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

var (
	routesLine = regexp.MustCompile(`-> (\S+/routes\.json)`)
	paidCurl   = regexp.MustCompile(`curl -i (\S+) -H "PAYMENT-SIGNATURE: \$\(cat (\S+)\)"`)
)

// TestRun drives Run as `turnpike demo` does: the script alone exits and removes its
// files; -serve keeps serving, and the printed commands (with payments signed in
// advance) work until the context ends.
func TestRun(t *testing.T) {
	cases := []struct {
		desc    string
		opts    RunOptions
		wantErr string
		wantOut []string
	}{
		{desc: "script only: exits nil and removes its temporary files", opts: RunOptions{Requests: 2}},
		{desc: "serve: commands work until cancelled", opts: RunOptions{Requests: 1, Serve: true},
			wantOut: []string{"x402 v1 clients cannot pay here", `allowedAssets: [{ network: "eip155:1337"`}},
		{desc: "serve under Base Sepolia's chain id: v1 clients can name it, v2 clients are told the token",
			opts:    RunOptions{Options: Options{ChainID: 84532}, Requests: 1, Serve: true},
			wantOut: []string{`the chain is "base-sepolia" in v1 terms`, `allowedAssets: [{ network: "eip155:84532", asset: "0x`}},
		{desc: "a zero price is refused before anything serves", opts: RunOptions{Options: Options{Price: "0"}}, wantErr: "price"},
		{desc: "a malformed price is refused", opts: RunOptions{Options: Options{Price: "one cent"}}, wantErr: "price"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out := &testenv.Buffer{}
			tc.opts.Out = out
			errc := make(chan error, 1)
			go func() { errc <- Run(ctx, tc.opts) }()

			if tc.opts.Serve {
				deadline := time.Now().Add(time.Minute)
				for !strings.Contains(out.String(), "Serving until Ctrl-C") {
					select {
					case err := <-errc:
						t.Fatalf("Run returned before serving: %v\n%s", err, out.String())
					default:
					}
					if time.Now().After(deadline) {
						t.Fatalf("not serving after a minute:\n%s", out.String())
					}
					time.Sleep(20 * time.Millisecond)
				}
				m := paidCurl.FindAllStringSubmatch(out.String(), -1)
				if len(m) != 3 {
					t.Fatalf("want 3 paid curl commands, found %d:\n%s", len(m), out.String())
				}
				for i, c := range m {
					hdr, err := os.ReadFile(c[2])
					if err != nil {
						t.Fatal(err)
					}
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c[1], nil)
					req.Header.Set("PAYMENT-SIGNATURE", strings.TrimSpace(string(hdr)))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || resp.Header.Get("PAYMENT-RESPONSE") == "" {
						t.Errorf("pre-signed payment %d: %s, receipt %q", i+1, resp.Status, resp.Header.Get("PAYMENT-RESPONSE"))
					}
				}
				cancel()
			}

			err := <-errc
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Run: %v\n%s", err, out.String())
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Run error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			m := routesLine.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("no routes document path in the output:\n%s", out.String())
			}
			if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
				t.Errorf("%s still exists after Run returned (stat: %v)", m[1], err)
			}
			if !strings.Contains(out.String(), "OK: ") {
				t.Errorf("no OK result line:\n%s", out.String())
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
