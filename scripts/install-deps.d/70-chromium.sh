#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (internal/browsertest drives it
# headless to pay through the paywall). Debian's package because a browser build
# downloaded by a test tool is not reachable from CI; fonts so screenshots of the
# paywall render text instead of boxes. Idempotent: nothing happens when it is there.
. "$(dirname "$0")/../lib.sh"
install() {
  if command -v chromium >/dev/null 2>&1; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get: install Chromium yourself and put it on PATH (or set TURNPIKE_CHROMIUM)"
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  log "installing Debian's chromium (first time: a minute or two)"
  # The lock timeout waits for another apt run (a second installer) instead of failing.
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    chromium fonts-liberation fonts-dejavu-core >/dev/null
}
with_lock chromium install
command -v chromium
