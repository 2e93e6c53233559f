#!/usr/bin/env bash
# Installs the official OpenAI npm SDK (exactly as buyer/testdata/llmclient/package-lock.json
# pins it) into the cache, for the buyer test that uses it as an LLM client with the
# buyer as its API base. Reinstalls only when the lock file changes; prints the
# node_modules folder.
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/buyer/testdata/llmclient
sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
DIR=$TURNPIKE_CACHE/buyer-llm-client
install() {
  if [ -f "$DIR/.done" ] && [ "$(cat "$DIR/.done")" = "$sum" ]; then return 0; fi
  command -v npm >/dev/null || { log "npm is required (Node 20+)"; exit 1; }
  log "installing the OpenAI npm SDK from buyer/testdata/llmclient/package-lock.json"
  rm -rf "$DIR"; mkdir -p "$DIR"
  cp "$src/package.json" "$src/package-lock.json" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  echo "$sum" >"$DIR/.done"
}
with_lock buyer-llm-client install
echo "$DIR/node_modules"
