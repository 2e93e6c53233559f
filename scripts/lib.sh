# Shared helpers for the install scripts. Sourced, not run.
# Everything built here lands in one cache folder so a machine builds each tool once.
set -euo pipefail
TURNPIKE_CACHE=${TURNPIKE_CACHE:-$HOME/.cache/turnpike}
TURNPIKE_BIN=${TURNPIKE_BIN:-$TURNPIKE_CACHE/bin}
TURNPIKE_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$TURNPIKE_BIN"
log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
# A lock per tool keeps two test processes from building the same binary at once.
with_lock() {
  local name=$1; shift
  exec {lockfd}>"$TURNPIKE_CACHE/.$name.lock"
  flock "$lockfd"
  "$@"
  flock -u "$lockfd"
}

# npm_install_pinned NAME SRCDIR [npm ci flags...] installs exactly what the
# package.json and package-lock.json in SRCDIR (relative to the repository root) pin,
# with npm ci, into $TURNPIKE_CACHE/NAME and prints its node_modules folder. The stamp file NAME/.done holds the first 12 hex digits of
# sha256(package.json + package-lock.json), written only after a complete install, so
# a changed lock file or an interrupted install means a fresh install and nothing else
# does. Go tests that only read an installed tree check the same stamp.
npm_install_pinned() {
  local name=$1 src=$2; shift 2
  local dir=$TURNPIKE_CACHE/$name rel=$src sum
  src=$TURNPIKE_REPO/$rel
  sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
  _npm_install() {
    if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$sum" ]; then return 0; fi
    command -v npm >/dev/null || { log "npm is required (Node 20+)"; exit 1; }
    log "installing $name from $rel/package-lock.json"
    rm -rf "$dir"; mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@" >&2)
    echo "$sum" >"$dir/.done"
  }
  with_lock "$name" _npm_install "$@"
  echo "$dir/node_modules"
}
