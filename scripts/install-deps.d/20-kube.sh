#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy into $TURNPIKE_BIN, so the
# controller's envtest integration tests run against a real control plane
# (KUBEBUILDER_ASSETS=$TURNPIKE_BIN). Neither can be `go install`ed (their go.mod files
# carry replace directives), so each gets a small wrapper module that pins what its
# replaces would have. envtest also looks for kubectl in the same folder.
. "$(dirname "$0")/../lib.sh"
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
# Staging modules are versioned v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>.
STAGING_VERSION=v0.${KUBE_VERSION#v1.}
export GOFLAGS=-mod=mod

# Without these the binaries report v0.0.0-master.
version_ldflags() {
  local v=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  echo "-X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $c.gitVersion=$KUBE_VERSION -X $c.gitMajor=1 -X $c.gitMinor=$minor"
}

stamp_ok() { [ -x "$1" ] && [ -f "$1.version" ] && [ "$(cat "$1.version")" = "$2" ]; }

build_etcd() {
  local out=$TURNPIKE_BIN/etcd
  if stamp_ok "$out" "$ETCD_VERSION"; then return 0; fi
  log "building etcd $ETCD_VERSION (first time: 1-2 minutes)"
  local work=$TURNPIKE_CACHE/etcd-wrapper
  rm -rf "$work"; mkdir -p "$work"
  cat >"$work/main.go" <<'GO'
// Command etcd is etcd's own entry point, wrapped so it builds from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$work" && go mod init turnpike.local/etcd >/dev/null 2>&1 &&
    go get go.etcd.io/etcd/server/v3@"$ETCD_VERSION" go.etcd.io/etcd/api/v3@"$ETCD_VERSION" \
      go.etcd.io/etcd/client/pkg/v3@"$ETCD_VERSION" go.etcd.io/etcd/client/v3@"$ETCD_VERSION" \
      go.etcd.io/etcd/pkg/v3@"$ETCD_VERSION" >/dev/null 2>&1 &&
    go mod tidy >/dev/null 2>&1 &&
    go build -trimpath -ldflags "-s -w" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
  echo "$ETCD_VERSION" >"$out.version"
  rm -rf "$work"
  log "built $out"
}

build_apiserver() {
  local out=$TURNPIKE_BIN/kube-apiserver
  if stamp_ok "$out" "$KUBE_VERSION"; then return 0; fi
  log "building kube-apiserver $KUBE_VERSION (first time: ~5 minutes on 2 cores, 3 GB RAM)"
  local work=$TURNPIKE_CACHE/kube-apiserver-wrapper
  rm -rf "$work"; mkdir -p "$work"
  go mod download k8s.io/kubernetes@"$KUBE_VERSION"
  local src
  src=$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION
  (
    cd "$work"
    go mod init turnpike.local/kube-apiserver >/dev/null 2>&1
    # kubernetes' go.mod points its staging modules at ./staging; point them at the
    # published staging versions instead. The sample-* modules are not needed (and
    # not all are mirrored).
    local mods
    mods=$(grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$src/go.mod" | awk '{print $1}' | grep -v '^k8s.io/sample-')
    local m
    for m in $mods; do
      go mod edit -replace "$m=$m@$STAGING_VERSION"
    done
    go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
    cp "$src/cmd/kube-apiserver/apiserver.go" main.go
    chmod u+w main.go
    go mod tidy >/dev/null
    go build -trimpath -ldflags "-s -w $(version_ldflags)" -o "$out.tmp" .
  )
  mv "$out.tmp" "$out"
  echo "$KUBE_VERSION" >"$out.version"
  rm -rf "$work"
  log "built $out"
}

# envtest's ControlPlane finds kubectl next to the other binaries. Any recent client
# works against the server (skew only warns); build one only when the machine has none.
link_kubectl() {
  local out=$TURNPIKE_BIN/kubectl
  if [ -x "$out" ]; then return 0; fi
  local sys
  if sys=$(command -v kubectl 2>/dev/null) && [ -n "$sys" ]; then
    ln -sf "$sys" "$out"
    return 0
  fi
  log "building kubectl $KUBE_VERSION (no kubectl on PATH)"
  local work=$TURNPIKE_CACHE/kubectl-wrapper
  rm -rf "$work"; mkdir -p "$work"
  cat >"$work/main.go" <<'GO'
// Command kubectl is kubectl's own entry point, wrapped so it builds from the module proxy.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() { cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()) }
GO
  (cd "$work" && go mod init turnpike.local/kubectl >/dev/null 2>&1 &&
    go get k8s.io/kubectl@"$STAGING_VERSION" k8s.io/component-base@"$STAGING_VERSION" >/dev/null 2>&1 &&
    go mod tidy >/dev/null 2>&1 &&
    go build -trimpath -ldflags "-s -w $(version_ldflags)" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

with_lock etcd build_etcd
with_lock kube-apiserver build_apiserver
with_lock kubectl link_kubectl
echo "$TURNPIKE_BIN"
