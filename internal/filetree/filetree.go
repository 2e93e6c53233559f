// Package filetree copies a directory tree of regular files. The turnpike image uses it
// to hand the gate's plugin source to Traefik pods from an init container, which has no
// shell or cp (the image is distroless).
package filetree

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Copy copies every regular file under src into dst, keeping the relative layout, and
// returns how many files it wrote. Files named *_test.go and folders named testdata are
// skipped: Traefik only interprets the package sources. Symlinks and other special
// files are refused rather than followed, so a tree cannot smuggle in paths outside src.
// Existing files in dst are overwritten; dst is created when missing.
func Copy(src, dst string) (int, error) {
	info, err := os.Stat(src)
	if err != nil {
		return 0, fmt.Errorf("copy tree: %w", err)
	}
	if !info.IsDir() {
		return 0, fmt.Errorf("copy tree: %s is not a directory", src)
	}
	n := 0
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if d.Name() == "testdata" && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			if strings.HasSuffix(d.Name(), "_test.go") {
				return nil
			}
			if err := copyFile(p, target); err != nil {
				return err
			}
			n++
			return nil
		default:
			return fmt.Errorf("%s: not a regular file or directory", p)
		}
	})
	if err != nil {
		return n, fmt.Errorf("copy tree %s to %s: %w", src, dst, err)
	}
	return n, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
