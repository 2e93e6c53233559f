// Package interop proves that Turnpike's gate speaks x402 the way independent,
// official implementations do. It holds no production code: its tests (run by
// `make test`) put `turnpike gateway` (the gate compiled natively, configured from a
// Traefik dynamic configuration file) in front of a plain upstream on the embedded dev
// chain, and let the official x402 npm packages play the other side:
//
//   - the official buyers, @x402/fetch 2.x (protocol v2) and x402-fetch 1.x (protocol
//     v1), pay the gate, which settles through Turnpike's facilitator;
//   - the official facilitator (@x402/core x402Facilitator with @x402/evm
//     ExactEvmScheme, served over HTTP by facilitator.mjs in this folder) verifies
//     and settles for the gate, which is paid with Turnpike's own EIP-3009 signer.
//
// Every paid case is checked on chain (exact balance moves, the Transfer log of the
// receipt's transaction), not only by status codes. The npm packages are installed
// by `make test-deps` (scripts/install-deps.d/50-x402-interop.sh and
// 60-e2e-clients.sh); when they are missing the tests fail and say so.
package interop
