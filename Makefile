# Turnpike — one Makefile, areas add their own targets in mk/*.mk.
# `make help` lists the public targets: each carries a `## what it does` comment on its
# rule line (a target without one is internal). `make test` installs what the tests need
# (scripts/), runs `make verify` (drift, Yaegi, fuzz) and the Go tests; `make e2e` adds
# the real-Traefik suites; `make demo` runs the whole x402 flow on the embedded default.
SHELL := /bin/bash
export TURNPIKE_CACHE ?= $(HOME)/.cache/turnpike
export TURNPIKE_BIN ?= $(TURNPIKE_CACHE)/bin
GO ?= go
# Stamped into `turnpike version`; outside a git checkout the binary says "dev".
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
BUILDINFO_LDFLAGS := -X github.com/turnpike-x402/turnpike/internal/buildinfo.Version=$(VERSION) -X github.com/turnpike-x402/turnpike/internal/buildinfo.Commit=$(COMMIT)

# Each mk/*.mk appends to these.
TEST_TARGETS :=
VERIFY_TARGETS :=
E2E_TARGETS :=
BENCH_TARGETS :=
GENERATE_TARGETS :=
CHECK_TARGETS :=

.PHONY: all help test verify e2e bench generate check demo build
all: build

##@ Start here
help: ## list the public targets (this text)
	@awk 'BEGIN { FS = ":[^#]*## " } \
	  /^##@ / { printf "\n%s\n", substr($$0, 5); next } \
	  /^[a-zA-Z0-9_.-]+:[^=]*## / { printf "  %-28s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## build bin/turnpike (every command in one binary)
	$(GO) build -ldflags "$(BUILDINFO_LDFLAGS)" -o bin/turnpike ./cmd/turnpike

include $(sort $(wildcard mk/*.mk))

##@ Umbrella targets
# test-deps comes first so a fresh machine installs the tools before anything needs them.
test: test-deps verify $(TEST_TARGETS) ## install the test tools, `make verify`, then go vet + go test -race ./...
verify: $(VERIFY_TARGETS) ## the checks `go test` cannot make: lint, generated-file drift, plugin under Yaegi, fuzzing, e2e file names
e2e: $(E2E_TARGETS) ## real Traefik loading the gate through Yaegi: paid flow, hostile, paths, replicas, Kubernetes stacks
bench: $(BENCH_TARGETS) ## benchmarks (Traefik, gate, buyer, facilitator, dev chain); rewrites docs/benchmarks.md
generate: $(GENERATE_TARGETS) ## regenerate the committed generated files (CRDs, deepcopy, contracts, PrometheusRule)
check: $(CHECK_TARGETS) ## quick local checks: contracts drift and every kustomization renders (kubectl on PATH)

##@ Per-area targets (mk/*.mk)
