# Controller: CRD YAML and deepcopy are generated from controller/api (the Go types are
# the single source of truth), the controller's ClusterRole and Role from the
# +kubebuilder:rbac markers next to the code that needs them; `make test` fails when
# the committed files drift.
.PHONY: generate-controller check-controller-generated
generate-controller:
	bash scripts/controller-gen.sh

check-controller-generated:
	bash scripts/controller-gen.sh --check

GENERATE_TARGETS += generate-controller
TEST_TARGETS += check-controller-generated

# Full stack: the controller, a real API server and a real Traefik loading the gate
# through Yaegi; a ServiceOffer becomes a 402 on Traefik's entry point.
.PHONY: e2e-controller
e2e-controller: test-deps traefik
	$(GO) test -tags e2e -count=1 -timeout 15m -run '^TestFullStack$$' -v ./controller/fullstack/

E2E_TARGETS += e2e-controller
