# Solidity dev contracts (contracts/src) -> ABI/bytecode artifacts -> abigen v2 Go bindings.
# All outputs are committed; contracts-check recompiles into a temp folder and fails on drift.
.PHONY: generate-contracts contracts-check
generate-contracts:
	bash contracts/generate.sh

contracts-check: test-deps
	bash contracts/check.sh

GENERATE_TARGETS += generate-contracts
TEST_TARGETS += contracts-check
CHECK_TARGETS += contracts-check

# Dev chain: start-up cost and settlement latency over JSON-RPC (serial and parallel).
.PHONY: bench-devchain
bench-devchain:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./devchain/

BENCH_TARGETS += bench-devchain
