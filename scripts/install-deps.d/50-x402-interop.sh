#!/usr/bin/env bash
# The official x402 TypeScript packages (@x402/core, @x402/evm, viem, as
# interop/package-lock.json pins them), for the facilitator interop tests and the
# /verify benchmark baseline. Prints the node_modules folder.
. "$(dirname "$0")/../lib.sh"
npm_install_pinned x402-interop interop --ignore-scripts
