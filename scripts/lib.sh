# Shared helpers for the install scripts. Sourced, not run.
# Everything built here lands in one cache folder so a machine builds each tool once.
set -euo pipefail
TURNPIKE_CACHE=${TURNPIKE_CACHE:-$HOME/.cache/turnpike}
TURNPIKE_BIN=${TURNPIKE_BIN:-$TURNPIKE_CACHE/bin}
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
