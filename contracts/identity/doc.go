// Package identity holds the abigen v2 bindings of IdentityRegistry (contracts/src), a
// minimal ERC-8004 identity registry with the interface of the current ERC text:
// agents are ERC-721 tokens (ids from 0), tokenURI is the agentURI. The bindings are
// generated (`make generate`); do not edit identityregistry.gen.go.
//
// abigen numbers Solidity overloads in ABI order, so the names are not obvious:
//
//	PackRegister    register()                                       0x1aa3a008
//	PackRegister0   register(string agentURI, MetadataEntry[] meta)  0x8ea42286
//	PackRegister1   register(string agentURI)                        0xf2c298be
//
// Off-chain callers cannot read register's return value: take agentId from the
// Registered event (UnpackRegisteredEvent) in the receipt.
package identity
