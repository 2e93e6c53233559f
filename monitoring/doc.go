// Package monitoring holds Turnpike's Prometheus rules and their checks. The rule
// source is rules.yaml in this folder; the PrometheusRule object in
// manifests/monitoring/ is rendered from it by PrometheusRule, so the two cannot drift
// (a test compares them; `make generate` rewrites the manifest).
package monitoring
