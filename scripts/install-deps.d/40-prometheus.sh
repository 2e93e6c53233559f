#!/usr/bin/env bash
# Installs Prometheus and promtool from Debian apt (2.42 in Debian 12), for the rule
# unit tests (`promtool test rules`) and the live scrape test in monitoring/. Debian's
# package needs no build (about 12 s) where building Prometheus from source takes minutes.
# The packaged service is never started: tests run their own server on 127.0.0.1:0-style
# ports with a private data dir.
. "$(dirname "$0")/../lib.sh"

have() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

install_prometheus() {
  if have; then return 0; fi
  log "installing prometheus + promtool from Debian apt"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  # policy-rc.d keeps the package's postinst from starting a system Prometheus on :9090.
  local policy=/usr/sbin/policy-rc.d created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    created_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [ -n "$created_policy" ]; then $sudo rm -f "$policy"; fi
  have || { log "prometheus/promtool still missing after apt-get"; return 1; }
}

with_lock prometheus install_prometheus
# Link into the tool cache so internal/testenv.Bin finds them even with a reduced PATH.
ln -sf "$(command -v prometheus)" "$TURNPIKE_BIN/prometheus"
ln -sf "$(command -v promtool)" "$TURNPIKE_BIN/promtool"
promtool --version 2>&1 | head -1 >&2
