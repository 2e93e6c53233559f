package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI drives the whole command line in process: exit codes (0 for help, 2 for a
// mistake in the command line, 1 for a failure), and that every refusal names what
// to fix before anything is started or written.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	gateConf := func(extra string) string {
		f, err := os.CreateTemp(dir, "dynamic-*.yml")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = f.WriteString("http:\n  middlewares:\n    pay:\n      plugin:\n        turnpike:\n" +
			"          offer: shop/weather\n          routesFile: " + filepath.Join(dir, "routes.json") + "\n" +
			"          facilitatorURL: http://127.0.0.1:1\n" + extra)
		if err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	buyerState := filepath.Join(dir, "buyer-state", "consumed.json")
	demoDir := filepath.Join(dir, "demo", "nested")

	cases := []struct {
		desc      string
		args      []string
		cancelled bool // ctx already done: the command starts and stops at once
		code      int
		stdout    []string // substrings expected on stdout
		stderr    []string // substrings expected on stderr
		notStderr []string // substrings that must not be on stderr
		check     func(t *testing.T)
	}{
		{desc: "no command", args: nil, code: 2, stderr: []string{"usage: turnpike <command>"}},
		{desc: "help lists the commands", args: []string{"-h"}, code: 0, stdout: []string{"buyer", "controller", "demo", "devnet", "drain", "facilitator", "gateway", "install-plugin", "offers", "sell", "version"}},
		{desc: "unknown command", args: []string{"resell"}, code: 2, stderr: []string{`unknown command "resell"`}},

		{desc: "sell -h", args: []string{"sell", "-h"}, code: 0, stdout: []string{"usage: turnpike sell", "server-side apply", "-per-mtok"}},
		{desc: "offers -h", args: []string{"offers", "-h"}, code: 0, stdout: []string{"usage: turnpike offers", "-metrics-url"}},
		{desc: "drain -h", args: []string{"drain", "-h"}, code: 0, stdout: []string{"usage: turnpike drain", "-grace", "-cancel"}},
		{desc: "version -h", args: []string{"version", "-h"}, code: 0, stdout: []string{"usage: turnpike version", "-ldflags"}},
		{desc: "version", args: []string{"version"}, code: 0, stdout: []string{"turnpike ", "commit ", "go1."}},
		{desc: "version -json", args: []string{"version", "-json"}, code: 0, stdout: []string{`"version":`, `"goVersion":"go1.`}},
		{desc: "sell usage error exits 2 naming the flag", args: []string{"sell", "http", "x", "--upstream", "w:1", "--price", "0.01", "--network", "base", "--pay-to", "0x12"},
			code: 2, stderr: []string{`--pay-to "0x12"`, "turnpike sell -h"}, notStderr: []string{"usage:"}},
		{desc: "sell -o yaml needs no cluster", args: []string{"sell", "agent", "helper", "-n", "agents", "--upstream", "helper:3000", "--amount", "10000", "--network", "base-sepolia",
			"--pay-to", "0x1111111111111111111111111111111111111111", "--kubeconfig", filepath.Join(dir, "no-kubeconfig"), "-o", "yaml"},
			code: 0, stdout: []string{"kind: ServiceOffer", "namespace: agents", "amount: \"10000\"", "type: agent"}},
		{desc: "drain usage error", args: []string{"drain", "x", "--now", "--cancel"}, code: 2, stderr: []string{"exclude each other"}},
		{desc: "offers without a cluster fails with 1", args: []string{"offers", "--kubeconfig", filepath.Join(dir, "no-kubeconfig")}, code: 1, stderr: []string{"turnpike offers:", "no-kubeconfig"}},

		{desc: "buyer -h", args: []string{"buyer", "-h"}, code: 0, stdout: []string{"usage: turnpike buyer", "pre-signed", "-config-dir", "-log-level"}},
		{desc: "controller -h", args: []string{"controller", "-h"}, code: 0, stdout: []string{"usage: turnpike controller", "ServiceOffer", "-routes-configmap", "-log-level"}},
		{desc: "demo -h", args: []string{"demo", "-h"}, code: 0, stdout: []string{"usage: turnpike demo", "scripted buyer", "-price", "-log-level"}},
		{desc: "devnet -h", args: []string{"devnet", "-h"}, code: 0, stdout: []string{"usage: turnpike devnet", "dev chain", "-chain-id", "-log-level"}},
		{desc: "facilitator -h", args: []string{"facilitator", "-h"}, code: 0, stdout: []string{"usage: turnpike facilitator", "settles them on", "-rpc", "-log-level"}},
		{desc: "gateway -h", args: []string{"gateway", "-help"}, code: 0, stdout: []string{"usage: turnpike gateway", "without Traefik", "-upstream", "-log-level"}},
		{desc: "install-plugin -h", args: []string{"install-plugin", "--help"}, code: 0, stdout: []string{"usage: turnpike install-plugin", "plugins-local", "-to"}},

		{desc: "unknown flag", args: []string{"gateway", "-no-such-flag"}, code: 2, stderr: []string{"no-such-flag", "turnpike gateway -h"}, notStderr: []string{"usage:"}},
		{desc: "stray argument", args: []string{"devnet", "extra"}, code: 2, stderr: []string{`unexpected argument "extra"`}},
		{desc: "bad log level", args: []string{"facilitator", "-log-level", "loud"}, code: 2, stderr: []string{"-log-level", "debug, info, warn or error"}},

		{desc: "gateway without -config", args: []string{"gateway", "-upstream", "http://127.0.0.1:1"}, code: 2, stderr: []string{"-config is required"}},
		{desc: "gateway without -upstream", args: []string{"gateway", "-config", "x.yml"}, code: 2, stderr: []string{"-upstream is required"}},
		{desc: "gateway with a relative upstream", args: []string{"gateway", "-config", "x.yml", "-upstream", "127.0.0.1:8080"}, code: 2, stderr: []string{"-upstream", "not a valid URL"}},
		{desc: "gateway with an unknown plugin key", args: []string{"gateway", "-config", gateConf("          settleTimoutMs: 5\n"), "-upstream", "http://127.0.0.1:1"},
			code: 1, stderr: []string{`unknown key "settleTimoutMs"`}},
		{desc: "gateway logs JSON", args: []string{"gateway", "-config", gateConf(""), "-upstream", "http://127.0.0.1:1", "-listen", "127.0.0.1:0"},
			cancelled: true, code: 0, stderr: []string{`"msg":"gateway serving"`, `"cmd":"gateway"`}},
		{desc: "gateway -log-level error keeps info records out", args: []string{"gateway", "-config", gateConf(""), "-upstream", "http://127.0.0.1:1", "-listen", "127.0.0.1:0", "-log-level", "error"},
			cancelled: true, code: 0, notStderr: []string{"gateway serving"}},

		{desc: "facilitator without -rpc", args: []string{"facilitator"}, code: 2, stderr: []string{"-rpc is required"}},
		{desc: "facilitator with an invalid -rpc", args: []string{"facilitator", "-rpc", "not a url"}, code: 2, stderr: []string{`-rpc "not a url"`, "not a valid URL"}},
		{desc: "facilitator without a relayer key", args: []string{"facilitator", "-rpc", "http://127.0.0.1:8545"}, code: 2, stderr: []string{"-relayer-key-file is required"}},

		{desc: "devnet chain id 0", args: []string{"devnet", "-chain-id", "0"}, code: 2, stderr: []string{"-chain-id must be positive"}},
		{desc: "devnet without accounts", args: []string{"devnet", "-accounts", "0"}, code: 2, stderr: []string{"-accounts must be positive"}},

		{desc: "buyer without its config", args: []string{"buyer", "-config", filepath.Join(dir, "none.json"), "-state", buyerState}, code: 2,
			stderr: []string{"-config " + filepath.Join(dir, "none.json") + " does not exist", "-config-dir"},
			check: func(t *testing.T) {
				if _, err := os.Stat(filepath.Dir(buyerState)); !os.IsNotExist(err) {
					t.Fatalf("the refused buyer touched its state directory: %v", err)
				}
			}},
		{desc: "buyer with a missing config dir", args: []string{"buyer", "-config-dir", filepath.Join(dir, "nodir"), "-state", buyerState}, code: 2, stderr: []string{"-config-dir", "is not a directory"}},

		{desc: "demo with a bad price", args: []string{"demo", "-price", "1,5"}, code: 2, stderr: []string{`-price "1,5"`}, notStderr: []string{"chain"}},
		{desc: "demo with a zero price", args: []string{"demo", "-price", "0"}, code: 2, stderr: []string{`-price "0" must be positive`}},
		{desc: "demo without requests", args: []string{"demo", "-n", "0"}, code: 2, stderr: []string{"-requests must be positive"}},
		{desc: "demo creates its -dir", args: []string{"demo", "-dir", demoDir}, cancelled: true, code: 1, check: func(t *testing.T) {
			if st, err := os.Stat(demoDir); err != nil || !st.IsDir() {
				t.Fatalf("demo -dir %s was not created: %v", demoDir, err)
			}
			// The components' log is JSON, like every other command's.
			data, err := os.ReadFile(filepath.Join(demoDir, "components.log"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if line != "" && !json.Valid([]byte(line)) {
					t.Fatalf("components.log line is not JSON: %s", line)
				}
			}
		}},

		{desc: "install-plugin without -to", args: []string{"install-plugin"}, code: 2, stderr: []string{"-to is required"}},
		{desc: "controller flag mistake", args: []string{"controller", "-routes-configmap", "routes"}, code: 2, stderr: []string{"--routes-configmap"}},
	}
	t.Setenv("TURNPIKE_RPC_URL", "")
	t.Setenv("TURNPIKE_RELAYER_KEY", "")
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			keepLogging(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, &stdout, &stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, &stdout)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, &stderr)
				}
			}
			for _, not := range tc.notStderr {
				if strings.Contains(stderr.String(), not) {
					t.Errorf("stderr has %q:\n%s", not, &stderr)
				}
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

// keepLogging restores the process-wide loggers a command replaced.
func keepLogging(t *testing.T) {
	def, w, flags := slog.Default(), log.Writer(), log.Flags()
	t.Cleanup(func() {
		slog.SetDefault(def)
		log.SetOutput(w)
		log.SetFlags(flags)
	})
}
