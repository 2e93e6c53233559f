//go:build e2e || bench

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// Module paths of the local plugins the harness lays out under plugins-local/src.
const (
	turnpikeModule    = "github.com/turnpike-x402/turnpike"
	benchHeaderModule = "github.com/turnpike-x402/benchheader"
	// Names the plugins are declared under in the static configuration; dynamic
	// configuration refers to them as `plugin.<name>`.
	turnpikePlugin    = "turnpike"
	benchHeaderPlugin = "benchheader"
)

// traefikBinary returns the cached Traefik build, building it on first use through the
// same script `make e2e` runs, so a bare `go test -tags e2e` works too.
func traefikBinary(t testing.TB) string {
	t.Helper()
	root := testenv.RepoRoot(t)
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "install-traefik.sh")).Output()
	if err != nil {
		t.Fatalf("scripts/install-traefik.sh: %v", err)
	}
	p := strings.TrimSpace(string(out))
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		t.Fatalf("install-traefik.sh printed %q, which is not a binary: %v", p, err)
	}
	return p
}

// freeAddr returns a loopback address with a port the kernel just handed out. External
// processes (Traefik, the plugin's metrics listener) cannot be given a listener, so
// they get the address; the window between close and their bind is tiny on loopback.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("reserve port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// copyPluginModule lays out the gate's sources as Traefik expects a local plugin:
// <root>/plugins-local/src/<module>/ with .traefik.yml, go.mod and the packages the
// plugin interprets (plugin/ and x402/). Test files are left out, as in a release.
func copyPluginModule(t testing.TB, root string) {
	t.Helper()
	repo := testenv.RepoRoot(t)
	dst := filepath.Join(root, "plugins-local", "src", filepath.FromSlash(turnpikeModule))
	for _, f := range []string{".traefik.yml", "go.mod"} {
		copyFile(t, filepath.Join(repo, f), filepath.Join(dst, f))
	}
	for _, dir := range []string{"plugin", "x402"} {
		copyTree(t, filepath.Join(repo, dir), filepath.Join(dst, dir))
	}
}

// copyBenchHeaderModule lays out the trivial one-header plugin (e2e/testdata).
func copyBenchHeaderModule(t testing.TB, root string) {
	t.Helper()
	src := filepath.Join(testenv.RepoRoot(t), "e2e", "testdata", "benchheader")
	copyTree(t, src, filepath.Join(root, "plugins-local", "src", filepath.FromSlash(benchHeaderModule)))
}

func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil
		}
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatalf("copy: %v", err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatalf("copy: %v", err)
	}
}

// traefikOptions describes one Traefik process.
type traefikOptions struct {
	// Turnpike and BenchHeader declare the local plugins.
	Turnpike, BenchHeader bool
	// Dynamic is the file provider's configuration (marshalled as JSON, which is YAML).
	Dynamic map[string]any
	// LogLevel defaults to DEBUG, so the plugin's fmt.Print lines reach the log file.
	LogLevel string
	// PluginFiles are written into the gate's plugin tree after the copy (path
	// relative to the module root → content), to load a deliberately broken plugin.
	PluginFiles map[string]string
	// KeepRunningOnPluginFailure turns abortOnPluginFailure off (Traefik's default),
	// only to show what that default does.
	KeepRunningOnPluginFailure bool
	// DebugAddr, when set, serves Traefik's API with /debug/pprof on that address
	// (for profiling the gate inside Traefik; off in the suites).
	DebugAddr string
	// ExpectExit makes startTraefik return as soon as the process has exited instead
	// of failing; the caller checks why.
	ExpectExit bool
	// Providers are added to the static `providers` section next to the file
	// provider (e.g. kubernetesCRD, kubernetesGateway, providersThrottleDuration).
	Providers map[string]any
	// Env is added to the process environment (e.g. HTTP_PROXY).
	Env []string
	// WebHTTP is the web entry point's `http` section (e.g. encodedCharacters,
	// sanitizePath); nil keeps Traefik's defaults.
	WebHTTP map[string]any
}

