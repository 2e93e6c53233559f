#!/usr/bin/env bash
# The official x402 buyer clients the e2e and interop suites pay with (@x402/fetch 2.x
# and x402-fetch 1.x, as e2e/clients/package-lock.json pins them). Prints the
# node_modules folder.
. "$(dirname "$0")/../lib.sh"
npm_install_pinned e2e-clients e2e/clients
