#!/usr/bin/env bash
# The contracts drift check (make test) recompiles the Solidity sources.
exec bash "$(dirname "$0")/../install-solc.sh" >/dev/null