// traefik is a running Traefik process.
type traefik struct {
	Dir     string // working directory: holds plugins-local/, the configs and the log
	Web     string // host:port of the web entry point
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
}

// URL returns the web entry point URL for path.
func (tr *traefik) URL(path string) string { return "http://" + tr.Web + path }

// PID is the Traefik process id, for /proc accounting.
func (tr *traefik) PID() int { return tr.cmd.Process.Pid }

// startTraefik lays out a working directory, starts Traefik in it and waits until the
// ping endpoint answers. The process is stopped when the test ends.
func startTraefik(t testing.TB, opts traefikOptions) *traefik {
	t.Helper()
	bin := traefikBinary(t)
	dir := t.TempDir()
	if opts.Turnpike {
		copyPluginModule(t, dir)
		for rel, content := range opts.PluginFiles {
			p := filepath.Join(dir, "plugins-local", "src", filepath.FromSlash(turnpikeModule), filepath.FromSlash(rel))
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatalf("plugin file %s: %v", rel, err)
			}
		}
	}
	if opts.BenchHeader {
		copyBenchHeaderModule(t, dir)
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "DEBUG"
	}
	tr := &traefik{Dir: dir, Web: freeAddr(t), LogPath: filepath.Join(dir, "traefik.log"), done: make(chan struct{})}
	pingAddr := freeAddr(t)
	plugins := map[string]any{}
	if opts.Turnpike {
		plugins[turnpikePlugin] = map[string]any{"moduleName": turnpikeModule}
	}
	if opts.BenchHeader {
		plugins[benchHeaderPlugin] = map[string]any{"moduleName": benchHeaderModule}
	}
	providers := map[string]any{"file": map[string]any{"filename": filepath.Join(dir, "dynamic.yml"), "watch": true}}
	for k, v := range opts.Providers {
		providers[k] = v
	}
	static := map[string]any{
		"global": map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false},
		"entryPoints": map[string]any{
			"web": map[string]any{
				"address": tr.Web,
				// Stop quickly at the end of a test: idle keep-alive connections
				// would otherwise hold shutdown for the default 10 s.
				"transport": map[string]any{"lifeCycle": map[string]any{"graceTimeOut": "1s"}},
			},
			"ping": map[string]any{"address": pingAddr},
		},
		"ping":      map[string]any{"entryPoint": "ping"},
		"log":       map[string]any{"level": opts.LogLevel, "filePath": tr.LogPath, "format": "json"},
		"providers": providers,
		"experimental": map[string]any{
			// A plugin that fails to load must stop Traefik, not start it with every
			// gated router gone.
			"abortOnPluginFailure": !opts.KeepRunningOnPluginFailure,
			"localPlugins":         plugins,
		},
	}
	if opts.WebHTTP != nil {
		static["entryPoints"].(map[string]any)["web"].(map[string]any)["http"] = opts.WebHTTP
	}
	if opts.DebugAddr != "" {
		static["entryPoints"].(map[string]any)["traefik"] = map[string]any{"address": opts.DebugAddr}
		static["api"] = map[string]any{"insecure": true, "debug": true, "dashboard": false}
	}
	writeJSON(t, filepath.Join(dir, "traefik.yml"), static)
	tr.WriteDynamic(t, opts.Dynamic)

	stdout, err := os.Create(filepath.Join(dir, "traefik.stdout"))
	if err != nil {
		t.Fatalf("traefik stdout: %v", err)
	}
	cmd := exec.Command(bin, "--configfile="+filepath.Join(dir, "traefik.yml"))
	// The plugins-local path is relative to the working directory (hard-coded in
	// Traefik), exactly as in a pod whose image puts sources under /plugins-local.
	cmd.Dir = dir
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	cmd.Stdout, cmd.Stderr = stdout, stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start traefik: %v", err)
	}
	tr.cmd = cmd
	go func() {
		tr.exitErr = cmd.Wait()
		_ = stdout.Close()
		close(tr.done)
	}()
	t.Cleanup(func() { tr.Stop(t) })

	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-tr.done:
			if opts.ExpectExit {
				return tr
			}
			t.Fatalf("traefik exited during start-up (%v):\n%s", tr.exitErr, tr.diagnostics())
		default:
		}
		resp, err := http.Get("http://" + pingAddr + "/ping")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && !opts.ExpectExit {
				break
			}
		}
		if time.Now().After(deadline) {
			if opts.ExpectExit {
				t.Fatalf("traefik still runs 60 s after start, want it to exit:\n%s", tr.diagnostics())
			}
			t.Fatalf("traefik did not answer /ping within 60 s:\n%s", tr.diagnostics())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return tr
}

