package erc8004

import "github.com/ethereum/go-ethereum/common"

// The reference ERC-8004 IdentityRegistry is deployed with CREATE2 at one address on
// every mainnet and one on every testnet (erc-8004/erc-8004-contracts README, Aug 2026).
var (
	MainnetIdentityRegistry = common.HexToAddress("0x8004A169FB4a3325136EB29fA0ceB6D2e539a432")
	TestnetIdentityRegistry = common.HexToAddress("0x8004A818BFB912233c491871b3d84c89A494BD9e")
)

// Chain ids the README lists for each class (only those given with a numeric id).
var (
	mainnetChains = []uint64{1, 8453, 42161, 10, 137, 43114, 56, 100, 42220, 59144, 534352, 167000, 5000, 4326, 143, 2741, 1868, 196, 2345, 1088}
	testnetChains = []uint64{11155111, 84532, 421614, 11155420, 80002, 43113, 296}
)

// KnownRegistry returns the public identity registry of a chain, when the reference
// deployment lists it. Local chains (1337, 31337) have none: use the devchain's.
func KnownRegistry(chainID uint64) (common.Address, bool) {
	for _, id := range mainnetChains {
		if id == chainID {
			return MainnetIdentityRegistry, true
		}
	}
	for _, id := range testnetChains {
		if id == chainID {
			return TestnetIdentityRegistry, true
		}
	}
	return common.Address{}, false
}
