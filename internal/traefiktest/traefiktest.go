// Package traefiktest runs a real Traefik for integration tests: it lays out local
// plugins under plugins-local/src the way the image does, writes the static and dynamic
// configuration, starts the binary from internal/testenv, waits until it answers (or,
// when asked, until it exits), stops it when the test ends and puts its log in the
// failure message. Every suite that needs Traefik (e2e/, controller/fullstack/,
// manifests/) starts it here, so there is one way it is configured and torn down.
package traefiktest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/filetree"
	"github.com/turnpike-x402/turnpike/internal/testenv"
	"github.com/turnpike-x402/turnpike/internal/testutil"
)

// The gate's module path, and the name Gate declares it under (dynamic configuration
// refers to it as `plugin.turnpike`, as the shipped files do).
const (
	TurnpikeModule = "github.com/turnpike-x402/turnpike"
	GateName       = "turnpike"
)

// Start-up and shutdown limits. Yaegi interpreting the gate takes a few seconds on an
// idle machine and far longer on a loaded CI runner.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
	// diagnosticsTail bounds each file quoted in a failure message.
	diagnosticsTail = 6000
)

// Plugin is a local plugin laid out under plugins-local/src/<Module> and declared in
// experimental.localPlugins as Name; dynamic configuration refers to it as
// `plugin.<Name>`.
type Plugin struct {
	Name   string
	Module string
	// Src is a folder copied whole as the module root. Empty means the gate from this
	// repository, laid out as the image ships it: go.mod, .traefik.yml, plugin/, x402/.
	Src string
	// Files are written into the module tree after the copy (path relative to the
	// module root → content), to load a deliberately broken plugin.
	Files map[string]string
}

// Gate is the Turnpike gate from this repository, declared as GateName.
func Gate() Plugin { return Plugin{Name: GateName, Module: TurnpikeModule} }

// Options describes one Traefik process.
type Options struct {
	Plugins []Plugin
	// Static is the static configuration to start from, e.g. the file shipped in
	// manifests/traefik; nil starts from an empty one. Keys it sets are kept except
	// what a test must own: every entry point listens on a free loopback port, the
	// harness adds a "ping" entry point and points `ping` at it, the log goes to a
	// JSON file, version checks are off, and `providers` is replaced (see Providers).
	Static map[string]any
	// Dynamic is the file provider's configuration (JSON, which is YAML); the file
	// provider always runs so WriteDynamic works at any time.
	Dynamic map[string]any
	// Providers are added next to the file provider (kubernetesCRD, ...). Providers in
	// Static are dropped: they would point at a cluster the test does not have.
	Providers map[string]any
	// LogLevel overrides Static's log level; the default is DEBUG, so the plugin's
	// fmt.Print lines reach the log.
	LogLevel string
	// KeepRunningOnPluginFailure turns abortOnPluginFailure off (Traefik's default),
	// only to show what that default does. Without it the harness sets
	// abortOnPluginFailure, unless Static already decides.
	KeepRunningOnPluginFailure bool
	// DebugAddr, when set, serves Traefik's API with /debug/pprof on that address
	// (for profiling the gate inside Traefik; off in the suites).
	DebugAddr string
	// ExpectExit makes Start return once the process has exited instead of failing;
	// the caller checks why with ExitErr. A process still running after the start-up
	// limit fails the test.
	ExpectExit bool
	// Env is added to the process environment (KUBECONFIG, HTTP_PROXY, ...).
	Env []string
	// WebHTTP is the web entry point's `http` section (encodedCharacters,
	// sanitizePath, ...); nil keeps Static's, or Traefik's defaults.
	WebHTTP map[string]any
}

// Traefik is a running (or, with ExpectExit, exited) Traefik process.
type Traefik struct {
	Bin     string // the binary that runs (for `traefik version`)
	Dir     string // working directory: holds plugins-local/, the configs and the log
	Web     string // host:port of the web entry point
	Ping    string // host:port of the ping entry point
	LogPath string
	// EntryPoints maps every entry point name to its loopback address.
	EntryPoints map[string]string
	cmd         *exec.Cmd
	done        chan struct{}
	exitErr     error
}

// Start lays out a working directory, starts Traefik in it and waits until /ping
// answers (or, with ExpectExit, until the process exits). Traefik is stopped when the
// test ends, and its log is printed when the test failed.
func Start(t testing.TB, opts Options) *Traefik {
	t.Helper()
	bin := testenv.Traefik(t)
	dir := t.TempDir()
	for _, p := range opts.Plugins {
		LayOut(t, dir, p)
	}
	tr := &Traefik{Bin: bin, Dir: dir, LogPath: filepath.Join(dir, "traefik.log"), done: make(chan struct{})}
	static := tr.staticConfig(t, opts)
	writeJSON(t, filepath.Join(dir, "traefik.yml"), static)
	tr.WriteDynamic(t, opts.Dynamic)
	tr.start(t, bin, opts.Env)
	t.Cleanup(func() {
		tr.Stop(t)
		if t.Failed() {
			tr.keepLog(t)
			t.Logf("traefik in %s:\n%s", dir, tr.Diagnostics())
		}
	})
	tr.waitReady(t, opts.ExpectExit)
	return tr
}

