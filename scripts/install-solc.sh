#!/usr/bin/env bash
# Installs the pinned Solidity toolchain (solc-js + @openzeppelin/contracts, exactly as
# contracts/package-lock.json says) into the cache, once per lock file, and prints the
# node_modules folder. `npm ci` keeps the versions exactly those of the lock.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
lock=$root/contracts/package-lock.json
sum=$(cat "$root/contracts/package.json" "$lock" | sha256sum | cut -c1-12)
DIR=$TURNPIKE_CACHE/npm-contracts-$sum
install() {
  if [ -f "$DIR/.done" ]; then return 0; fi
  command -v npm >/dev/null || { log "npm is required (Node 20+)"; exit 1; }
  log "installing solc-js and OpenZeppelin from contracts/package-lock.json"
  rm -rf "$DIR"; mkdir -p "$DIR"
  cp "$root/contracts/package.json" "$lock" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$DIR/.done"
}
with_lock npm-contracts install
echo "$DIR/node_modules"
