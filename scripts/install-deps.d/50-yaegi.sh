#!/usr/bin/env bash
# Installs the yaegi CLI v0.16.1 (the version every Traefik v3 embeds) into
# $TURNPIKE_BIN for scripts/yaegi-test.sh. Built with `go install pkg@version` from a
# scratch directory so yaegi never enters this module's go.mod (the plugin catalog
# refuses modules that require it).
. "$(dirname "$0")/../lib.sh"
YAEGI_VERSION=${YAEGI_VERSION:-v0.16.1}
OUT=$TURNPIKE_BIN/yaegi
build() {
  if [ -x "$OUT" ] && [ -f "$OUT.version" ] && [ "$(cat "$OUT.version")" = "$YAEGI_VERSION" ]; then return 0; fi
  log "installing yaegi $YAEGI_VERSION"
  local work
  work=$(mktemp -d)
  (cd "$work" && GOFLAGS=-mod=mod GOBIN=$TURNPIKE_BIN go install github.com/traefik/yaegi/cmd/yaegi@"$YAEGI_VERSION")
  rm -rf "$work"
  echo "$YAEGI_VERSION" >"$OUT.version"
}
with_lock yaegi build
echo "$OUT"
