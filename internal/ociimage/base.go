package ociimage

import (
	"fmt"
	"io/fs"
	"os"
)

// The built-in base replaces gcr.io/distroless/static-debian12:nonroot (the
// Dockerfile's FROM), which cannot be pulled where images are built without an
// engine. It carries what a static Go binary looks for at run time, and the same user
// and home as distroless, so both builds behave alike.
const (
	NonrootUID  = 65532
	NonrootHome = "/home/nonroot"
	// DefaultCABundle is where Debian keeps the system CA bundle.
	DefaultCABundle = "/etc/ssl/certs/ca-certificates.crt"
	caBundlePath    = "/etc/ssl/certs/ca-certificates.crt"
)

// NonrootEnv is the environment distroless sets: crypto/x509 finds the bundle through
// SSL_CERT_FILE without probing other paths.
var NonrootEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"SSL_CERT_FILE=" + caBundlePath,
}

const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\n" +
		"nobody:x:65534:\n" +
		"nonroot:x:65532:\n"
	// Go's resolver reads it to order /etc/hosts before DNS (cluster DNS names and
	// hostAliases both work).
	nsswitch = "hosts: files dns\n"
)

// NonrootBase is the base layer: users and groups (root, nobody, nonroot 65532), the
// CA bundle copied from caBundle on the build host, /home/nonroot owned by nonroot,
// and a world-writable sticky /tmp for runs without a read-only root (pods mount an
// emptyDir there).
func NonrootBase(caBundle string) (Layer, error) {
	if _, err := os.Stat(caBundle); err != nil {
		return Layer{}, fmt.Errorf("CA bundle for the base layer: %w (install Debian's ca-certificates, or pass another bundle)", err)
	}
	ca, err := File(caBundle, caBundlePath)
	if err != nil {
		return Layer{}, err
	}
	ca.Mode = 0o644
	return Layer{
		Name: "base: nonroot user, CA certificates (replaces " + distrolessBase + ")",
		Entries: []Entry{
			{Path: "/etc/passwd", Mode: 0o644, Data: []byte(passwd)},
			{Path: "/etc/group", Mode: 0o644, Data: []byte(group)},
			{Path: "/etc/nsswitch.conf", Mode: 0o644, Data: []byte(nsswitch)},
			ca,
			{Path: "/root", Mode: fs.ModeDir | 0o700},
			{Path: NonrootHome, Mode: fs.ModeDir | 0o700, UID: NonrootUID, GID: NonrootUID},
			{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		},
	}, nil
}

const distrolessBase = "gcr.io/distroless/static-debian12:nonroot"
