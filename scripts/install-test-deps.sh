#!/usr/bin/env bash
# Installs everything `make test` needs that is not Go source in this module.
# Each installer is idempotent and caches in $TURNPIKE_BIN, so a second run is fast.
set -euo pipefail
here=$(dirname "$0")
for s in "$here"/install-deps.d/*.sh; do
  [ -e "$s" ] || continue
  bash "$s"
done
