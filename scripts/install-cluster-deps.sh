#!/usr/bin/env bash
# Installs what a real one-node cluster needs beyond the control plane that
# install-deps.d/20-kube.sh builds (etcd, kube-apiserver): the node's Kubernetes
# binaries, containerd and its runc shim, runc, CNI plugins, iptables and conntrack.
# Kept out of install-deps.d: only the cluster suite needs it (root), so `make e2e`
# installs it through `make cluster-deps`, not `make test`. Idempotent: each build is
# stamped with its version.
#
# Kubernetes node binaries: kubelet, kube-proxy, kube-scheduler and
# kube-controller-manager share most of their packages, so ONE multicall binary
# (kube-node, dispatching on argv[0]) links them all: one link instead of four, and
# the compile cache is shared with kube-apiserver because the flags are the same.
# They cannot be `go install`ed (replace directives), so the wrapper module pins the
# published staging modules like 20-kube.sh does.
#
# containerd: Debian bookworm has 1.6.20 (end of life; kubelet 1.37 only falls back to
# its own cgroupDriver when the runtime lacks the RuntimeConfig call, and 1.38 drops
# that fallback), so containerd 2.x is built from the module proxy, without cgo
# (the btrfs/devmapper/zfs snapshotters are left out: overlayfs is what we use).
. "$(dirname "$0")/lib.sh"
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.4.2}
STAGING_VERSION=v0.${KUBE_VERSION#v1.}
export GOFLAGS=-mod=mod

stamp_ok() { [ -x "$1" ] && [ -f "$1.version" ] && [ "$(cat "$1.version")" = "$2" ]; }

version_ldflags() {
  local v=k8s.io/component-base/version c=k8s.io/client-go/pkg/version
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  echo "-X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $c.gitVersion=$KUBE_VERSION -X $c.gitMajor=1 -X $c.gitMinor=$minor"
}

apt_packages() {
  # runc 1.1.5 runs containers here (all namespaces, cgroup v1, overlayfs); the CNI
  # plugins give the pod network (bridge, host-local, loopback, portmap); kube-proxy
  # needs iptables and conntrack.
  local missing=()
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v ip >/dev/null || missing+=(iproute2)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

build_kube_node() {
  local out=$TURNPIKE_BIN/kube-node
  if ! stamp_ok "$out" "$KUBE_VERSION"; then
    log "building kube-node $KUBE_VERSION (kubelet, kube-proxy, kube-scheduler, kube-controller-manager)"
    local work=$TURNPIKE_CACHE/kube-node-wrapper
    rm -rf "$work"; mkdir -p "$work"
    go mod download k8s.io/kubernetes@"$KUBE_VERSION"
    local src
    src=$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBE_VERSION
    # The build tag keeps the file out of this module; the wrapper builds it.
    sed "/^\/\/go:build ignore/d" "$TURNPIKE_REPO/scripts/kube-node/main.go" >"$work/main.go"
    (
      cd "$work"
      go mod init turnpike.local/kube-node >/dev/null 2>&1
      local m
      for m in $(grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$src/go.mod" | awk '{print $1}' | grep -v '^k8s.io/sample-'); do
        go mod edit -replace "$m=$m@$STAGING_VERSION"
      done
      go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
      go mod tidy >/dev/null
      go build -trimpath -ldflags "-s -w $(version_ldflags)" -o "$out.tmp" .
    )
    mv "$out.tmp" "$out"
    echo "$KUBE_VERSION" >"$out.version"
    rm -rf "$work"
    log "built $out"
  fi
  local n
  for n in kubelet kube-proxy kube-scheduler kube-controller-manager; do
    ln -sfn kube-node "$TURNPIKE_BIN/$n"
  done
}

build_containerd() {
  local out=$TURNPIKE_BIN/containerd
  if stamp_ok "$out" "$CONTAINERD_VERSION" && [ -x "$TURNPIKE_BIN/containerd-shim-runc-v2" ] && [ -x "$TURNPIKE_BIN/ctr" ]; then
    return 0
  fi
  log "building containerd $CONTAINERD_VERSION (containerd, containerd-shim-runc-v2, ctr)"
  local tmp=$TURNPIKE_CACHE/containerd-build
  rm -rf "$tmp"; mkdir -p "$tmp"
  local p=github.com/containerd/containerd/v2
  GOBIN=$tmp CGO_ENABLED=0 go install -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X $p/version.Version=$CONTAINERD_VERSION" \
    "$p/cmd/containerd@$CONTAINERD_VERSION" "$p/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "$p/cmd/ctr@$CONTAINERD_VERSION"
  mv "$tmp/containerd-shim-runc-v2" "$tmp/ctr" "$TURNPIKE_BIN/"
  mv "$tmp/containerd" "$out"
  echo "$CONTAINERD_VERSION" >"$out.version"
  rm -rf "$tmp"
  log "built $out"
}

with_lock cluster-apt apt_packages
with_lock containerd build_containerd
with_lock kube-node build_kube_node
echo "$TURNPIKE_BIN"
