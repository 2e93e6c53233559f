# Platform: manifests (kustomize), Prometheus rules, Traefik wiring.
# Go tests in monitoring/ and manifests/ run under test-go (mk/10-go.mk); they need
# promtool/prometheus (scripts/install-deps.d/40-prometheus.sh) and the test control
# plane (scripts/install-deps.d/20-kube.sh), both installed by test-deps.
.PHONY: generate-monitoring check-manifests e2e-platform

# The PrometheusRule in manifests/monitoring/ is rendered from monitoring/rules.yaml.
generate-monitoring: ## render the PrometheusRule in manifests/monitoring from monitoring/rules.yaml
	$(GO) test ./monitoring -run '^TestPrometheusRuleInSync$$' -count=1 -update

# Quick local check without the apiserver: every kustomization renders.
check-manifests: ## every kustomization renders (kubectl kustomize, no API server)
	@for k in $$(find manifests -name kustomization.yaml -not -path '*/testdata/*' | sort); do \
	  d=$$(dirname $$k); echo "kubectl kustomize $$d"; \
	  kubectl kustomize $$d >/dev/null || exit 1; \
	done

GENERATE_TARGETS += generate-monitoring
CHECK_TARGETS += check-manifests

# Real Traefik with the static/dynamic files shipped in manifests/traefik and the plugin
# tree the image carries: the gate loads, charges, serves metrics; a broken plugin stops
# Traefik (abortOnPluginFailure).
e2e-platform: test-deps traefik ## real Traefik with the shipped static/dynamic files: the gate loads, charges; a broken plugin stops Traefik
	$(GO) test -tags e2e -count=1 -timeout 10m -run '^TestTraefikWiring$$' -v ./manifests/

E2E_TARGETS += e2e-platform
