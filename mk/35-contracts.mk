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
.PHONY: bench-devchain bench-devchain-load
bench-devchain: ## dev chain start-up cost and settlement latency
	$(GO) test -run '^$$' -bench . -benchtime 2s ./devchain/

# Sustained paid load at the default MaxDrift (20 s) through the facilitator's /settle:
# 512 callers, measured for 6 s once chain time reached the drift limit; group commit
# and, as the same run's baseline, the previous miner (Options.SenderMines). Target:
# >= 200 settlements/s over every round. About 1.5 min; not part of `make bench`'s
# default rows because it saturates 2 cores for that long.
bench-devchain-load: ## dev chain settlements/s through /settle at the drift limit (group commit; gas estimated per settle; previous miner)
	$(GO) test -run '^$$' -bench '^BenchmarkSettleLoad$$' -benchtime 1x -count 3 ./facilitator/

BENCH_TARGETS += bench-devchain
