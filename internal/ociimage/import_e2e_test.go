//go:build e2e

package ociimage

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/turnpike-x402/turnpike/internal/testenv"
)

// containerd is a private containerd for one test: own root, state and socket, CRI
// off, so it never meets a system or cluster containerd.
type containerd struct {
	ctrBin string
	sock   string
	env    []string
}

func startContainerd(t *testing.T) *containerd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("importing and running images needs root (containerd mounts overlayfs, runc creates namespaces)")
	}
	bin := testenv.Bin(t, "containerd")
	c := &containerd{ctrBin: testenv.Bin(t, "ctr")}
	testenv.Bin(t, "containerd-shim-runc-v2")
	testenv.Bin(t, "runc")
	// Unix socket paths are limited to 108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "ctrd")
	if err != nil {
		t.Fatal(err)
	}
	c.sock = filepath.Join(dir, "c.sock")
	cfg := fmt.Sprintf(`version = 3
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]
[grpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// containerd finds the shim on PATH, the shim finds runc there.
	c.env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	log, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config.toml"))
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		log.Close()
		// Snapshots are overlay mounts only while containers run; all are gone here.
		_ = os.RemoveAll(dir)
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.ctrErr("version"); err == nil {
			return c
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
			t.Fatalf("containerd did not answer within 30 s:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *containerd) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.ctrBin, append([]string{"--address", c.sock, "--namespace", "k8s.io"}, args...)...)
	cmd.Env = c.env
	return cmd
}

func (c *containerd) ctrErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := c.command(ctx, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// ctr runs a ctr command and fails t (the calling test or subtest) when it fails.
func (c *containerd) ctr(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.ctrErr(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// archiveRef is the one tag a docker-archive carries.
func archiveRef(t *testing.T, path string) string {
	t.Helper()
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(path) })
	if err != nil {
		t.Fatalf("%s: %v (run `make images`)", path, err)
	}
	if len(m) != 1 || len(m[0].RepoTags) != 1 {
		t.Fatalf("%s: want one image with one tag, got %+v", path, m)
	}
	return m[0].RepoTags[0]
}

// TestImagesImportAndRun imports what `make images` wrote into containerd exactly as
// the test cluster does (ctr -n k8s.io images import) and runs each image under runc
// with a read-only root: the turnpike image as 65532 (version, install-plugin into a
// mounted folder), Traefik (version), the test upstream, and pause until SIGTERM.
func TestImagesImportAndRun(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "build", "images")
	c := startContainerd(t)
	refs := map[string]string{}
	for _, name := range []string{"turnpike", "traefik", "pause", "testupstream"} {
		tar := filepath.Join(dir, name+".tar")
		ref := archiveRef(t, tar)
		t0 := time.Now()
		c.ctr(t, "images", "import", tar)
		t.Logf("imported %s as %s in %v", tar, ref, time.Since(t0).Round(time.Millisecond))
		if ls := c.ctr(t, "images", "ls", "-q"); !strings.Contains(ls, ref+"\n") {
			t.Fatalf("after importing %s, `ctr images ls` lacks %s:\n%s", tar, ref, ls)
		}
		refs[name] = ref
	}

	t.Run("turnpike version", func(t *testing.T) {
		out := c.ctr(t, "run", "--rm", "--read-only", refs["turnpike"], "tp-version", "/usr/local/bin/turnpike", "version")
		if !strings.Contains(out, "turnpike") {
			t.Errorf("turnpike version printed %q", out)
		}
	})

	t.Run("turnpike install-plugin as 65532 on a read-only root", func(t *testing.T) {
		out := t.TempDir()
		if err := os.Chmod(out, 0o777); err != nil {
			t.Fatal(err)
		}
		dst := "/plugins-local/src/github.com/turnpike-x402/turnpike"
		c.ctr(t, "run", "--rm", "--read-only", "--mount", "type=bind,src="+out+",dst=/plugins-local,options=rbind:rw",
			refs["turnpike"], "tp-plugin", "/usr/local/bin/turnpike", "install-plugin", "-to", dst)
		for _, f := range []string{".traefik.yml", "go.mod", "plugin", "x402"} {
			st, err := os.Stat(filepath.Join(out, "src/github.com/turnpike-x402/turnpike", f))
			if err != nil {
				t.Errorf("install-plugin did not write %s: %v", f, err)
				continue
			}
			if uid := st.Sys().(*syscall.Stat_t).Uid; uid != NonrootUID {
				t.Errorf("%s written by uid %d, want %d (the image's user)", f, uid, NonrootUID)
			}
		}
		// The root file system is read-only: the same copy onto it fails.
		if _, err := c.ctrErr("run", "--rm", "--read-only", refs["turnpike"], "tp-ro", "/usr/local/bin/turnpike", "install-plugin", "-to", "/opt/x"); err == nil {
			t.Error("install-plugin onto the read-only root succeeded")
		}
	})

	t.Run("traefik version", func(t *testing.T) {
		out := c.ctr(t, "run", "--rm", "--read-only", refs["traefik"], "traefik-version", "/usr/local/bin/traefik", "version")
		if !strings.Contains(out, "Version:") {
			t.Errorf("traefik version printed %q", out)
		}
	})

	t.Run("testupstream starts on a read-only root", func(t *testing.T) {
		out := c.ctr(t, "run", "--rm", "--read-only", refs["testupstream"], "up-help", "/usr/local/bin/testupstream", "-h")
		if !strings.Contains(out, "payer-header") {
			t.Errorf("testupstream -h printed %q", out)
		}
	})

	t.Run("pause exits 0 on SIGTERM", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		run := c.command(ctx, "run", "--rm", "--read-only", refs["pause"], "pause-1")
		var outBuf strings.Builder
		run.Stdout, run.Stderr = &outBuf, &outBuf
		if err := run.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(c.ctr(t, "tasks", "ls"), "RUNNING") {
			if time.Now().After(deadline) {
				t.Fatalf("pause task not running after 30 s: %s", outBuf.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
		c.ctr(t, "tasks", "kill", "--signal", "SIGTERM", "pause-1")
		if err := run.Wait(); err != nil {
			t.Fatalf("pause after SIGTERM: %v, want exit 0: %s", err, outBuf.String())
		}
	})
}
