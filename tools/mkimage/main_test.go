package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagsToSpec(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, []byte("cert\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "app")
	if err := os.WriteFile(bin, []byte("not built here"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := []string{"-tag", "turnpike.local/x:v1", "-out", filepath.Join(dir, "x.tar"), "-ca-bundle", ca, "-epoch", "42"}
	cases := []struct {
		desc  string
		args  []string
		check func(t *testing.T, o options)
		want  string // error substring; "" = no error
	}{
		{desc: "no base: one file layer, workdir /", args: []string{"-base", "none", "-file", bin + "=/app", "-entrypoint", "/app", "-user", "65535"}, check: func(t *testing.T, o options) {
			s, err := spec(o)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Layers) != 1 || s.Layers[0].Entries[0].Path != "/app" || s.Config.WorkingDir != "/" || s.Config.User != "65535" || s.Created.Unix() != 42 {
				t.Errorf("spec %+v", s)
			}
		}},
		{desc: "nonroot base by default, JSON entrypoint, env and labels", args: []string{"-file", bin + "=/usr/local/bin/app", "-entrypoint", `["/usr/local/bin/app","serve"]`, "-env", "A=1", "-label", "k=v"}, check: func(t *testing.T, o options) {
			s, err := spec(o)
			if err != nil {
				t.Fatal(err)
			}
			c := s.Config
			if len(s.Layers) != 2 || c.User != "65532" || c.WorkingDir != "/home/nonroot" || strings.Join(c.Entrypoint, " ") != "/usr/local/bin/app serve" ||
				c.Env[len(c.Env)-1] != "A=1" || c.Labels["k"] != "v" {
				t.Errorf("spec layers %d config %+v", len(s.Layers), c)
			}
		}},
		{desc: "missing input file", args: []string{"-file", filepath.Join(dir, "nope") + "=/app", "-entrypoint", "/app"}, check: func(t *testing.T, o options) {
			if _, err := spec(o); err == nil || !strings.Contains(err.Error(), "nope") {
				t.Errorf("spec error %v, want the missing file named", err)
			}
		}},
		{desc: "file flag without destination", args: []string{"-file", bin, "-entrypoint", "/app"}, check: func(t *testing.T, o options) {
			if _, err := spec(o); err == nil || !strings.Contains(err.Error(), "SRC=DST") {
				t.Errorf("spec error %v, want SRC=DST", err)
			}
		}},
		{desc: "no output", args: []string{"-out", ""}, want: "required"},
		{desc: "unknown base", args: []string{"-base", "alpine"}, want: "nonroot or none"},
		{desc: "Dockerfile on no base", args: []string{"-dockerfile", "Dockerfile", "-base", "none"}, want: "does not apply"},
		{desc: "stray argument", args: []string{"extra"}, want: "unexpected arguments"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			o, err := parse(append(append([]string(nil), base...), c.args...))
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("parse error %v, want one containing %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, o)
		})
	}
}
