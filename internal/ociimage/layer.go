package ociimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Entry is one file system object of a layer. Everything that decides the layer's
// bytes is here, so two builds from the same entries give the same digest: host
// owners, host modification times and directory order never reach the tar.
type Entry struct {
	// Path inside the image: absolute and clean, e.g. /usr/local/bin/turnpike.
	Path string
	// Mode is fs.ModeDir for a directory, nothing for a regular file, plus the
	// permission bits (fs.ModeSticky for /tmp).
	Mode     fs.FileMode
	UID, GID int
	// Source is the host file a regular file's content is read from when the layer is
	// written; Data is used instead when Source is empty.
	Source string
	Data   []byte
}

// Layer is a named set of entries; the name ends up in the image history.
type Layer struct {
	Name    string
	Entries []Entry
}

// File is a regular file owned by root, with the content of the host file src.
// Modes are normalised (0755 when the owner may execute it, 0644 otherwise) so that a
// checkout's umask does not change the image digest.
func File(src, dst string) (Entry, error) {
	st, err := os.Stat(src)
	if err != nil {
		return Entry{}, fmt.Errorf("image input %s: %w", src, err)
	}
	if !st.Mode().IsRegular() {
		return Entry{}, fmt.Errorf("image input %s: not a regular file (%s)", src, st.Mode().Type())
	}
	mode := fs.FileMode(0o644)
	if st.Mode().Perm()&0o100 != 0 {
		mode = 0o755
	}
	return Entry{Path: dst, Mode: mode, Source: src}, nil
}

// Tree is the content of the host directory src placed under dst (like a Dockerfile
// COPY of a directory): directories 0755, files as File, all owned by root. Symbolic
// links and special files are refused: nothing we ship needs one, and following or
// keeping them silently would make the image depend on the host around the tree.
func Tree(src, dst string) ([]Entry, error) {
	var out []Entry
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("image input %s: %w", p, err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return fmt.Errorf("image input %s: %w", p, err)
		}
		target := path.Join(dst, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			out = append(out, Entry{Path: target, Mode: fs.ModeDir | 0o755})
		case d.Type().IsRegular():
			e, err := File(p, target)
			if err != nil {
				return err
			}
			out = append(out, e)
		default:
			return fmt.Errorf("image input %s: %s is not supported (only directories and regular files)", p, d.Type())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// tarPath is the name of an image path inside a layer tar: relative to the root, with
// a trailing slash for directories (what docker and containerd write).
func tarPath(p string, dir bool) string {
	n := strings.TrimPrefix(p, "/")
	if dir {
		n += "/"
	}
	return n
}

func checkPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("image path %q: want an absolute, clean path below /", p)
	}
	return nil
}

// withParents returns the entries plus a root-owned 0755 directory for every parent
// that was not declared, sorted by path. Two entries for the same path are refused:
// which one wins would depend on order.
func withParents(entries []Entry) ([]Entry, error) {
	byPath := map[string]Entry{}
	for _, e := range entries {
		if err := checkPath(e.Path); err != nil {
			return nil, err
		}
		if prev, dup := byPath[e.Path]; dup {
			if prev.Mode.IsDir() && e.Mode.IsDir() && prev.Mode == e.Mode && prev.UID == e.UID && prev.GID == e.GID {
				continue // the same directory reached twice, e.g. two trees under one parent
			}
			return nil, fmt.Errorf("image path %s is declared twice in one layer", e.Path)
		}
		byPath[e.Path] = e
	}
	for p := range byPath {
		for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
			if parent, ok := byPath[dir]; ok {
				if !parent.Mode.IsDir() {
					return nil, fmt.Errorf("image path %s is below %s, which is a file", p, dir)
				}
				continue
			}
			byPath[dir] = Entry{Path: dir, Mode: fs.ModeDir | 0o755}
		}
	}
	out := make([]Entry, 0, len(byPath))
	for _, e := range byPath {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// tarMode converts fs.FileMode permission and sticky/setid bits to the tar header's
// Unix mode (c_ISVTX and friends).
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// layerTar writes the entries (and their parents) as an uncompressed tar in path
// order, every timestamp set to mtime and no user or group names.
func layerTar(entries []Entry, mtime time.Time) ([]byte, error) {
	all, err := withParents(entries)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range all {
		if err := writeEntry(tw, e, mtime); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing layer tar: %w", err)
	}
	return buf.Bytes(), nil
}

func writeEntry(tw *tar.Writer, e Entry, mtime time.Time) error {
	hdr := &tar.Header{
		Name:    tarPath(e.Path, e.Mode.IsDir()),
		Mode:    tarMode(e.Mode),
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: mtime,
	}
	if e.Mode.IsDir() {
		hdr.Typeflag = tar.TypeDir
		return tw.WriteHeader(hdr)
	}
	if e.Mode.Type() != 0 {
		return fmt.Errorf("image path %s: type %s is not supported", e.Path, e.Mode.Type())
	}
	data := e.Data
	if e.Source != "" {
		var err error
		if data, err = os.ReadFile(e.Source); err != nil {
			return fmt.Errorf("image input for %s: %w", e.Path, err)
		}
	}
	hdr.Typeflag = tar.TypeReg
	hdr.Size = int64(len(data))
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("layer entry %s: %w", e.Path, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("layer entry %s: %w", e.Path, err)
	}
	return nil
}

// gzipBytes compresses once, with a header carrying no name and no time, so the
// compressed digest is a function of the tar alone (for one Go version).
func gzipBytes(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(zw, bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing layer: %w", err)
	}
	return buf.Bytes(), nil
}