// WriteDynamic replaces the file provider's configuration (atomically, so the watcher
// never reads half a file).
func (tr *traefik) WriteDynamic(t testing.TB, dyn map[string]any) {
	t.Helper()
	if dyn == nil {
		dyn = map[string]any{}
	}
	p := filepath.Join(tr.Dir, "dynamic.yml")
	writeJSON(t, p+".tmp", dyn)
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatalf("dynamic config: %v", err)
	}
}

// Stop sends SIGTERM and waits; a process that hangs is killed.
func (tr *traefik) Stop(t testing.TB) {
	select {
	case <-tr.done:
		return
	default:
	}
	_ = tr.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-tr.done:
	case <-time.After(10 * time.Second):
		_ = tr.cmd.Process.Kill()
		<-tr.done
		t.Errorf("traefik did not stop within 10 s of SIGTERM")
	}
}

// ExitErr is how the process ended (after Alive turned false).
func (tr *traefik) ExitErr() error {
	<-tr.done
	return tr.exitErr
}

// Alive reports whether the process still runs.
func (tr *traefik) Alive() bool {
	select {
	case <-tr.done:
		return false
	default:
		return true
	}
}

// Log returns the log file's content.
func (tr *traefik) Log() string {
	b, _ := os.ReadFile(tr.LogPath)
	return string(b)
}

// LogLines returns the JSON log records (lines that are not JSON are kept as a
// "message" so nothing is lost).
func (tr *traefik) LogLines() []map[string]any {
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

// WaitLog waits until a log record's message contains substr.
func (tr *traefik) WaitLog(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(tr.Log(), substr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("traefik log has no %q after %s:\n%s", substr, timeout, tr.diagnostics())
}

// WaitRecord waits until a JSON log record has every field in want (string values,
// compared by substring) and returns it.
func (tr *traefik) WaitRecord(t testing.TB, want map[string]string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, rec := range tr.LogLines() {
			ok := true
			for k, v := range want {
				if s, _ := rec[k].(string); !strings.Contains(s, v) {
					ok = false
					break
				}
			}
			if ok {
				return rec
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("traefik log has no record with %v after %s:\n%s", want, timeout, tr.diagnostics())
	return nil
}

// WaitRoute polls path until the answer's status is not 404 (Traefik's answer for a
// router that does not exist yet) and returns that status.
func (tr *traefik) WaitRoute(t testing.TB, path string, timeout time.Duration) int {
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
			t.Fatalf("route %s not served by traefik after %s (last: %v):\n%s", path, timeout, err, tr.diagnostics())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// diagnostics is the tail of the log and stdout, for failure messages.
func (tr *traefik) diagnostics() string {
	var b bytes.Buffer
	for _, f := range []string{tr.LogPath, filepath.Join(tr.Dir, "traefik.stdout")} {
		data, _ := os.ReadFile(f)
		if len(data) > 6000 {
			data = data[len(data)-6000:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// CPUTicks returns utime+stime of the process in clock ticks (/proc/<pid>/stat fields
// 14 and 15). USER_HZ is 100 on every Linux architecture Go supports.
func CPUTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields after it are split
	// from the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime is field 14 → f[11], stime field 15 → f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return u + st, nil
}

// ticksPerSecond is USER_HZ.
const ticksPerSecond = 100

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

// serve runs h on a loopback listener until the test ends and returns its base URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}
