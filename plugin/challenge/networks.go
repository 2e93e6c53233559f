package challenge

import (
	"strconv"

	"github.com/turnpike-x402/turnpike/x402"
)

// Network is what the paywall tells a person and a wallet about a chain: a name
// people recognise, and the parameters wallet_addEthereumChain needs when the
// wallet does not know the chain yet.
type Network struct {
	Name     string
	RPC      string // public JSON-RPC endpoint; "" when there is none to suggest
	Explorer string // block explorer base URL without a trailing slash
	Currency string // native currency symbol (for wallet_addEthereumChain)
	Testnet  bool
}

// networks is keyed by EVM chain id. The chains are the ones x402 SDKs and
// facilitators price in; a chain missing here still works, under "chain <id>".
var networks = map[int64]Network{
	1:        {Name: "Ethereum", RPC: "https://ethereum-rpc.publicnode.com", Explorer: "https://etherscan.io", Currency: "ETH"},
	11155111: {Name: "Sepolia", RPC: "https://ethereum-sepolia-rpc.publicnode.com", Explorer: "https://sepolia.etherscan.io", Currency: "ETH", Testnet: true},
	8453:     {Name: "Base", RPC: "https://mainnet.base.org", Explorer: "https://basescan.org", Currency: "ETH"},
	84532:    {Name: "Base Sepolia", RPC: "https://sepolia.base.org", Explorer: "https://sepolia.basescan.org", Currency: "ETH", Testnet: true},
	43114:    {Name: "Avalanche C-Chain", RPC: "https://api.avax.network/ext/bc/C/rpc", Explorer: "https://snowtrace.io", Currency: "AVAX"},
	43113:    {Name: "Avalanche Fuji", RPC: "https://api.avax-test.network/ext/bc/C/rpc", Explorer: "https://testnet.snowtrace.io", Currency: "AVAX", Testnet: true},
	137:      {Name: "Polygon", RPC: "https://polygon-rpc.com", Explorer: "https://polygonscan.com", Currency: "POL"},
	80002:    {Name: "Polygon Amoy", RPC: "https://rpc-amoy.polygon.technology", Explorer: "https://amoy.polygonscan.com", Currency: "POL", Testnet: true},
	42161:    {Name: "Arbitrum One", RPC: "https://arb1.arbitrum.io/rpc", Explorer: "https://arbiscan.io", Currency: "ETH"},
	421614:   {Name: "Arbitrum Sepolia", RPC: "https://sepolia-rollup.arbitrum.io/rpc", Explorer: "https://sepolia.arbiscan.io", Currency: "ETH", Testnet: true},
	10:       {Name: "OP Mainnet", RPC: "https://mainnet.optimism.io", Explorer: "https://optimistic.etherscan.io", Currency: "ETH"},
	11155420: {Name: "OP Sepolia", RPC: "https://sepolia.optimism.io", Explorer: "https://sepolia-optimism.etherscan.io", Currency: "ETH", Testnet: true},
	1329:     {Name: "Sei", RPC: "https://evm-rpc.sei-apis.com", Explorer: "https://seitrace.com", Currency: "SEI"},
	1328:     {Name: "Sei Testnet", RPC: "https://evm-rpc-testnet.sei-apis.com", Explorer: "https://seitrace.com", Currency: "SEI", Testnet: true},
	42220:    {Name: "Celo", RPC: "https://forno.celo.org", Explorer: "https://celoscan.io", Currency: "CELO"},
	143:      {Name: "Monad", RPC: "https://rpc.monad.xyz", Explorer: "https://monadexplorer.com", Currency: "MON"},
	1337:     {Name: "Local dev chain", Currency: "ETH", Testnet: true},
	31337:    {Name: "Local dev chain", Currency: "ETH", Testnet: true},
}

// LookupNetwork returns what is known about an EVM network (CAIP-2 eip155:<id>, or
// a v1 name such as base-sepolia) and its chain id; ok is false for a network
// outside the table (the name is then "chain <id>", or the network string itself
// when it names no EVM chain).
func LookupNetwork(network string) (n Network, chainID int64, ok bool) {
	id, err := x402.ChainID(network)
	if err != nil {
		return Network{Name: network}, 0, false
	}
	if n, ok := networks[id]; ok {
		return n, id, true
	}
	return Network{Name: "chain " + strconv.FormatInt(id, 10), Currency: "ETH"}, id, false
}
