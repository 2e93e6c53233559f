package traefiktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The static configuration rules decide whether a suite tests the file we ship or a
// harness default; they are checked here without starting Traefik.
func TestStaticConfig(t *testing.T) {
	shipped := func() map[string]any {
		return map[string]any{
			"entryPoints": map[string]any{
				"web":       map[string]any{"address": ":8000", "http": map[string]any{"sanitizePath": true}},
				"websecure": map[string]any{"address": ":8443"},
			},
			"ping":         nil,
			"log":          map[string]any{"level": "INFO"},
			"experimental": map[string]any{"abortOnPluginFailure": true},
			"providers":    map[string]any{"kubernetesCRD": map[string]any{}},
		}
	}
	cases := []struct {
		desc  string
		opts  Options
		check func(t *testing.T, static map[string]any, tr *Traefik)
	}{
		{
			desc: "empty options: web and ping on loopback, DEBUG JSON log, abort on plugin failure",
			opts: Options{Plugins: []Plugin{Gate()}},
			check: func(t *testing.T, static map[string]any, tr *Traefik) {
				if !strings.HasPrefix(tr.Web, "127.0.0.1:") || !strings.HasPrefix(tr.Ping, "127.0.0.1:") || tr.Web == tr.Ping {
					t.Errorf("web %q ping %q", tr.Web, tr.Ping)
				}
				lg := static["log"].(map[string]any)
				if lg["level"] != "DEBUG" || lg["format"] != "json" || lg["filePath"] != tr.LogPath {
					t.Errorf("log %v", lg)
				}
				exp := static["experimental"].(map[string]any)
				if exp["abortOnPluginFailure"] != true {
					t.Errorf("abortOnPluginFailure %v", exp["abortOnPluginFailure"])
				}
				gate := exp["localPlugins"].(map[string]any)["turnpike"].(map[string]any)
				if gate["moduleName"] != TurnpikeModule {
					t.Errorf("localPlugins %v", exp["localPlugins"])
				}
			},
		},
		{
			desc: "shipped file: its settings stay, its ports and cluster providers do not",
			opts: Options{Static: shipped(), Providers: map[string]any{"kubernetesGateway": map[string]any{}}},
			check: func(t *testing.T, static map[string]any, tr *Traefik) {
				eps := static["entryPoints"].(map[string]any)
				for name, ep := range eps {
					if a := ep.(map[string]any)["address"].(string); !strings.HasPrefix(a, "127.0.0.1:") {
						t.Errorf("entry point %s listens on %q", name, a)
					}
				}
				if eps["web"].(map[string]any)["http"] == nil {
					t.Errorf("the shipped web http section was dropped")
				}
				if tr.EntryPoints["websecure"] == "" {
					t.Errorf("websecure not reported: %v", tr.EntryPoints)
				}
				if static["log"].(map[string]any)["level"] != "INFO" {
					t.Errorf("log level %v, want the shipped INFO", static["log"])
				}
				prov := static["providers"].(map[string]any)
				if prov["kubernetesCRD"] != nil || prov["kubernetesGateway"] == nil || prov["file"] == nil {
					t.Errorf("providers %v, want file and kubernetesGateway only", prov)
				}
			},
		},
		{
			desc: "Static deciding abortOnPluginFailure is kept; KeepRunningOnPluginFailure overrides",
			opts: Options{Static: map[string]any{"experimental": map[string]any{"abortOnPluginFailure": false}}},
			check: func(t *testing.T, static map[string]any, tr *Traefik) {
				if v := static["experimental"].(map[string]any)["abortOnPluginFailure"]; v != false {
					t.Errorf("abortOnPluginFailure %v, want Static's false", v)
				}
			},
		},
		{
			desc: "LogLevel, WebHTTP and DebugAddr win",
			opts: Options{Static: shipped(), LogLevel: "ERROR", WebHTTP: map[string]any{"sanitizePath": false}, DebugAddr: "127.0.0.1:1"},
			check: func(t *testing.T, static map[string]any, tr *Traefik) {
				if static["log"].(map[string]any)["level"] != "ERROR" {
					t.Errorf("log %v", static["log"])
				}
				if h := static["entryPoints"].(map[string]any)["web"].(map[string]any)["http"].(map[string]any); h["sanitizePath"] != false {
					t.Errorf("web http %v", h)
				}
				if tr.EntryPoints["traefik"] != "127.0.0.1:1" || static["api"] == nil {
					t.Errorf("debug entry point %v api %v", tr.EntryPoints, static["api"])
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			before := shipped()
			tr := &Traefik{Dir: t.TempDir()}
			tr.LogPath = filepath.Join(tr.Dir, "traefik.log")
			static := tr.staticConfig(t, tc.opts)
			tc.check(t, static, tr)
			if eps, ok := tc.opts.Static["entryPoints"].(map[string]any); ok {
				if a := eps["web"].(map[string]any)["address"]; a != before["entryPoints"].(map[string]any)["web"].(map[string]any)["address"] {
					t.Errorf("the caller's Static was changed: web address %v", a)
				}
			}
		})
	}
}

func TestLayOut(t *testing.T) {
	src := t.TempDir()
	for rel, content := range map[string]string{
		"go.mod":            "module example.com/p\n",
		"p.go":              "package p\n",
		"p_test.go":         "package p\n",
		"testdata/big.json": "{}",
	} {
		writeFile(t, filepath.Join(src, rel), []byte(content))
	}
	dir := t.TempDir()
	dst := LayOut(t, dir, Plugin{Name: "p", Module: "example.com/p", Src: src, Files: map[string]string{"zz_broken.go": "package p\nfunc ("}})
	if want := filepath.Join(dir, "plugins-local", "src", "example.com", "p"); dst != want {
		t.Fatalf("laid out at %s, want %s", dst, want)
	}
	cases := []struct {
		desc   string
		rel    string
		exists bool
	}{
		{desc: "sources are copied", rel: "p.go", exists: true},
		{desc: "go.mod is copied", rel: "go.mod", exists: true},
		{desc: "extra files are written", rel: "zz_broken.go", exists: true},
		{desc: "tests are left out, as in a release", rel: "p_test.go"},
		{desc: "testdata is left out", rel: "testdata/big.json"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := os.Stat(filepath.Join(dst, tc.rel))
			if (err == nil) != tc.exists {
				t.Fatalf("%s exists=%v, want %v", tc.rel, err == nil, tc.exists)
			}
		})
	}
}
