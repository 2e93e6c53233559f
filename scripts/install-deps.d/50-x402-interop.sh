#!/usr/bin/env bash
# Installs the official x402 TypeScript packages (@x402/core, @x402/evm, viem, exactly as
# interop/package-lock.json pins them) into $TURNPIKE_CACHE/x402-interop, for the
# facilitator interop tests and the /verify benchmark baseline. Reinstalls only when
# the lock file changes.
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
lock=$root/interop/package-lock.json
sum=$(cat "$root/interop/package.json" "$lock" | sha256sum | cut -c1-12)
DIR=$TURNPIKE_CACHE/x402-interop
install() {
  if [ -f "$DIR/.done" ] && [ "$(cat "$DIR/.done")" = "$sum" ]; then return 0; fi
  command -v npm >/dev/null || { log "npm is required (Node 20+)"; exit 1; }
  log "installing the official x402 npm packages from interop/package-lock.json"
  rm -rf "$DIR"; mkdir -p "$DIR"
  cp "$root/interop/package.json" "$lock" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  echo "$sum" >"$DIR/.done"
}
with_lock x402-interop install
echo "$DIR/node_modules"
