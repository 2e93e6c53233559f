#!/usr/bin/env bash
# Fails when the committed artifacts or Go bindings differ from what contracts/src
# compiles to with the pinned toolchain (someone edited a .sol without `make generate`,
# or edited generated files by hand).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$here/generate.sh" "$tmp"
status=0
for p in artifacts token/eip3009token.gen.go identity/identityregistry.gen.go testwallet/erc1271wallet.gen.go; do
  if ! diff -r -u "$here/$p" "$tmp/$p" >"$tmp/diff" 2>&1; then
    echo "contracts: $p is out of date with contracts/src; run \`make generate\`" >&2
    head -c 3000 "$tmp/diff" >&2; echo >&2
    status=1
  fi
done
exit $status
