package ociimage

import (
	"archive/tar"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const testRef = "ghcr.io/turnpike-x402/turnpike:test"

var epoch = time.Unix(1700000000, 0).UTC()

// binaries builds a tiny static Go program once per test run (the image checks read
// real ELF headers), and a copy whose ELF header claims another machine: building
// for another GOARCH would cost a cold CI run a whole standard library.
var binaries = struct {
	once          sync.Once
	static, other string
	err           error
}{}

func testBinaries(t *testing.T) (static, otherArch string) {
	t.Helper()
	binaries.once.Do(func() { binaries.static, binaries.other, binaries.err = buildBinaries() })
	if binaries.err != nil {
		t.Fatalf("building the test binaries: %v", binaries.err)
	}
	return binaries.static, binaries.other
}

func buildBinaries() (static, other string, err error) {
	dir, err := os.MkdirTemp("", "ociimage-bin")
	if err != nil {
		return "", "", err
	}
	src := "package main\n\nfunc main() { println(\"hello\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644); err != nil {
		return "", "", err
	}
	static = filepath.Join(dir, "static")
	cmd := exec.Command("go", "build", "-o", static, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", errors.New(string(out))
	}
	b, err := os.ReadFile(static)
	if err != nil {
		return "", "", err
	}
	// e_machine: two bytes at offset 18 of the ELF header, little endian here.
	m := elf.EM_AARCH64
	if runtime.GOARCH == "arm64" {
		m = elf.EM_X86_64
	}
	binary.LittleEndian.PutUint16(b[18:], uint16(m))
	other = filepath.Join(dir, "other")
	return static, other, os.WriteFile(other, b, 0o755)
}

// dynamicBinary is a host executable linked against the C library.
func dynamicBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/true", "/usr/bin/true", "/bin/ls"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("no dynamically linked host binary found")
	return ""
}

// testContext is a build context shaped like the repository's: a binary, go.mod,
// .traefik.yml, and two package trees, with a Dockerfile like the real one.
func testContext(t *testing.T) string {
	t.Helper()
	static, _ := testBinaries(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":             "module example.com/x\n",
		".traefik.yml":       "displayName: x\n",
		"plugin/plugin.go":   "package plugin\n",
		"plugin/sub/sub.go":  "package sub\n",
		"x402/x402.go":       "package x402\n",
		"ca.crt":             "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n",
		"Dockerfile":         testDockerfile,
		"x402/data/big.json": strings.Repeat("x", 3000),
	}
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin, err := os.ReadFile(static)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/turnpike"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

const testDockerfile = `# comment
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY bin/turnpike /usr/local/bin/turnpike
COPY go.mod .traefik.yml /opt/turnpike/plugin/
COPY plugin /opt/turnpike/plugin/plugin
COPY x402 \
     /opt/turnpike/plugin/x402
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/turnpike"]
`

func buildContext(t *testing.T, dir, out string) Written {
	t.Helper()
	s, err := FromDockerfile(filepath.Join(dir, "Dockerfile"), dir, filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	s.Created, s.Arch = epoch, runtime.GOARCH
	img, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	w, err := WriteArchive(out, testRef, img)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type tarFile struct {
	hdr  tar.Header
	data string
}

// readBack loads the archive the way a consumer would and flattens its layers
// (later layers win, as in an overlay mount).
func readBack(t *testing.T, path string) (v1.Image, *v1.ConfigFile, map[string]tarFile) {
	t.Helper()
	tag, err := name.NewTag(testRef)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatalf("reading %s back: %v", path, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]tarFile{}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		prev := ""
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("layer %d: %v", i, err)
			}
			if h.Name <= prev {
				t.Errorf("layer %d: %q after %q: entries not sorted", i, h.Name, prev)
			}
			prev = h.Name
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files["/"+strings.TrimSuffix(h.Name, "/")] = tarFile{hdr: *h, data: string(b)}
		}
		rc.Close()
	}
	return img, cf, files
}

