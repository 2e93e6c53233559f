# The one Turnpike image: `turnpike controller | facilitator | buyer | gateway | ...`,
# plus the gate's plugin source tree for Traefik (copied into Traefik pods by
# `turnpike install-plugin`, see manifests/traefik/values.yaml).
#
# Build the static binary first (no Go toolchain image to pin):
#   CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w" -o bin/turnpike ./cmd/turnpike
#   docker build -t ghcr.io/turnpike-x402/turnpike:<version> .
# Without Docker: `make image` reads this file (tools/mkimage: COPY, USER, ENTRYPOINT only)
# and replaces FROM with an equivalent built-in base; keep it within that subset.
# Base image pinned by digest (manifests/images_test.go fails on a tag-only reference).
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY bin/turnpike /usr/local/bin/turnpike
# What Traefik's Yaegi needs: the module file, the plugin manifest and the packages the
# plugin imports (standard library and x402/ only).
COPY go.mod .traefik.yml /opt/turnpike/plugin/
COPY plugin /opt/turnpike/plugin/plugin
COPY x402 /opt/turnpike/plugin/x402
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/turnpike"]
