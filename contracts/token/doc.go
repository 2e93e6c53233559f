// Package token holds the abigen v2 bindings of EIP3009Token (contracts/src), the
// DEV-ONLY USDC look-alike that the embedded dev chain deploys: 6 decimals, EIP-712
// domain {name: name(), version: version()}, EIP-3009 with USDC's checks and revert
// strings. The bindings are generated (`make generate`); do not edit
// eip3009token.gen.go.
//
// abigen numbers Solidity overloads in ABI order, so the names are not obvious:
//
//	PackTransferWithAuthorization   transferWithAuthorization(..., bytes signature)    0xcf092995
//	PackTransferWithAuthorization0  transferWithAuthorization(..., uint8 v, r, s)      0xe3ee160e
//	PackReceiveWithAuthorization    receiveWithAuthorization(..., bytes signature)     0x88b7ab63
//	PackReceiveWithAuthorization0   receiveWithAuthorization(..., uint8 v, r, s)       0xef55bec6
//	PackCancelAuthorization         cancelAuthorization(authorizer, nonce, v, r, s)    0x5a049a70
//	PackCancelAuthorization0        cancelAuthorization(authorizer, nonce, bytes)      0xb7b72899
//
// The constructor takes (name, symbol, version); mint(to, amount) is restricted to the
// deployer.
package token
