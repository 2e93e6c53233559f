# `make demo`: the whole x402 flow on one machine, in one process (dev chain,
# facilitator, demo upstream, payment gate, scripted buyer). It exits non-zero when
# any step fails, so it is a smoke test too. DEMO_FLAGS passes flags, e.g.
# `make demo DEMO_FLAGS="-requests 10 -serve"`. The Go test of the same flow
# (demo/demo_test.go) runs in `make test` through test-go.
DEMO_FLAGS ?=

demo: build ## the whole x402 flow in one process (DEMO_FLAGS="-requests 10 -serve")
	./bin/turnpike demo $(DEMO_FLAGS)
