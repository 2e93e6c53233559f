#!/usr/bin/env bash
# make e2e pays through real Traefik with the official x402 npm clients.
exec bash "$(dirname "$0")/../install-e2e-clients.sh" >/dev/null
