//go:build e2e

package e2e

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// startOfficialFacilitator runs the official TypeScript facilitator (interop/
// facilitator.mjs on the packages scripts/install-deps.d/50-x402-interop.sh installs)
// against the dev chain, relaying with a dev account of its own, and returns its URL.
// The gate inside Traefik then talks to a facilitator it was not written with: what
// the interpreted gate puts on the wire must be x402, not merely what our facilitator
// accepts.
func startOfficialFacilitator(t *testing.T, w *chainWorld) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "install-deps.d", "50-x402-interop.sh")).Output()
	must(t, err, "scripts/install-deps.d/50-x402-interop.sh")
	modules := strings.TrimSpace(string(out))
	if modules == "" {
		modules = filepath.Join(testenv.Cache(), "x402-interop", "node_modules")
	}
	dir := t.TempDir()
	must(t, os.Symlink(modules, filepath.Join(dir, "node_modules")), "link node_modules")
	for _, f := range []string{"facilitator.mjs", "package.json"} {
		data, err := os.ReadFile(filepath.Join(root, "interop", f))
		must(t, err, "read interop/%s", f)
		must(t, os.WriteFile(filepath.Join(dir, f), data, 0o644), "stage %s", f)
	}
	// A dev account of its own, so its transaction nonces never race our facilitator's.
	relayer := w.chain.Accounts()[len(w.chain.Accounts())-1]
	cmd := exec.Command(testenv.Bin(t, "node"), "facilitator.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"RPC_URL="+w.chain.RPCURL(),
		"CHAIN_ID="+strconv.FormatUint(w.info.ChainID, 10),
		"RELAYER_KEY=0x"+hex.EncodeToString(crypto.FromECDSA(relayer.Key)))
	stdout, err := cmd.StdoutPipe()
	must(t, err, "official facilitator stdout")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start(), "start official facilitator")
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line := <-lines:
		var ready struct{ Listening string }
		if json.Unmarshal([]byte(line), &ready) != nil || ready.Listening == "" {
			t.Fatalf("official facilitator said %q; stderr:\n%s", line, stderr.String())
		}
		return "http://" + ready.Listening
	case <-time.After(30 * time.Second):
		t.Fatalf("official facilitator not listening after 30 s; stderr:\n%s", stderr.String())
	}
	return ""
}
