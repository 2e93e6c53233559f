// Package compiledtests holds plugin tests that need third-party modules (the
// Prometheus text parser). They run with `go test` only: the plugin's own test files
// also run under Yaegi, which must not see these imports.
package compiledtests