// LayOut copies p under <dir>/plugins-local/src/<module> and returns that folder.
// Test files and testdata are left out, as in a release.
func LayOut(t testing.TB, dir string, p Plugin) string {
	t.Helper()
	dst := filepath.Join(dir, "plugins-local", "src", filepath.FromSlash(p.Module))
	if p.Src != "" {
		copyTree(t, p.Src, dst)
	} else {
		repo := testenv.RepoRoot(t)
		for _, f := range []string{".traefik.yml", "go.mod"} {
			writeFile(t, filepath.Join(dst, f), readFile(t, filepath.Join(repo, f)))
		}
		for _, sub := range []string{"plugin", "x402"} {
			copyTree(t, filepath.Join(repo, sub), filepath.Join(dst, sub))
		}
	}
	for rel, content := range p.Files {
		writeFile(t, filepath.Join(dst, filepath.FromSlash(rel)), []byte(content))
	}
	return dst
}

func (tr *Traefik) staticConfig(t testing.TB, opts Options) map[string]any {
	t.Helper()
	static := map[string]any{}
	// A JSON round trip deep-copies Static, so the caller's map (often a parsed
	// shipped file reused by several subtests) is never changed.
	if opts.Static != nil {
		data, err := json.Marshal(opts.Static)
		if err != nil {
			t.Fatalf("static configuration: %v", err)
		}
		if err := json.Unmarshal(data, &static); err != nil {
			t.Fatalf("static configuration: %v", err)
		}
	}
	static["global"] = map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false}

	eps := section(static, "entryPoints")
	web := section(eps, "web")
	// Stop quickly at the end of a test: idle keep-alive connections would otherwise
	// hold shutdown for the default 10 s.
	web["transport"] = map[string]any{"lifeCycle": map[string]any{"graceTimeOut": "1s"}}
	if opts.WebHTTP != nil {
		web["http"] = opts.WebHTTP
	}
	section(eps, "ping")
	if opts.DebugAddr != "" {
		section(eps, "traefik")
		static["api"] = map[string]any{"insecure": true, "debug": true, "dashboard": false}
	}
	tr.EntryPoints = map[string]string{}
	names := make([]string, 0, len(eps))
	for name := range eps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		addr := testutil.FreeAddr(t)
		if name == "traefik" && opts.DebugAddr != "" {
			addr = opts.DebugAddr
		}
		section(eps, name)["address"] = addr
		tr.EntryPoints[name] = addr
	}
	tr.Web, tr.Ping = tr.EntryPoints["web"], tr.EntryPoints["ping"]
	static["ping"] = map[string]any{"entryPoint": "ping"}

	logSection := section(static, "log")
	if opts.LogLevel != "" {
		logSection["level"] = opts.LogLevel
	} else if _, ok := logSection["level"]; !ok {
		logSection["level"] = "DEBUG"
	}
	logSection["filePath"], logSection["format"] = tr.LogPath, "json"

	providers := map[string]any{"file": map[string]any{"filename": filepath.Join(tr.Dir, "dynamic.yml"), "watch": true}}
	for k, v := range opts.Providers {
		providers[k] = v
	}
	static["providers"] = providers

	exp := section(static, "experimental")
	if opts.KeepRunningOnPluginFailure {
		exp["abortOnPluginFailure"] = false
	} else if _, ok := exp["abortOnPluginFailure"]; !ok {
		// A plugin that fails to load must stop Traefik, not start it with every
		// gated router gone.
		exp["abortOnPluginFailure"] = true
	}
	if len(opts.Plugins) > 0 {
		local := section(exp, "localPlugins")
		for _, p := range opts.Plugins {
			local[p.Name] = map[string]any{"moduleName": p.Module}
		}
	}
	return static
}

func (tr *Traefik) start(t testing.TB, bin string, env []string) {
	t.Helper()
	stdout, err := os.Create(filepath.Join(tr.Dir, "traefik.stdout"))
	if err != nil {
		t.Fatalf("traefik stdout: %v", err)
	}
	cmd := exec.Command(bin, "--configfile="+filepath.Join(tr.Dir, "traefik.yml"))
	// The plugins-local path is relative to the working directory (hard-coded in
	// Traefik), exactly as in a pod whose image puts sources under /plugins-local.
	cmd.Dir = tr.Dir
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = stdout, stdout
	// Its own process group, so a hung Traefik can be killed with anything it forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		_ = stdout.Close()
		t.Fatalf("start traefik: %v", err)
	}
	tr.cmd = cmd
	go func() {
		tr.exitErr = cmd.Wait()
		_ = stdout.Close()
		close(tr.done)
	}()
}

