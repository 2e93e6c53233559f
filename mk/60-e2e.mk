# Real Traefik end to end: the gate loaded through Yaegi exactly as production loads it,
# next to the dev chain, the facilitator and the official x402 npm clients (make e2e),
# and measured against Traefik's own floor and the ForwardAuth architecture (make bench).
# Traefik v3.6.12 is built from the Go module proxy once per machine (cached).
.PHONY: traefik e2e-traefik bench-traefik
traefik: ## build Traefik v3.6.12 from the Go module proxy once per machine (cached)
	@t0=$$SECONDS; bash scripts/install-traefik.sh >/dev/null; echo "[traefik] ready after $$((SECONDS - t0)) s" >&2

e2e-traefik: test-deps traefik ## the e2e/ suite: gate in real Traefik next to dev chain, facilitator, official clients
	$(GO) test -tags e2e -count=1 -timeout 30m -v ./e2e/

# -run picks the one driver; it prints the table and rewrites docs/benchmarks.md.
bench-traefik: traefik ## the gate in Traefik against Traefik's floor and ForwardAuth; rewrites docs/benchmarks.md
	$(GO) test -tags bench -count=1 -timeout 15m -run '^TestBench$$' -v ./e2e/

E2E_TARGETS += e2e-traefik
BENCH_TARGETS += bench-traefik
