# The x402 gate (plugin/, x402/, gateway/): the ordinary Go tests run in test-go; this
# adds what Go alone cannot prove: the same tests under Yaegi v0.16.1 (the interpreter
# Traefik embeds) and short fuzzing of the wire decoders. `make bench-gate` measures
# the 402 and paid paths compiled, and the 402 path interpreted by Yaegi exactly as
# Traefik runs it (tools/yaegibench, a nested module so yaegi stays out of go.mod).
.PHONY: test-gate-yaegi test-gate-fuzz bench-gate bench-gate-newurl
GATE_FUZZTIME ?= 10s

test-gate-yaegi: test-deps ## the plugin's tests under Yaegi v0.16.1, the interpreter Traefik embeds
	bash scripts/yaegi-test.sh

test-gate-fuzz: ## short fuzz runs of the wire decoders (GATE_FUZZTIME, default 10s each)
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeHeader$$' -fuzztime $(GATE_FUZZTIME) ./x402/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(GATE_FUZZTIME) ./plugin/routes/
	$(GO) test -run '^$$' -fuzz '^FuzzCompileAndServe$$' -fuzztime $(GATE_FUZZTIME) ./plugin/
	$(GO) test -run '^$$' -fuzz '^FuzzPaymentHeader$$' -fuzztime $(GATE_FUZZTIME) ./plugin/
	$(GO) test -run '^$$' -fuzz '^FuzzPaidPathLocalChecks$$' -fuzztime $(GATE_FUZZTIME) ./plugin/

bench-gate: ## the 402 and paid paths compiled, and the 402 path under Yaegi
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./plugin/
	cd tools/yaegibench && GOFLAGS=-mod=mod $(GO) run . -repo ../..

# Only the new-URL and many-rules rows of `make bench` (issue #16) and the floor they are
# compared with, in real Traefik; prints them and leaves docs/benchmarks.md alone.
bench-gate-newurl: traefik ## make bench's new-URL rows only (a, a', b-new, b-new-2k, b-new-rules)
	BENCH_ROWS="a,a',b-new,b-new-2k,b-new-rules" $(GO) test -tags bench -count=1 -timeout 15m -run '^TestBench$$' -v ./e2e/

VERIFY_TARGETS += test-gate-yaegi test-gate-fuzz
BENCH_TARGETS += bench-gate
