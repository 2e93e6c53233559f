# The x402 gate (plugin/, x402/, gateway/): the ordinary Go tests run in test-go; this
# adds what Go alone cannot prove: the same tests under Yaegi v0.16.1 (the interpreter
# Traefik embeds) and short fuzzing of the wire decoders. `make bench-gate` measures
# the 402 and paid paths compiled, and the 402 path interpreted by Yaegi exactly as
# Traefik runs it (tools/yaegibench, a nested module so yaegi stays out of go.mod).
.PHONY: test-gate-yaegi test-gate-fuzz bench-gate bench-gate-newurl
# A count, not a duration: with a duration, Go 1.26's fuzz coordinator can fail the run
# with a bare "context deadline exceeded" when the deadline falls while a worker is
# still minimizing a new input (golang/go#75804, fixed in 1.27). A cold CI run hit
# exactly that: both workers minimizing, 0 execs/s for 8 s, then the deadline. 50,000
# execs take 3-25 s per target here, cold or warm; minimizing is capped separately.
GATE_FUZZTIME ?= 50000x
GATE_FUZZMINIMIZE ?= 10s
GATE_FUZZ = $(GO) test -run '^$$' -fuzztime $(GATE_FUZZTIME) -fuzzminimizetime $(GATE_FUZZMINIMIZE)

test-gate-yaegi: test-deps ## the plugin's tests under Yaegi v0.16.1, the interpreter Traefik embeds
	bash scripts/yaegi-test.sh

test-gate-fuzz: ## short fuzz runs of the wire decoders (GATE_FUZZTIME execs each, default 50000x)
	$(GATE_FUZZ) -fuzz '^FuzzDecodeHeader$$' ./x402/
	$(GATE_FUZZ) -fuzz '^FuzzParse$$' ./plugin/routes/
	$(GATE_FUZZ) -fuzz '^FuzzCompileAndServe$$' ./plugin/
	$(GATE_FUZZ) -fuzz '^FuzzUnambiguousCanonical$$' ./plugin/
	$(GATE_FUZZ) -fuzz '^FuzzPaymentHeader$$' ./plugin/
	$(GATE_FUZZ) -fuzz '^FuzzPaidPathLocalChecks$$' ./plugin/
	$(GATE_FUZZ) -fuzz '^FuzzFastPathMatchesReference$$' ./plugin/
	$(GATE_FUZZ) -fuzz '^FuzzForwarded$$' ./plugin/reqpath/

bench-gate: ## the 402 and paid paths compiled, and the 402 path under Yaegi
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./plugin/
	cd tools/yaegibench && GOFLAGS=-mod=mod $(GO) run . -repo ../..

# Only the new-URL and many-rules rows of `make bench` (issue #16) and the floor they are
# compared with, in real Traefik; prints them and leaves docs/benchmarks.md alone.
bench-gate-newurl: traefik ## make bench's new-URL rows only, with their baselines and the 402 floor
	BENCH_ROWS="a,a',a-new,a-new-2k,a-402,a-402-2k,b-new,b-new-2k,b-new-rules,b-new-offers" $(GO) test -tags bench -count=1 -timeout 15m -run '^TestBench$$' -v ./e2e/

VERIFY_TARGETS += test-gate-yaegi test-gate-fuzz
BENCH_TARGETS += bench-gate
