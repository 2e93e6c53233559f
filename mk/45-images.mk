# Container images without a container engine (no Docker, nothing pulled): tools/mkimage
# (internal/ociimage, go-containerregistry) writes docker-archive tarballs that
# `ctr -n k8s.io images import` loads. Same inputs, same digest: every timestamp is
# SOURCE_DATE_EPOCH (the commit time), entries sorted, owners and modes normalised.
# Not part of `make test`/`make e2e`: the static build of cmd/turnpike dominates
# (cold: a full build of every package; warm: seconds).
.PHONY: image images image-pause image-traefik image-testupstream e2e-image

# The manifests reference this tag (manifests/images_test.go keeps them on one tag).
IMAGE ?= ghcr.io/turnpike-x402/turnpike:v0.1.0
# Local-only images the test cluster runs; the turnpike.local registry does not exist,
# so nothing ever tries to pull them by accident. The pause name is the sandbox image
# internal/cluster configures in containerd.
PAUSE_IMAGE ?= turnpike.local/pause:v1
TRAEFIK_VERSION ?= v3.6.12
TRAEFIK_IMAGE ?= turnpike.local/traefik:$(TRAEFIK_VERSION)
TESTUPSTREAM_IMAGE ?= turnpike.local/testupstream:v1
IMAGES_DIR ?= build/images
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
MKIMAGE = $(GO) run ./tools/mkimage -epoch $(SOURCE_DATE_EPOCH)
STATIC_GO = CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath

image: ## build the turnpike image without Docker (Dockerfile: static binary + plugin tree, user 65532) into build/images/turnpike.tar; IMAGE=...
	$(STATIC_GO) -ldflags "-s -w $(BUILDINFO_LDFLAGS)" -o bin/turnpike ./cmd/turnpike
	$(MKIMAGE) -dockerfile Dockerfile -tag $(IMAGE) -out $(IMAGES_DIR)/turnpike.tar \
	  -label org.opencontainers.image.version=$(VERSION) -label org.opencontainers.image.revision=$(COMMIT)

image-pause: ## the pod sandbox image (tools/pause) for the test cluster into build/images/pause.tar
	$(STATIC_GO) -ldflags "-s -w" -o bin/pause ./tools/pause
	$(MKIMAGE) -base none -file bin/pause=/pause -entrypoint /pause -user 65535:65535 \
	  -tag $(PAUSE_IMAGE) -out $(IMAGES_DIR)/pause.tar

# Traefik as `make traefik` builds it for the e2e suites. The chart passes only flags
# as args, so the binary itself is the entrypoint; its working directory is / because
# Traefik looks for ./plugins-local there.
image-traefik: traefik ## Traefik (the binary `make traefik` builds) on the nonroot base into build/images/traefik.tar
	$(MKIMAGE) -file $(TURNPIKE_BIN)/traefik-$(TRAEFIK_VERSION)=/usr/local/bin/traefik \
	  -entrypoint /usr/local/bin/traefik -workdir / -tag $(TRAEFIK_IMAGE) -out $(IMAGES_DIR)/traefik.tar \
	  -label org.opencontainers.image.version=$(TRAEFIK_VERSION)

# The seller's service behind the gate in the cluster tests: echoes, and counts what
# reached it (unpaid, payment header leaked) at /_upstream/stats.
image-testupstream: ## the cluster tests' upstream (tools/testupstream) into build/images/testupstream.tar
	$(STATIC_GO) -ldflags "-s -w" -o bin/testupstream ./tools/testupstream
	$(MKIMAGE) -file bin/testupstream=/usr/local/bin/testupstream -entrypoint /usr/local/bin/testupstream \
	  -tag $(TESTUPSTREAM_IMAGE) -out $(IMAGES_DIR)/testupstream.tar

images: image image-pause image-traefik image-testupstream ## every image the test cluster runs (turnpike, Traefik, pause, test upstream) into build/images/

# Proves the archives are what containerd takes: a private containerd (own root, state
# and socket; needs root) imports each one, and the turnpike image runs read-only as
# 65532 under runc.
e2e-image: images ## import build/images/*.tar into a private containerd and run the turnpike image read-only (root)
	$(GO) test -tags e2e -count=1 -timeout 10m -v -run '^TestImagesImportAndRun$$' ./internal/ociimage/
