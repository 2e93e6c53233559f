#!/usr/bin/env bash
# Installs golangci-lint, pinned, into $TURNPIKE_BIN for `make lint` (.golangci.yml).
# Built from the Go module proxy with `go install pkg@version` in a scratch directory, so
# the linter's own dependencies never enter this module's go.mod.
. "$(dirname "$0")/../lib.sh"
GOLANGCI_LINT_VERSION=${GOLANGCI_LINT_VERSION:-v2.15.0}
OUT=$TURNPIKE_BIN/golangci-lint
build() {
  if [ -x "$OUT" ] && [ -f "$OUT.version" ] && [ "$(cat "$OUT.version")" = "$GOLANGCI_LINT_VERSION" ]; then return 0; fi
  log "installing golangci-lint $GOLANGCI_LINT_VERSION"
  local work
  work=$(mktemp -d)
  (cd "$work" && GOFLAGS=-mod=mod GOBIN=$TURNPIKE_BIN go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@"$GOLANGCI_LINT_VERSION")
  rm -rf "$work"
  echo "$GOLANGCI_LINT_VERSION" >"$OUT.version"
}
with_lock golangci-lint build
echo "$OUT"
