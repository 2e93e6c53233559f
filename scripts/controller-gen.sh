#!/usr/bin/env bash
# Renders the controller's generated files from the Go types in controller/api:
# CRD YAML into manifests/crds/ and zz_generated.deepcopy.go. With --check it renders
# into a scratch copy and fails when the committed files differ (CI drift check).
set -euo pipefail
cd "$(dirname "$0")/.."
CONTROLLER_TOOLS_VERSION=${CONTROLLER_TOOLS_VERSION:-v0.23.0}
gen() { GOFLAGS=-mod=mod go run "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION" "$@"; }
render() {
  gen object paths=./controller/api/...
  gen crd:allowDangerousTypes=false paths=./controller/api/... output:crd:artifacts:config=manifests/crds
}
if [ "${1:-}" != "--check" ]; then
  render
  exit 0
fi
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
mkdir -p "$snap/crds" "$snap/api"
cp manifests/crds/*.yaml "$snap/crds/" 2>/dev/null || true
cp controller/api/v1alpha1/zz_generated.deepcopy.go "$snap/api/" 2>/dev/null || true
render
if ! diff -ru "$snap/crds" manifests/crds || ! diff -u "$snap/api/zz_generated.deepcopy.go" controller/api/v1alpha1/zz_generated.deepcopy.go; then
  echo "generated files were out of date with controller/api: run 'make generate' and commit the result" >&2
  exit 1
fi
