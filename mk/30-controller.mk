# Controller: CRD YAML and deepcopy are generated from controller/api (the Go types are
# the single source of truth), the controller's ClusterRole and Role from the
# +kubebuilder:rbac markers next to the code that needs them; `make verify` fails when
# the committed files drift.
.PHONY: generate-controller check-controller-generated
generate-controller: ## regenerate CRD YAML, deepcopy and RBAC from controller/api and the rbac markers
	bash scripts/controller-gen.sh

check-controller-generated: ## fail when CRD YAML, deepcopy or RBAC drift from their sources
	bash scripts/controller-gen.sh --check

GENERATE_TARGETS += generate-controller
VERIFY_TARGETS += check-controller-generated

# Full stack: the controller, a real API server and a real Traefik loading the gate
# through Yaegi; a ServiceOffer becomes a 402 on Traefik's entry point.
.PHONY: e2e-controller
e2e-controller: test-deps traefik ## controller + real API server + real Traefik: an IngressRoute offer gates, reprices, drains; basePath and upstream credential
	$(GO) test -tags e2e -count=1 -timeout 15m -v ./controller/fullstack/

E2E_TARGETS += e2e-controller