func TestDockerfileImageContents(t *testing.T) {
	dir := testContext(t)
	out := filepath.Join(t.TempDir(), "img.tar")
	buildContext(t, dir, out)
	_, cf, files := readBack(t, out)

	cases := []struct {
		desc, path string
		typ        byte
		mode       int64
		uid        int
		data       string
	}{
		{desc: "binary is root-owned and executable", path: "/usr/local/bin/turnpike", typ: tar.TypeReg, mode: 0o755},
		{desc: "parent directories are declared", path: "/usr/local/bin", typ: tar.TypeDir, mode: 0o755},
		{desc: "two-source COPY lands in the directory", path: "/opt/turnpike/plugin/go.mod", typ: tar.TypeReg, mode: 0o644, data: "module example.com/x\n"},
		{desc: "dot file copied", path: "/opt/turnpike/plugin/.traefik.yml", typ: tar.TypeReg, mode: 0o644},
		{desc: "directory COPY copies the content", path: "/opt/turnpike/plugin/plugin/sub/sub.go", typ: tar.TypeReg, mode: 0o644, data: "package sub\n"},
		{desc: "continuation line honoured", path: "/opt/turnpike/plugin/x402/data/big.json", typ: tar.TypeReg, mode: 0o644},
		{desc: "nonroot in passwd", path: "/etc/passwd", typ: tar.TypeReg, mode: 0o644},
		{desc: "CA bundle from the given file", path: "/etc/ssl/certs/ca-certificates.crt", typ: tar.TypeReg, mode: 0o644, data: "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n"},
		{desc: "home owned by nonroot", path: "/home/nonroot", typ: tar.TypeDir, mode: 0o700, uid: 65532},
		{desc: "tmp is sticky and world-writable", path: "/tmp", typ: tar.TypeDir, mode: 0o1777},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			f, ok := files[c.path]
			if !ok {
				t.Fatalf("%s not in the image", c.path)
			}
			h := f.hdr
			if h.Typeflag != c.typ || h.Mode != c.mode || h.Uid != c.uid || h.Gid != c.uid {
				t.Errorf("%s: type %c mode %o uid %d gid %d, want type %c mode %o uid/gid %d",
					c.path, h.Typeflag, h.Mode, h.Uid, h.Gid, c.typ, c.mode, c.uid)
			}
			if !h.ModTime.Equal(epoch) || h.Uname != "" || h.Gname != "" {
				t.Errorf("%s: mtime %v uname %q gname %q, want %v and no names", c.path, h.ModTime, h.Uname, h.Gname, epoch)
			}
			if c.data != "" && f.data != c.data {
				t.Errorf("%s = %q, want %q", c.path, f.data, c.data)
			}
		})
	}
	if !strings.Contains(files["/etc/passwd"].data, "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot 65532 entry:\n%s", files["/etc/passwd"].data)
	}
	for p := range files {
		if strings.HasPrefix(p, "/bin") || strings.HasSuffix(p, "/sh") {
			t.Errorf("%s in the image: it must not carry a shell", p)
		}
	}

	c := cf.Config
	if c.User != "65532:65532" || len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/usr/local/bin/turnpike" || c.WorkingDir != NonrootHome {
		t.Errorf("config user %q entrypoint %q workdir %q, want 65532:65532, [/usr/local/bin/turnpike], %s", c.User, c.Entrypoint, c.WorkingDir, NonrootHome)
	}
	if !contains(c.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
		t.Errorf("env %q has no SSL_CERT_FILE", c.Env)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH || !cf.Created.Time.Equal(epoch) {
		t.Errorf("config os %s arch %s created %v", cf.OS, cf.Architecture, cf.Created.Time)
	}
	// Base + one layer per COPY, as an engine build has.
	if n := len(cf.RootFS.DiffIDs); n != 5 {
		t.Errorf("%d layers, want 5 (base + 4 COPY)", n)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func fileSHA(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Same inputs, same bytes: host modification times, permission bits beyond the
// executable bit and directory creation order must not reach the image.
func TestReproducible(t *testing.T) {
	dir := testContext(t)
	first := buildContext(t, dir, filepath.Join(t.TempDir(), "a.tar"))

	later := time.Now().Add(48 * time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, "turnpike") {
			if err := os.Chmod(p, 0o600); err != nil { // another umask
				return err
			}
		}
		return os.Chtimes(p, later, later)
	})
	if err != nil {
		t.Fatal(err)
	}
	second := buildContext(t, dir, filepath.Join(t.TempDir(), "b.tar"))
	if first.Digest != second.Digest || first.ID != second.ID {
		t.Errorf("digest %s id %s, then %s id %s: not reproducible", first.Digest, first.ID, second.Digest, second.ID)
	}
	if a, b := fileSHA(t, first.Path), fileSHA(t, second.Path); a != b {
		t.Errorf("archive sha256 %s then %s: not reproducible", a, b)
	}

	// And it can fail: a changed input changes the digest.
	if err := os.WriteFile(filepath.Join(dir, "x402/x402.go"), []byte("package x402 // changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := buildContext(t, dir, filepath.Join(t.TempDir(), "c.tar"))
	if third.Digest == first.Digest {
		t.Errorf("digest %s unchanged after an input changed", third.Digest)
	}
}

func TestBuildRefusals(t *testing.T) {
	static, other := testBinaries(t)
	dynamic := dynamicBinary(t)
	script := filepath.Join(t.TempDir(), "run.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := func(src, dst string) Layer {
		e, err := File(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		return Layer{Name: "test", Entries: []Entry{e}}
	}
	ok := Spec{Layers: []Layer{file(static, "/app")}, Config: Config{Entrypoint: []string{"/app"}, User: "65532:65532"}, Arch: runtime.GOARCH, Created: epoch}
	cases := []struct {
		desc   string
		mutate func(s *Spec)
		want   string // "" = builds
	}{
		{desc: "valid spec builds", mutate: func(*Spec) {}, want: ""},
		{desc: "uid only is fine", mutate: func(s *Spec) { s.Config.User = "1000" }, want: ""},
		{desc: "dynamically linked binary", mutate: func(s *Spec) { s.Layers = []Layer{file(dynamic, "/app")} }, want: "dynamically linked"},
		{desc: "other architecture", mutate: func(s *Spec) { s.Layers = []Layer{file(other, "/app")} }, want: "built for"},
		{desc: "script needs an interpreter", mutate: func(s *Spec) { s.Layers = []Layer{file(script, "/app")} }, want: "not an ELF binary"},
		{desc: "entrypoint missing from the image", mutate: func(s *Spec) { s.Config.Entrypoint = []string{"/bin/sh", "-c", "x"} }, want: "not a file of the image"},
		{desc: "no entrypoint", mutate: func(s *Spec) { s.Config.Entrypoint = nil }, want: "no entrypoint"},
		{desc: "entrypoint is a directory", mutate: func(s *Spec) {
			s.Config.Entrypoint = []string{"/etc"}
			s.Layers[0].Entries = append(s.Layers[0].Entries, Entry{Path: "/etc", Mode: fs.ModeDir | 0o755})
		}, want: "not an executable file"},
		{desc: "root user", mutate: func(s *Spec) { s.Config.User = "0:0" }, want: "is root"},
		{desc: "named user", mutate: func(s *Spec) { s.Config.User = "nonroot" }, want: "not numeric"},
		{desc: "no user", mutate: func(s *Spec) { s.Config.User = "" }, want: "user not set"},
		{desc: "no architecture", mutate: func(s *Spec) { s.Arch = "" }, want: "architecture"},
		{desc: "relative path", mutate: func(s *Spec) { s.Layers[0].Entries = append(s.Layers[0].Entries, Entry{Path: "etc/x", Mode: 0o644}) }, want: "absolute, clean"},
		{desc: "same path twice in a layer", mutate: func(s *Spec) {
			s.Layers[0].Entries = append(s.Layers[0].Entries, Entry{Path: "/x", Mode: 0o644}, Entry{Path: "/x", Mode: 0o600})
		}, want: "declared twice"},
		{desc: "path below a file", mutate: func(s *Spec) { s.Layers[0].Entries = append(s.Layers[0].Entries, Entry{Path: "/app/x", Mode: 0o644}) }, want: "which is a file"},
		{desc: "input removed after it was listed", mutate: func(s *Spec) {
			s.Layers[0].Entries = append(s.Layers[0].Entries, Entry{Path: "/gone", Mode: 0o644, Source: filepath.Join(t.TempDir(), "gone")})
		}, want: "no such file"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := ok
			s.Layers = []Layer{{Name: ok.Layers[0].Name, Entries: append([]Entry(nil), ok.Layers[0].Entries...)}}
			c.mutate(&s)
			_, err := Build(s)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("Build: %v, want success", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("Build error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestDockerfileRefusals(t *testing.T) {
	cases := []struct {
		desc, dockerfile string
		want             string
	}{
		{desc: "RUN needs an engine", dockerfile: "FROM x\nRUN echo hi\n", want: "RUN is not supported"},
		{desc: "multi-stage", dockerfile: "FROM x AS b\n", want: "stage name"},
		{desc: "second FROM", dockerfile: "FROM x\nFROM y\n", want: "second FROM"},
		{desc: "no FROM", dockerfile: "# nothing\n", want: "no FROM"},
		{desc: "instruction before FROM", dockerfile: "ARG V=1\nFROM x\n", want: "before FROM"},
		{desc: "shell-form entrypoint", dockerfile: "FROM x\nENTRYPOINT /usr/local/bin/turnpike\n", want: "exec form"},
		{desc: "COPY --chown", dockerfile: "FROM x\nCOPY --chown=1:1 a /a\n", want: "--chown=1:1 is not supported"},
		{desc: "COPY --from", dockerfile: "FROM x\nCOPY --from=build /a /a\n", want: "not supported"},
		{desc: "COPY wildcard", dockerfile: "FROM x\nCOPY *.go /src/\n", want: "wildcards"},
		{desc: "COPY outside context", dockerfile: "FROM x\nCOPY ../secret /s\n", want: "outside the build context"},
		{desc: "COPY relative destination", dockerfile: "FROM x\nCOPY a b\n", want: "absolute destinations"},
		{desc: "ENV quoted", dockerfile: "FROM x\nENV A=\"b c\"\n", want: "quoted"},
		{desc: "line number reported", dockerfile: "FROM x\n\n# c\nADD a /a\n", want: "line 4"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			_, err := ParseDockerfile(c.dockerfile)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseDockerfile error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestDockerfileInputs(t *testing.T) {
	cases := []struct {
		desc   string
		mutate func(t *testing.T, dir string)
		want   string
	}{
		{desc: "missing input binary", mutate: func(t *testing.T, dir string) { rm(t, filepath.Join(dir, "bin/turnpike")) }, want: "bin/turnpike"},
		{desc: "missing plugin tree", mutate: func(t *testing.T, dir string) { rmAll(t, filepath.Join(dir, "x402")) }, want: "x402"},
		{desc: "dockerignore would change what is copied", mutate: func(t *testing.T, dir string) { write(t, filepath.Join(dir, ".dockerignore"), "*.md\n") }, want: ".dockerignore is not supported"},
		{desc: "symlink in a copied tree", mutate: func(t *testing.T, dir string) {
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "plugin/link")); err != nil {
				t.Fatal(err)
			}
		}, want: "not supported"},
		{desc: "missing CA bundle", mutate: func(t *testing.T, dir string) { rm(t, filepath.Join(dir, "ca.crt")) }, want: "CA bundle"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			dir := testContext(t)
			c.mutate(t, dir)
			_, err := FromDockerfile(filepath.Join(dir, "Dockerfile"), dir, filepath.Join(dir, "ca.crt"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("FromDockerfile error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func rm(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func rmAll(t *testing.T, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The repository's own Dockerfile must stay inside the subset mkimage honours, and
// say what the image is: the binary, the plugin tree, user 65532, exec entrypoint.
func TestRepositoryDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDockerfile(string(raw))
	if err != nil {
		t.Fatalf("the repository's Dockerfile is outside what mkimage builds: %v", err)
	}
	if d.Config.User != "65532:65532" || len(d.Config.Entrypoint) == 0 || d.Config.Entrypoint[0] != "/usr/local/bin/turnpike" {
		t.Errorf("Dockerfile user %q entrypoint %q", d.Config.User, d.Config.Entrypoint)
	}
	dests := map[string]bool{}
	for _, c := range d.Copies {
		for _, s := range c.Sources {
			dests[s+" -> "+c.Dest] = true
		}
	}
	for _, want := range []string{"bin/turnpike -> /usr/local/bin/turnpike", "go.mod -> /opt/turnpike/plugin/", ".traefik.yml -> /opt/turnpike/plugin/", "plugin -> /opt/turnpike/plugin/plugin", "x402 -> /opt/turnpike/plugin/x402"} {
		if !dests[want] {
			t.Errorf("Dockerfile has no COPY %s (has %v)", want, dests)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.static != "" {
		os.RemoveAll(filepath.Dir(binaries.static))
	}
	os.Exit(code)
}
