# Buyer sidecar: its unit, integration (real gate + facilitator + dev chain) and crash
# tests run with the ordinary `go test ./...` of mk/10-go.mk. The benchmark compares a
# paid call through the buyer with the same call made directly, in one run.
.PHONY: bench-buyer
bench-buyer: ## a paid call through the buyer against the same call made directly
	$(GO) test -run '^$$' -bench BenchmarkPaidCall -benchtime 2000x -count 3 ./buyer/

BENCH_TARGETS += bench-buyer
