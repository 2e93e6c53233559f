# Turnpike — one Makefile, areas add their own targets in mk/*.mk.
# `make test` installs what the tests need (scripts/) and runs them; `make e2e` adds the
# real-Traefik suite; `make demo` runs the whole x402 flow on the embedded default.
SHELL := /bin/bash
export TURNPIKE_CACHE ?= $(HOME)/.cache/turnpike
export TURNPIKE_BIN ?= $(TURNPIKE_CACHE)/bin
GO ?= go

# Each mk/*.mk appends to these.
TEST_TARGETS :=
E2E_TARGETS :=
BENCH_TARGETS :=
GENERATE_TARGETS :=
CHECK_TARGETS :=

.PHONY: all test e2e bench generate check demo build
all: build

build:
	$(GO) build -o bin/turnpike ./cmd/turnpike

include $(sort $(wildcard mk/*.mk))

test: $(TEST_TARGETS)
e2e: $(E2E_TARGETS)
bench: $(BENCH_TARGETS)
generate: $(GENERATE_TARGETS)
check: $(CHECK_TARGETS)
