# The facilitator's /verify throughput against the official x402 TypeScript facilitator,
# same devchain, same payloads, same run (the ratio is printed last). Ordinary
# facilitator tests, interop included, run in test-go.
.PHONY: bench-facilitator
bench-facilitator: ## our /verify throughput against the official x402 facilitator
	bash scripts/install-deps.d/50-x402-interop.sh >/dev/null
	$(GO) test -run '^$$' -bench BenchmarkVerify -benchtime 2s ./facilitator/

BENCH_TARGETS += bench-facilitator
