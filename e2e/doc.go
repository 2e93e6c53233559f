// Package e2e runs the gate inside a real Traefik (v3.6.12, built from the Go module
// proxy by scripts/install-traefik.sh) exactly as production loads it: as a local Yaegi
// plugin, with abortOnPluginFailure, next to the dev chain, the facilitator and real
// upstreams. Compiling the plugin with Go proves nothing about Yaegi, so every claim
// about the gate is checked here through Traefik on loopback.
//
// The tests carry the build tag `e2e` (run by `make e2e`) and the benchmark the tag
// `bench` (run by `make bench`), so `go test ./...` in `make test` does not build them.
//
// File names say which build a file belongs to (`make check-e2e-names` enforces it):
// a file built only with the tag e2e is named *_e2e_test.go; a helper shared by the
// e2e suite and the benchmark carries `//go:build e2e || bench` and a plain _test.go
// name. The same rule holds in every package with e2e tests.
package e2e
