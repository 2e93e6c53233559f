#!/usr/bin/env bash
# Copies the third-party CRD bundles the full-stack tests install into kube-apiserver
# (Traefik's whole CRD bundle and its documented RBAC, Gateway API's standard channel)
# out of their modules into
# $TURNPIKE_CACHE/crds, so tests read files this script put there, not whatever an
# earlier build happened to leave in the Go module cache.
. "$(dirname "$0")/../lib.sh"
TRAEFIK_VERSION=${TRAEFIK_VERSION:-v3.6.12}
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.4.0}
DEST=$TURNPIKE_CACHE/crds

# module_dir MODULE@VERSION: download it (outside this repo's module) and print its folder.
module_dir() {
  local tmp dir
  tmp=$(mktemp -d)
  dir=$(cd "$tmp" && GOFLAGS=-mod=mod GO111MODULE=on go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$tmp"
  [ -n "$dir" ] && [ -d "$dir" ] || { log "go mod download $1 gave no folder"; return 1; }
  echo "$dir"
}

install() {
  local traefik_out=$DEST/traefik-$TRAEFIK_VERSION
  local gateway_out=$DEST/gateway-api-$GATEWAY_API_VERSION
  mkdir -p "$DEST"
  if [ ! -d "$traefik_out" ]; then
    local src f
    src=$(module_dir "github.com/traefik/traefik/v3@$TRAEFIK_VERSION")/docs/content/reference/dynamic-configuration
    rm -rf "$traefik_out.tmp"; mkdir -p "$traefik_out.tmp"
    for f in kubernetes-crd-definition-v1.yml kubernetes-crd-rbac.yml kubernetes-gateway-rbac.yml; do
      cp "$src/$f" "$traefik_out.tmp/$f"
    done
    chmod -R u+w "$traefik_out.tmp"
    mv "$traefik_out.tmp" "$traefik_out"
    log "Traefik $TRAEFIK_VERSION CRD bundle -> $traefik_out"
  fi
  if [ ! -d "$gateway_out" ]; then
    local src
    src=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
    rm -rf "$gateway_out.tmp"; mkdir -p "$gateway_out.tmp"
    cp "$src"/config/crd/standard/*.yaml "$gateway_out.tmp/"
    chmod -R u+w "$gateway_out.tmp"
    mv "$gateway_out.tmp" "$gateway_out"
    log "Gateway API $GATEWAY_API_VERSION standard CRDs -> $gateway_out"
  fi
}
with_lock crds install
