#!/usr/bin/env bash
# Installs the official x402 buyer clients the e2e suite pays with (@x402/fetch 2.x and
# x402-fetch 1.x, exactly as e2e/clients/package-lock.json pins them, with the esbuild
# that bundles @x402/fetch for the cross-origin browser test) into the cache, once per
# lock file, and prints the folder that holds node_modules and pay.mjs.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/e2e/clients
sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
DIR=$TURNPIKE_CACHE/npm-e2e-clients-$sum
install() {
  if [ -f "$DIR/.done" ]; then return 0; fi
  command -v npm >/dev/null || { log "npm is required (Node 20+)"; exit 1; }
  log "installing the x402 npm clients from e2e/clients/package-lock.json (about 2 minutes)"
  rm -rf "$DIR"; mkdir -p "$DIR"
  cp "$src/package.json" "$src/package-lock.json" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$DIR/.done"
}
with_lock npm-e2e-clients install
echo "$DIR"
