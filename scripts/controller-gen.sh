#!/usr/bin/env bash
# Renders the controller's generated files: from the Go types in controller/api, CRD
# YAML into manifests/crds/ and zz_generated.deepcopy.go; from the +kubebuilder:rbac
# markers on the reconcilers (and the manager's leader election), the controller's
# ClusterRole and its Role in turnpike-system into manifests/base/rbac/role.yaml. With
# --check it renders into a scratch copy and fails when the committed files differ
# (CI drift check). CRD descriptions are unwrapped by tools/crddesc.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTROLLER_TOOLS_VERSION=${CONTROLLER_TOOLS_VERSION:-v0.23.0}
gen() { GOFLAGS=-mod=mod go run "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION" "$@"; }
render() {
  gen object paths=./controller/api/...
  gen crd:allowDangerousTypes=false paths=./controller/api/... output:crd:artifacts:config=manifests/crds
  # controller-gen keeps the Go comments' line breaks; one line per paragraph lets
  # `kubectl explain` wrap descriptions to the terminal.
  GOFLAGS=-mod=mod go run ./tools/crddesc manifests/crds/*.yaml
  gen rbac:roleName=turnpike-controller paths=./controller/... output:rbac:artifacts:config=manifests/base/rbac
}
if [ "${1:-}" != "--check" ]; then
  render
  exit 0
fi
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
mkdir -p "$snap/crds" "$snap/api" "$snap/rbac"
cp manifests/crds/*.yaml "$snap/crds/" 2>/dev/null || true
cp controller/api/v1alpha1/zz_generated.deepcopy.go "$snap/api/" 2>/dev/null || true
cp manifests/base/rbac/role.yaml "$snap/rbac/" 2>/dev/null || true
render
if ! diff -ru "$snap/crds" manifests/crds || ! diff -u "$snap/api/zz_generated.deepcopy.go" controller/api/v1alpha1/zz_generated.deepcopy.go ||
  ! diff -u "$snap/rbac/role.yaml" manifests/base/rbac/role.yaml; then
  echo "generated files were out of date with controller/api or the reconcilers' RBAC markers: run 'make generate' and commit the result" >&2
  exit 1
fi
