# Lint: golangci-lint, pinned and built from the module proxy by scripts/install-deps.d.
# The rules (.golangci.yml) keep plugin/ and x402/ standard-library only where the code
# lives, catch dead code and leftover loop-variable copies, and cap function length.
.PHONY: lint
lint: ## golangci-lint (.golangci.yml): unused, copyloopvar, depguard (plugin stdlib-only), funlen
	@bash scripts/install-deps.d/45-golangci-lint.sh >/dev/null
	$(TURNPIKE_BIN)/golangci-lint run ./...

VERIFY_TARGETS += lint
