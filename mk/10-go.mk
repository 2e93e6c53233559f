# Go unit and integration tests. Tests that need real binaries (kube-apiserver, etcd,
# Traefik, node packages) find them through internal/testenv; test-deps installs them.
.PHONY: test-deps test-go check-e2e-names
test-deps: ## install what the tests run (kube-apiserver, etcd, solc, Prometheus, Yaegi, npm clients) into ~/.cache/turnpike
	bash scripts/install-test-deps.sh

test-go: test-deps ## go vet and go test -race ./... (unit and integration tests)
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

TEST_TARGETS += test-go

# Build tags decide which suite a file is in; its name must say so (rule: e2e/doc.go).
check-e2e-names: ## fail when an e2e-tagged file is not named *_e2e_test.go (or a shared e2e||bench helper)
	bash scripts/check-e2e-names.sh

VERIFY_TARGETS += check-e2e-names
