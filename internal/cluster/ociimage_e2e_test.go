//go:build e2e

package cluster

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// writeOCIArchive writes an OCI image layout archive (what `ctr images import`
// reads) holding one image named ref: a single layer with the file /app (mode 0755)
// holding binary, run as entrypoint (with the default arguments cmd) by the
// non-root user 65532.
//
// A stand-in until `make image` (go-containerregistry) lands: the smoke test needs
// only a static binary in an image.
func writeOCIArchive(path, ref string, binary []byte, cmd ...string) error {
	epoch := time.Unix(0, 0)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	if err := tw.WriteHeader(&tar.Header{Name: "app", Mode: 0o755, Size: int64(len(binary)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("layer header: %w", err)
	}
	if _, err := tw.Write(binary); err != nil {
		return fmt.Errorf("layer body: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	layerDigest := digest(layer.Bytes())
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Entrypoint": []string{"/app"}, "Cmd": cmd, "User": "65532:65532"},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{layerDigest}},
	})
	if err != nil {
		return fmt.Errorf("image config: %w", err)
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        descriptor("application/vnd.oci.image.config.v1+json", config),
		"layers":        []any{descriptor("application/vnd.oci.image.layer.v1.tar", layer.Bytes())},
	})
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	md := descriptor("application/vnd.oci.image.manifest.v1+json", manifest)
	md["annotations"] = map[string]string{"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": ref}
	index, err := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{md}})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	var out bytes.Buffer
	ow := tar.NewWriter(&out)
	files := []struct {
		name string
		body []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
		{"blobs/sha256/" + hexOf(config), config},
		{"blobs/sha256/" + hexOf(manifest), manifest},
		{"blobs/sha256/" + hexOf(layer.Bytes()), layer.Bytes()},
	}
	for _, f := range files {
		if err := ow.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
		if _, err := ow.Write(f.body); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
	}
	if err := ow.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

func hexOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func digest(b []byte) string { return "sha256:" + hexOf(b) }

func descriptor(mediaType string, b []byte) map[string]any {
	return map[string]any{"mediaType": mediaType, "digest": digest(b), "size": len(b)}
}
