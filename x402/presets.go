package x402

import (
	"sort"
	"strconv"
	"strings"
)

// Preset is a network a seller may name instead of its CAIP-2 id ("base"), with the
// network's canonical USDC, which an offer gets when it names no asset.
type Preset struct {
	Name    string // what an offer writes in spec.payment.accepts[].network
	Network string // CAIP-2
	Testnet bool
	USDC    Token
}

// usdc is Circle's USDC on a network: 6 decimals, EIP-712 version "2".
func usdc(network, address, eip712Name string) Token {
	return Token{Network: network, Address: address, Symbol: "USDC", Decimals: 6, Name: eip712Name, Version: "2"}
}

// Presets are the networks whose USDC address and EIP-712 domain name at least two
// independent sources agree on (the x402 SDKs' tables, x402-rs, on-chain reads
// quoted in public reviews). Left out on purpose: Polygon PoS (sources disagree on the
// domain name, "USD Coin" or "USDC"), Ethereum Sepolia and OP Sepolia (one source for
// the name). Those still work as CAIP-2 ids with the asset spelt out. A wrong domain
// name makes every signature fail, so a new entry needs the same evidence.
var Presets = []Preset{
	{"base", "eip155:8453", false, usdc("eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USD Coin")},
	{"base-sepolia", "eip155:84532", true, usdc("eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC")},
	{"ethereum", "eip155:1", false, usdc("eip155:1", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USD Coin")},
	{"arbitrum", "eip155:42161", false, usdc("eip155:42161", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "USD Coin")},
	{"arbitrum-sepolia", "eip155:421614", true, usdc("eip155:421614", "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", "USD Coin")},
	{"optimism", "eip155:10", false, usdc("eip155:10", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", "USD Coin")},
	{"avalanche", "eip155:43114", false, usdc("eip155:43114", "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", "USD Coin")},
	{"avalanche-fuji", "eip155:43113", true, usdc("eip155:43113", "0x5425890298aed601595a70AB815c96711a31Bc65", "USD Coin")},
	{"polygon-amoy", "eip155:80002", true, usdc("eip155:80002", "0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582", "USDC")},
}

// PresetByName finds a preset by the name an offer writes.
func PresetByName(name string) (Preset, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetByNetwork finds the preset of a CAIP-2 network.
func PresetByNetwork(caip2 string) (Preset, bool) {
	for _, p := range Presets {
		if p.Network == caip2 {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetNames lists the preset names, sorted, for messages that say what to write.
func PresetNames() []string {
	out := make([]string, 0, len(Presets))
	for _, p := range Presets {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// testnets says, per EVM chain id this project knows, whether it is a test network
// (no real money). A facilitator that settles on test networks only is refused for
// every chain that is not listed as a testnet here.
var testnets = map[int64]bool{
	1: false, 11155111: true, // Ethereum, Sepolia
	8453: false, 84532: true, // Base, Base Sepolia
	42161: false, 421614: true, // Arbitrum One, Arbitrum Sepolia
	10: false, 11155420: true, // OP Mainnet, OP Sepolia
	43114: false, 43113: true, // Avalanche C-Chain, Fuji
	137: false, 80002: true, // Polygon PoS, Amoy
	1329: false, 1328: true, // Sei, Sei testnet
	2741: false, 11124: true, // Abstract, Abstract testnet
	988: false, 2201: true, // Stable, Stable testnet
	324705682: true, // SKALE Base Sepolia
	42220:     false, 143: false, 4689: false, 3338: false, 1514: false, 41923: false, 4326: false,
	1337: true, 31337: true, // local dev chains (geth --dev, anvil/hardhat)
}

// IsTestnet reports whether a network (CAIP-2 or a v1/preset name) is a test network;
// known is false for a chain this project has no record of (neither answer is safe).
func IsTestnet(network string) (testnet, known bool) {
	if p, ok := PresetByName(network); ok {
		return p.Testnet, true
	}
	id, err := ChainID(network)
	if err != nil {
		return false, false
	}
	// Plain locals: Yaegi v0.16.1 fills named results wrongly from a comma-ok map read.
	v, found := testnets[id]
	if !found {
		return false, false
	}
	return v, true
}

// ResolveNetwork turns what an offer writes (a preset name, a v1 name or a CAIP-2
// id) into the CAIP-2 id, with the preset when the network has one.
func ResolveNetwork(network string) (caip2 string, preset *Preset, ok bool) {
	if p, found := PresetByName(network); found {
		return p.Network, &p, true
	}
	if !strings.HasPrefix(network, "eip155:") {
		if _, isV1 := v1Networks[network]; !isV1 {
			return "", nil, false
		}
	}
	id, err := ChainID(network)
	if err != nil {
		return "", nil, false
	}
	caip2 = "eip155:" + strconv.FormatInt(id, 10)
	if p, found := PresetByNetwork(caip2); found {
		return caip2, &p, true
	}
	return caip2, nil, true
}
