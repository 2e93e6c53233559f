package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/buyer/config"
	"github.com/turnpike-x402/turnpike/buyer/internal/buyertest"
)

func upstream(model string) map[string]any {
	return map[string]any{"url": "http://seller.test/services/x", "remoteModel": model, "network": "base-sepolia", "payTo": buyertest.PayTo, "asset": buyertest.Asset, "price": "10000"}
}

func write(t *testing.T, path string, v any) {
	t.Helper()
	raw, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadFileAndDirectoryForms(t *testing.T) {
	dir := t.TempDir()
	auths := buyertest.Sign(t, buyertest.Key(t), buyertest.Requirement(), 3, time.Hour)
	write(t, filepath.Join(dir, "config.json"), map[string]any{"upstreams": map[string]any{"a": upstream("m1")}})
	write(t, filepath.Join(dir, "auths.json"), map[string]any{"a": auths})
	// Directory form, with the symlinked layout a ConfigMap mount has.
	write(t, filepath.Join(dir, "cfg", "..2026_01_01", "b.json"), upstream("m2"))
	write(t, filepath.Join(dir, "cfg", "..2026_01_01", "c.json"), upstream(""))
	if err := os.Symlink("..2026_01_01", filepath.Join(dir, "cfg", "..data")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"b.json", "c.json"} {
		if err := os.Symlink(filepath.Join("..data", n), filepath.Join(dir, "cfg", n)); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(dir, "au", "b.json"), auths[:1])

	s, err := config.Load(config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")})
	if err != nil {
		t.Fatal(err)
	}
	if u := s.Upstreams["a"]; u == nil || u.Terms.Network != "eip155:84532" || u.Name != "a" || u.Base.Path != "/services/x" || len(s.Auths["a"]) != 3 {
		t.Fatalf("file form: %+v", s)
	}
	d, err := config.Load(config.Sources{ConfigDir: filepath.Join(dir, "cfg"), AuthsDir: filepath.Join(dir, "au"), ConfigFile: "/ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.Names(), ",") != "b,c" || len(d.Auths["b"]) != 1 || d.Upstreams["b"].RemoteModel != "m2" {
		t.Fatalf("dir form: names %v auths %d", d.Names(), len(d.Auths["b"]))
	}
	again, _ := config.Load(config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")})
	if again.Hash != s.Hash {
		t.Fatal("same content, different hash")
	}
	write(t, filepath.Join(dir, "auths.json"), map[string]any{"a": auths[:2]})
	changed, _ := config.Load(config.Sources{ConfigFile: filepath.Join(dir, "config.json"), AuthsFile: filepath.Join(dir, "auths.json")})
	if changed.Hash == s.Hash {
		t.Fatal("changed auths, same hash")
	}
	missing, err := config.Load(config.Sources{ConfigFile: filepath.Join(dir, "nope.json")})
	if err != nil || len(missing.Upstreams) != 0 {
		t.Fatalf("a file not mounted yet is empty config: %v", err)
	}
}

func TestLoadRefusesInvalid(t *testing.T) {
	auths := buyertest.Sign(t, buyertest.Key(t), buyertest.Requirement(), 1, time.Hour)
	with := func(k string, v any) map[string]any {
		u := upstream("m")
		u[k] = v
		return map[string]any{"upstreams": map[string]any{"a": u}}
	}
	for _, tc := range []struct {
		desc        string
		cfg, auths  any
		wantErrPart string
	}{
		{desc: "not http", cfg: with("url", "ftp://x"), wantErrPart: "http(s)"},
		{desc: "unknown network", cfg: with("network", "moon"), wantErrPart: "moon"},
		{desc: "bad payTo", cfg: with("payTo", "0x12"), wantErrPart: "payTo"},
		{desc: "bad asset", cfg: with("asset", "usdc"), wantErrPart: "asset"},
		{desc: "fractional price", cfg: with("price", "0.01"), wantErrPart: "price"},
		{desc: "zero price", cfg: with("price", "0"), wantErrPart: "positive"},
		{desc: "unknown field (typo)", cfg: with("prize", "1"), wantErrPart: "prize"},
		{desc: "two upstreams, one model", cfg: map[string]any{"upstreams": map[string]any{"a": upstream("m"), "b": upstream("m")}}, wantErrPart: "both serve"},
		{desc: "not JSON", cfg: "{", wantErrPart: "config"},
		{desc: "auth listed twice", cfg: map[string]any{"upstreams": map[string]any{"a": upstream("m")}}, auths: map[string]any{"a": auths, "b": auths}, wantErrPart: "listed twice"},
		{desc: "broken auth", cfg: map[string]any{"upstreams": map[string]any{"a": upstream("m")}}, auths: map[string]any{"a": []any{map[string]any{"id": "x", "nonce": "0x1"}}}, wantErrPart: `a[0]`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "c.json"), tc.cfg)
			src := config.Sources{ConfigFile: filepath.Join(dir, "c.json")}
			if tc.auths != nil {
				write(t, filepath.Join(dir, "a.json"), tc.auths)
				src.AuthsFile = filepath.Join(dir, "a.json")
			}
			_, err := config.Load(src)
			if err == nil || !strings.Contains(err.Error(), tc.wantErrPart) {
				t.Fatalf("err %v, want it to mention %q", err, tc.wantErrPart)
			}
		})
	}
}
