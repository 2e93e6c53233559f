# Go unit and integration tests. Tests that need real binaries (kube-apiserver, etcd,
# Traefik, node packages) find them through internal/testenv; test-deps installs them.
.PHONY: test-deps test-go vet
test-deps:
	bash scripts/install-test-deps.sh

test-go: test-deps
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

TEST_TARGETS += test-go
