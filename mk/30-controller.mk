# Controller: CRD YAML and deepcopy are generated from controller/api (the Go types are
# the single source of truth); `make test` fails when the committed files drift.
.PHONY: generate-controller check-controller-generated
generate-controller:
	bash scripts/controller-gen.sh

check-controller-generated:
	bash scripts/controller-gen.sh --check

GENERATE_TARGETS += generate-controller
TEST_TARGETS += check-controller-generated