func (tr *Traefik) waitReady(t testing.TB, expectExit bool) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-tr.done:
			if expectExit {
				return
			}
			t.Fatalf("traefik exited during start-up (%v):\n%s", tr.exitErr, tr.Diagnostics())
		default:
		}
		if !expectExit && tr.pingOK() {
			return
		}
		if time.Now().After(deadline) {
			if expectExit {
				t.Fatalf("traefik still runs %s after start, want it to exit:\n%s", startTimeout, tr.Diagnostics())
			}
			t.Fatalf("traefik did not answer /ping within %s:\n%s", startTimeout, tr.Diagnostics())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tr *Traefik) pingOK() bool {
	resp, err := http.Get("http://" + tr.Ping + "/ping")
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// URL returns the web entry point URL for path.
func (tr *Traefik) URL(path string) string { return "http://" + tr.Web + path }

// PID is the Traefik process id, for /proc accounting.
func (tr *Traefik) PID() int { return tr.cmd.Process.Pid }

// WriteDynamic replaces the file provider's configuration atomically, so the watcher
// never reads half a file.
func (tr *Traefik) WriteDynamic(t testing.TB, dyn map[string]any) {
	t.Helper()
	if dyn == nil {
		dyn = map[string]any{}
	}
	p := filepath.Join(tr.Dir, "dynamic.yml")
	writeJSON(t, p+".tmp", dyn)
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatalf("dynamic configuration: %v", err)
	}
}

// Stop sends SIGTERM and waits; a process that hangs is killed with its process
// group and fails the test, since a Traefik that ignores SIGTERM would hang a pod's
// shutdown too.
func (tr *Traefik) Stop(t testing.TB) {
	select {
	case <-tr.done:
		return
	default:
	}
	_ = tr.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-tr.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(-tr.cmd.Process.Pid, syscall.SIGKILL)
		<-tr.done
		t.Errorf("traefik did not stop within %s of SIGTERM", stopTimeout)
	}
}

// ExitErr waits for the process to end and returns how it ended.
func (tr *Traefik) ExitErr() error {
	<-tr.done
	return tr.exitErr
}

// Alive reports whether the process still runs.
func (tr *Traefik) Alive() bool {
	select {
	case <-tr.done:
		return false
	default:
		return true
	}
}

// Log returns the log file's content.
func (tr *Traefik) Log() string {
	b, _ := os.ReadFile(tr.LogPath)
	return string(b)
}

// LogLines returns the JSON log records; lines that are not JSON are kept as a
// "message" so nothing is lost.
func (tr *Traefik) LogLines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(tr.Log()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			rec = map[string]any{"message": sc.Text()}
		}
		out = append(out, rec)
	}
	return out
}

// WaitLog waits until the log contains substr.
func (tr *Traefik) WaitLog(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(tr.Log(), substr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("traefik log has no %q after %s:\n%s", substr, timeout, tr.Diagnostics())
}

// WaitRecord waits until a JSON log record has every field in want (string values,
// compared by substring) and returns it.
func (tr *Traefik) WaitRecord(t testing.TB, want map[string]string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, rec := range tr.LogLines() {
			if matches(rec, want) {
				return rec
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("traefik log has no record with %v after %s:\n%s", want, timeout, tr.Diagnostics())
	return nil
}

func matches(rec map[string]any, want map[string]string) bool {
	for k, v := range want {
		if s, _ := rec[k].(string); !strings.Contains(s, v) {
			return false
		}
	}
	return true
}

// WaitRoute polls path until the answer's status is not 404 (Traefik's answer for a
// router that does not exist yet) and returns that status.
func (tr *Traefik) WaitRoute(t testing.TB, path string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(tr.URL(path))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				return resp.StatusCode
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("route %s not served by traefik after %s (last: %v):\n%s", path, timeout, err, tr.Diagnostics())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Diagnostics is the tail of the log and of stdout/stderr, for failure messages.
func (tr *Traefik) Diagnostics() string {
	var b bytes.Buffer
	for _, f := range []string{tr.LogPath, filepath.Join(tr.Dir, "traefik.stdout")} {
		data, _ := os.ReadFile(f)
		if len(data) > diagnosticsTail {
			data = data[len(data)-diagnosticsTail:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// keepLog copies the whole log of a failed test to the file TURNPIKE_KEEP_TRAEFIK_LOG
// names (CI uploads it), since the failure message only quotes the tail.
func (tr *Traefik) keepLog(t testing.TB) {
	keep := os.Getenv("TURNPIKE_KEEP_TRAEFIK_LOG")
	if keep == "" {
		return
	}
	if err := os.WriteFile(keep, []byte(tr.Log()), 0o644); err != nil {
		t.Logf("keep traefik log: %v", err)
	}
}

// section returns m[key] as a map, creating it when missing or null (YAML `ping: {}`
// and `ping:` both mean "on").
func section(m map[string]any, key string) map[string]any {
	if s, ok := m[key].(map[string]any); ok {
		return s
	}
	s := map[string]any{}
	m[key] = s
	return s
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	if _, err := filetree.Copy(src, dst); err != nil {
		t.Fatalf("lay out plugin: %v", err)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("lay out plugin: %v", err)
	}
	return data
}

func writeFile(t testing.TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
}

func writeJSON(t testing.TB, p string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", p, err)
	}
	writeFile(t, p, data)
}
