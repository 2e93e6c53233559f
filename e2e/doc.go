// Package e2e runs the gate inside a real Traefik (v3.6.12, built from the Go module
// proxy by scripts/install-traefik.sh) exactly as production loads it: as a local Yaegi
// plugin, with abortOnPluginFailure, next to the dev chain, the facilitator and real
// upstreams. Compiling the plugin with Go proves nothing about Yaegi, so every claim
// about the gate is checked here through Traefik on loopback.
//
// The tests carry the build tag `e2e` (run by `make e2e`) and the benchmark the tag
// `bench` (run by `make bench`), so `go test ./...` in `make test` does not build them.
package e2e
