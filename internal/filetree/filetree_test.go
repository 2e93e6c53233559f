package filetree

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			b, _ := os.ReadFile(p)
			out = append(out, rel+"="+string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestCopy(t *testing.T) {
	cases := []struct {
		desc    string
		src     map[string]string
		link    bool
		want    []string
		wantN   int
		wantErr string
	}{
		{
			desc: "plugin tree with sub-packages, tests and testdata left out",
			src: map[string]string{
				"go.mod": "module m", ".traefik.yml": "import: m/plugin",
				"plugin/gate.go": "package plugin", "plugin/gate_test.go": "package plugin",
				"plugin/routes/routes.go": "package routes", "plugin/testdata/big.json": "{}",
				"x402/types.go": "package x402",
			},
			want: []string{".traefik.yml=import: m/plugin", "go.mod=module m", "plugin/gate.go=package plugin",
				"plugin/routes/routes.go=package routes", "x402/types.go=package x402"},
			wantN: 5,
		},
		{
			desc:    "symlinks are refused",
			src:     map[string]string{"go.mod": "module m"},
			link:    true,
			wantErr: "not a regular file",
		},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out", "github.com", "m")
			write(t, src, c.src)
			if c.link {
				if err := os.Symlink("/etc/passwd", filepath.Join(src, "passwd.go")); err != nil {
					t.Fatal(err)
				}
			}
			n, err := Copy(src, dst)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != c.wantN {
				t.Errorf("copied %d files, want %d", n, c.wantN)
			}
			got := listFiles(t, dst)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestCopyErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ desc, src string }{
		{"missing source", filepath.Join(t.TempDir(), "nope")},
		{"source is a file", file},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if _, err := Copy(c.src, t.TempDir()); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
