// Command mkimage builds a container image without a container engine
// (internal/ociimage) and writes it as a docker-archive tarball for
// `ctr -n k8s.io images import` or `docker load`. `make image` builds the turnpike
// image from the repository's Dockerfile with it; `make images` adds the other images
// the test cluster runs (Traefik, the pod sandbox).
//
//	mkimage -dockerfile Dockerfile -tag ghcr.io/turnpike-x402/turnpike:v0.1.0 -out build/images/turnpike.tar
//	mkimage -file bin/pause=/pause -entrypoint /pause -user 65535:65535 -base none -tag localhost/turnpike/pause:v1 -out build/images/pause.tar
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/internal/ociimage"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type options struct {
	dockerfile, context, base, caBundle string
	files, env, labels                  multi
	entrypoint, cmd, user, workdir      string
	tag, out, arch                      string
	epoch                               int64
}

func main() {
	o, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(2)
	}
	w, err := build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
	fmt.Printf("%s %s id=%s digest=%s size=%d\n", w.Ref, w.Path, w.ID, w.Digest, w.Size)
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	fs.StringVar(&o.dockerfile, "dockerfile", "", "build what this Dockerfile says (COPY/USER/ENTRYPOINT/...), on the built-in base instead of its FROM")
	fs.StringVar(&o.context, "context", "", "build context for -dockerfile (default: the Dockerfile's directory)")
	fs.StringVar(&o.base, "base", "nonroot", "base layer: nonroot (users, CA bundle, /home/nonroot, /tmp, like distroless static:nonroot) or none")
	fs.StringVar(&o.caBundle, "ca-bundle", ociimage.DefaultCABundle, "CA bundle copied into the nonroot base")
	fs.Var(&o.files, "file", "SRC=DST: add host file SRC at image path DST (repeatable; one layer after the Dockerfile's)")
	fs.StringVar(&o.entrypoint, "entrypoint", "", `entrypoint: a path, or a JSON array ["/bin/x","arg"]`)
	fs.StringVar(&o.cmd, "cmd", "", "default arguments as a JSON array")
	fs.StringVar(&o.user, "user", "", "numeric non-root uid[:gid] (default: the Dockerfile's USER, else 65532)")
	fs.StringVar(&o.workdir, "workdir", "", "working directory (default: the Dockerfile's WORKDIR, else /home/nonroot, or / with -base none)")
	fs.Var(&o.env, "env", "KEY=VALUE added to the environment (repeatable)")
	fs.Var(&o.labels, "label", "KEY=VALUE image label (repeatable)")
	fs.StringVar(&o.tag, "tag", "", "image reference, registry/repository:tag (required)")
	fs.StringVar(&o.out, "out", "", "docker-archive tarball to write (required)")
	fs.StringVar(&o.arch, "arch", envOr("GOARCH", runtime.GOARCH), "architecture (GOARCH) of the image")
	epoch, err := strconv.ParseInt(envOr("SOURCE_DATE_EPOCH", "0"), 10, 64)
	if err != nil {
		return o, fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
	}
	fs.Int64Var(&o.epoch, "epoch", epoch, "creation time and every file's mtime, Unix seconds (default: $SOURCE_DATE_EPOCH, else 0)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.tag == "" || o.out == "" {
		return o, errors.New("-tag and -out are required")
	}
	if o.base != "nonroot" && o.base != "none" {
		return o, fmt.Errorf("-base %q: want nonroot or none", o.base)
	}
	if o.dockerfile != "" && o.base == "none" {
		return o, errors.New("-dockerfile replaces its FROM with the nonroot base; -base none does not apply")
	}
	return o, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// spec turns the flags into an ociimage.Spec: the Dockerfile's, or an empty one on
// the chosen base, with the flags' files and configuration on top.
func spec(o options) (ociimage.Spec, error) {
	var s ociimage.Spec
	switch {
	case o.dockerfile != "":
		ctx := o.context
		if ctx == "" {
			ctx = filepath.Dir(o.dockerfile)
		}
		var err error
		if s, err = ociimage.FromDockerfile(o.dockerfile, ctx, o.caBundle); err != nil {
			return s, err
		}
	case o.base == "nonroot":
		base, err := ociimage.NonrootBase(o.caBundle)
		if err != nil {
			return s, err
		}
		s.Layers = []ociimage.Layer{base}
		s.Config = ociimage.Config{User: strconv.Itoa(ociimage.NonrootUID), WorkingDir: ociimage.NonrootHome, Env: ociimage.NonrootEnv}
	default:
		s.Config = ociimage.Config{WorkingDir: "/"}
	}
	if len(o.files) > 0 {
		l := ociimage.Layer{Name: "files: " + o.files.String()}
		for _, f := range o.files {
			src, dst, ok := strings.Cut(f, "=")
			if !ok || src == "" || dst == "" {
				return s, fmt.Errorf("-file %q: want SRC=DST", f)
			}
			e, err := ociimage.File(src, dst)
			if err != nil {
				return s, err
			}
			l.Entries = append(l.Entries, e)
		}
		s.Layers = append(s.Layers, l)
	}
	return s, configure(&s, o)
}

func configure(s *ociimage.Spec, o options) error {
	if o.entrypoint != "" {
		ep, err := argv(o.entrypoint)
		if err != nil {
			return fmt.Errorf("-entrypoint: %w", err)
		}
		s.Config.Entrypoint = ep
	}
	if o.cmd != "" {
		if err := json.Unmarshal([]byte(o.cmd), &s.Config.Cmd); err != nil {
			return fmt.Errorf("-cmd: want a JSON array: %w", err)
		}
	}
	if o.user != "" {
		s.Config.User = o.user
	}
	if o.workdir != "" {
		s.Config.WorkingDir = o.workdir
	}
	for _, kv := range o.env {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("-env %q: want KEY=VALUE", kv)
		}
		s.Config.Env = append(append([]string(nil), s.Config.Env...), kv)
	}
	for _, kv := range o.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("-label %q: want KEY=VALUE", kv)
		}
		if s.Config.Labels == nil {
			s.Config.Labels = map[string]string{}
		}
		s.Config.Labels[k] = v
	}
	s.Arch = o.arch
	s.Created = time.Unix(o.epoch, 0).UTC()
	return nil
}

// argv reads a JSON array, or takes a bare path as a one-element one.
func argv(v string) ([]string, error) {
	if !strings.HasPrefix(v, "[") {
		return []string{v}, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("want a path or a JSON array: %w", err)
	}
	return out, nil
}

func build(o options) (ociimage.Written, error) {
	s, err := spec(o)
	if err != nil {
		return ociimage.Written{}, err
	}
	img, err := ociimage.Build(s)
	if err != nil {
		return ociimage.Written{}, fmt.Errorf("%s: %w", o.tag, err)
	}
	return ociimage.WriteArchive(o.out, o.tag, img)
}
