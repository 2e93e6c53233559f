// Package ociimage builds container images without a container engine: layers are
// tars written here from declared entries, assembled with go-containerregistry and
// written as a docker-archive tarball that `ctr images import` (containerd) and
// `docker load` accept. The same inputs give the same bytes: fixed timestamps, sorted
// entries, normalised modes and owners, one deterministic compression.
package ociimage

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Config is the part of the image configuration a runtime acts on.
type Config struct {
	// Entrypoint in exec form; its first element must be an executable file of the
	// image (there is no shell to resolve anything else).
	Entrypoint []string
	Cmd        []string
	// User as uid:gid or uid, numeric and not root: the kubelet can only check
	// runAsNonRoot against a number.
	User       string
	WorkingDir string
	Env        []string
	Labels     map[string]string
}

// Spec is everything an image is built from.
type Spec struct {
	Layers []Layer
	Config Config
	// Created is the image's creation time and every file's modification time.
	Created time.Time
	// Arch is the GOARCH the image runs on; every ELF executable in it must match.
	Arch string
}

// Build assembles the image. It refuses, with the reason, an image that could not
// start from a scratch root: a missing input file, a dynamically linked or
// wrong-architecture executable, an entrypoint that is not an executable of the
// image, a root or non-numeric user.
func Build(s Spec) (v1.Image, error) {
	if err := checkSpec(s); err != nil {
		return nil, err
	}
	img := empty.Image
	for _, l := range s.Layers {
		raw, err := layerTar(l.Entries, s.Created)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", l.Name, err)
		}
		gz, err := gzipBytes(raw)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", l.Name, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(gz)), nil
		})
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", l.Name, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer: layer,
			History: v1.History{
				Created:   v1.Time{Time: s.Created},
				CreatedBy: l.Name,
				Comment:   "built by internal/ociimage",
			},
		})
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", l.Name, err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = s.Arch
	cf.Created = v1.Time{Time: s.Created}
	cf.Config = v1.Config{
		Entrypoint: s.Config.Entrypoint,
		Cmd:        s.Config.Cmd,
		User:       s.Config.User,
		WorkingDir: s.Config.WorkingDir,
		Env:        s.Config.Env,
		Labels:     s.Config.Labels,
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	return img, nil
}

// checkSpec catches, before anything is written, what would only fail when a pod
// starts on a node.
func checkSpec(s Spec) error {
	if s.Arch == "" {
		return errors.New("image architecture not set")
	}
	if err := checkUser(s.Config.User); err != nil {
		return err
	}
	if len(s.Config.Entrypoint) == 0 {
		return errors.New("image has no entrypoint: the image has no shell, so it needs an executable to start")
	}
	files := map[string]Entry{}
	for _, l := range s.Layers {
		for _, e := range l.Entries {
			files[e.Path] = e // a later layer shadows an earlier one, as in the runtime
		}
	}
	for _, l := range s.Layers {
		for _, e := range l.Entries {
			if e.Mode.IsRegular() && e.Mode.Perm()&0o111 != 0 {
				if err := checkExecutable(e, s.Arch); err != nil {
					return fmt.Errorf("layer %q: %w", l.Name, err)
				}
			}
		}
	}
	ep := s.Config.Entrypoint[0]
	e, ok := files[ep]
	if !ok {
		return fmt.Errorf("entrypoint %s is not a file of the image (there is no shell or PATH lookup in it)", ep)
	}
	if !e.Mode.IsRegular() || e.Mode.Perm()&0o111 == 0 {
		return fmt.Errorf("entrypoint %s is not an executable file of the image (mode %s)", ep, e.Mode)
	}
	return nil
}

func checkUser(u string) error {
	if u == "" {
		return errors.New("image user not set: want a numeric non-root uid:gid, e.g. 65532:65532 (runAsNonRoot can only be checked against a number)")
	}
	parts := strings.Split(u, ":")
	if len(parts) > 2 {
		return fmt.Errorf("image user %q: want uid or uid:gid", u)
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return fmt.Errorf("image user %q is not numeric: the kubelet can only check runAsNonRoot against a number", u)
		}
	}
	if parts[0] == "0" {
		return fmt.Errorf("image user %q is root", u)
	}
	return nil
}

// elfMachine is the ELF machine of each GOARCH we build for.
var elfMachine = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"386":     elf.EM_386,
	"arm":     elf.EM_ARM,
	"riscv64": elf.EM_RISCV,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
}

// checkExecutable refuses an ELF executable that needs a dynamic loader (the image
// has no C library: a cgo build fails at exec with a bare "no such file or
// directory") or that was built for another architecture. Non-ELF executables
// (scripts) are refused too: there is no interpreter to run them.
func checkExecutable(e Entry, arch string) error {
	var r io.ReaderAt
	if e.Source != "" {
		f, err := os.Open(e.Source)
		if err != nil {
			return fmt.Errorf("image input for %s: %w", e.Path, err)
		}
		defer f.Close()
		r = f
	} else {
		r = bytes.NewReader(e.Data)
	}
	what := e.Path
	if e.Source != "" {
		what = fmt.Sprintf("%s (from %s)", e.Path, e.Source)
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return fmt.Errorf("%s is executable but not an ELF binary: a scratch image has no interpreter for it: %w", what, err)
	}
	defer f.Close()
	if want, ok := elfMachine[arch]; !ok || f.Machine != want {
		return fmt.Errorf("%s is built for %s, the image is for %s", what, f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(p.Open())
			return fmt.Errorf("%s is dynamically linked (needs %s), and the image has no C library: build it with CGO_ENABLED=0",
				what, strings.TrimRight(string(interp), "\x00"))
		}
	}
	return nil
}

// Written says what WriteArchive produced.
type Written struct {
	Ref  string
	Path string
	// ID is the config digest: what `crictl images` and `ctr images ls` show as the
	// image id, and what stays the same whichever way the image is transported.
	ID v1.Hash
	// Digest is the manifest digest of the image as go-containerregistry serialises it.
	Digest v1.Hash
	Size   int64
}

// WriteArchive writes img tagged ref as a docker-archive tarball at dst (parents
// created, replaced atomically so a reader never sees half an archive).
func WriteArchive(dst, ref string, img v1.Image) (Written, error) {
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return Written{}, fmt.Errorf("image reference %q: want registry/repository:tag: %w", ref, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return Written{}, fmt.Errorf("image archive: %w", err)
	}
	tmp := dst + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		os.Remove(tmp)
		return Written{}, fmt.Errorf("writing %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return Written{}, fmt.Errorf("image archive: %w", err)
	}
	w := Written{Ref: tag.String(), Path: dst}
	if w.ID, err = img.ConfigName(); err != nil {
		return Written{}, fmt.Errorf("image id: %w", err)
	}
	if w.Digest, err = img.Digest(); err != nil {
		return Written{}, fmt.Errorf("image digest: %w", err)
	}
	st, err := os.Stat(dst)
	if err != nil {
		return Written{}, fmt.Errorf("image archive: %w", err)
	}
	w.Size = st.Size()
	return w, nil
}
