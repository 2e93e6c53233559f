#!/usr/bin/env bash
# Regenerates everything derived from contracts/src into a root folder (default: the
# contracts folder itself): artifacts/<Name>.abi.json + .bin from solc-js, and the Go
# bindings from abigen v2. contracts/check.sh runs it into a temp folder to catch drift.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
ABIGEN=${ABIGEN:-github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10}
modules=$(bash "$here/../scripts/install-deps.d/20-solc.sh")
node "$here/compile.js" "$modules" "$out/artifacts"
# name of contract, Go package folder, generated file
bind() {
  mkdir -p "$out/$2"
  # go run pkg@version builds abigen outside this module, so go.mod and vendor/ stay clean.
  (cd "$here" && GOFLAGS= go run "$ABIGEN" --v2 \
    --abi "$out/artifacts/$1.abi.json" --bin "$out/artifacts/$1.bin" \
    --pkg "$(basename "$2")" --type "$1" --out "$out/$2/$3")
}
bind EIP3009Token token eip3009token.gen.go
bind IdentityRegistry identity identityregistry.gen.go
bind ERC1271Wallet testwallet erc1271wallet.gen.go
