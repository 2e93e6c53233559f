#!/usr/bin/env bash
# The pinned Solidity toolchain (solc-js + @openzeppelin/contracts, as
# contracts/package-lock.json pins them) that contracts/generate.sh and the drift check
# compile with. Prints the node_modules folder.
. "$(dirname "$0")/../lib.sh"
npm_install_pinned contracts-solc contracts
