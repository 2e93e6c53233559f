# Solidity dev contracts (contracts/src) -> ABI/bytecode artifacts -> abigen v2 Go bindings.
# All outputs are committed; contracts-check recompiles into a temp folder and fails on drift.
.PHONY: generate-contracts contracts-check
generate-contracts: ## recompile contracts/src and regenerate the Go bindings
	bash contracts/generate.sh

contracts-check: test-deps ## fail when contract artifacts or bindings drift from contracts/src
	bash contracts/check.sh

GENERATE_TARGETS += generate-contracts
VERIFY_TARGETS += contracts-check
CHECK_TARGETS += contracts-check

# Dev chain: start-up cost and settlement latency over JSON-RPC (serial and parallel).
.PHONY: bench-devchain
bench-devchain: ## dev chain start-up cost and settlement latency
	$(GO) test -run '^$$' -bench . -benchtime 2s ./devchain/

BENCH_TARGETS += bench-devchain
