#!/usr/bin/env bash
# Builds Traefik v3.6.12 from the Go module proxy into the cache (once per machine).
# v3.6.12 is the newest release whose dependencies the proxy serves in full.
# `go install` refuses it (replace directives), so we build inside a writable copy of
# the module zip.
. "$(dirname "$0")/lib.sh"
VERSION=${TRAEFIK_VERSION:-v3.6.12}
OUT=$TURNPIKE_BIN/traefik-$VERSION
# Static (CGO_ENABLED=0), as Traefik's own releases are: the test cluster runs this binary
# in an image with no C library (make image-traefik, internal/ociimage refuses a dynamic
# one). A cgo build left in the cache by an older version of this script is rebuilt once.
static() { go version -m "$OUT" 2>/dev/null | grep -q 'CGO_ENABLED=0'; }
build() {
  if [ -x "$OUT" ] && static; then return 0; fi
  log "building Traefik $VERSION (first time on this machine: several minutes)"
  GOFLAGS=-mod=mod go mod download github.com/traefik/traefik/v3@"$VERSION"
  local src
  src=$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/traefik/traefik/v3@"$VERSION" 2>/dev/null || true)
  [ -n "$src" ] || src=$(go env GOMODCACHE)/github.com/traefik/traefik/v3@$VERSION
  local work=$TURNPIKE_CACHE/traefik-src-$VERSION
  rm -rf "$work"; cp -r "$src" "$work"; chmod -R u+w "$work"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
     -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$VERSION" \
     -o "$OUT.tmp" ./cmd/traefik)
  mv "$OUT.tmp" "$OUT"
  rm -rf "$work"
  log "built $OUT"
}
with_lock traefik build
echo "$OUT"
