#!/usr/bin/env bash
# Installs everything `make test` needs that is not Go source in this module.
# Each installer is idempotent and caches in $TURNPIKE_BIN, so a second run is fast;
# each prints its wall time, so a first run on a new machine says where it went.
set -euo pipefail
here=$(dirname "$0")
for s in "$here"/install-deps.d/*.sh; do
  [ -e "$s" ] || continue
  t0=$SECONDS
  bash "$s"
  echo "[install-test-deps] $(basename "$s"): $((SECONDS - t0)) s" >&2
done
