#!/usr/bin/env bash
# Fails when a Go file's name does not say which build it belongs to, so `go test ./...`
# never silently skips (or runs) a suite because of a mistyped name or tag:
#   - a file built only with the tag e2e is named *_e2e_test.go;
#   - a helper shared by the e2e suite and the benchmark carries exactly
#     `//go:build e2e || bench` and a plain *_test.go name;
#   - a file named *_e2e_test.go carries the tag e2e (else `make test` would run it).
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  tag=$(grep -m1 '^//go:build ' "$f" | sed 's|^//go:build ||' || true)
  name=$(basename "$f")
  mentions_e2e=false
  [[ " $tag " =~ [^a-z_]e2e[^a-z_] ]] && mentions_e2e=true
  if [[ $name == *_e2e_test.go ]]; then
    if [[ $tag != e2e ]]; then
      echo "$f: named *_e2e_test.go but built with '${tag:-no tag}', want //go:build e2e" >&2; bad=1
    fi
  elif $mentions_e2e; then
    if [[ $tag != "e2e || bench" || $name != *_test.go ]]; then
      echo "$f: built with '$tag': rename it *_e2e_test.go, or make it a shared helper (//go:build e2e || bench, *_test.go)" >&2; bad=1
    fi
  fi
done < <(git ls-files -co --exclude-standard -- '*.go' ':!:vendor/*' ':!:tools/*/vendor/*')
if [ "$bad" -ne 0 ]; then
  echo "e2e file names: see the rule in e2e/doc.go" >&2
  exit 1
fi
echo "e2e file names: ok" >&2
