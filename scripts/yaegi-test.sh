#!/usr/bin/env bash
# Runs the plugin's tests under Yaegi v0.16.1 (the interpreter Traefik embeds), in the
# GOPATH layout Traefik uses for plugins: compiling with Go is not enough, because
# builtins such as min/max or range-over-int compile fine and break only in Yaegi.
# Usage: scripts/yaegi-test.sh [import paths...] (default: the plugin, its
# sub-packages and x402, the code Traefik interprets).
. "$(dirname "$0")/lib.sh"
repo=$(cd "$(dirname "$0")/.." && pwd)
yaegi=$TURNPIKE_BIN/yaegi
[ -x "$yaegi" ] || bash "$repo/scripts/install-deps.d/50-yaegi.sh" >/dev/null
module=github.com/turnpike-x402/turnpike
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/$(dirname "$module")"
ln -s "$repo" "$gopath/src/$module"
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  pkgs=("$module/x402" "$module/plugin/cors" "$module/plugin/routes" "$module/plugin/replay" "$module/plugin/answers" "$module/plugin/metrics" "$module/plugin/challenge" "$module/plugin/source" "$module/plugin/reqpath" "$module/plugin")
fi
cd "$gopath/src/$module"
for p in "${pkgs[@]}"; do
  log "yaegi test $p"
  GOPATH=$gopath GO111MODULE=off GOFLAGS= "$yaegi" test -v "$p" 2>&1 | grep -v -e '^20[0-9][0-9]/' -e '^turnpike: routes generation' || { echo "yaegi test $p failed" >&2; exit 1; }
done
