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

# Dev chain: start-up cost and settlement latency over JSON-RPC (serial and parallel),
# then sustained paid load at the default MaxDrift (3 rounds each, >= 10 s of load per
# round; target >= 200 settlements/s with chain time at most MaxDrift ahead): raw
# settlements from 384 relayers, and the same through our facilitator's /settle.
.PHONY: bench-devchain
bench-devchain: ## dev chain start-up cost, settlement latency, settlements/s under load
	$(GO) test -run '^$$' -bench '^Benchmark(Start|Settle)$$' -benchtime 2s ./devchain/
	$(GO) test -run '^$$' -bench '^BenchmarkSettleLoad$$' -benchtime 6000x -count 3 ./devchain/
	$(GO) test -run '^$$' -bench '^BenchmarkSettleThroughput$$' -benchtime 4000x -count 3 ./facilitator/

BENCH_TARGETS += bench-devchain
