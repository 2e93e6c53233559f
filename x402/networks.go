package x402

import (
	"fmt"
	"strconv"
	"strings"
)

// v1 network names and their EVM chain ids, as the official SDKs map them.
var v1Networks = map[string]int64{
	"ethereum":           1,
	"sepolia":            11155111,
	"base":               8453,
	"base-sepolia":       84532,
	"avalanche":          43114,
	"avalanche-fuji":     43113,
	"polygon":            137,
	"polygon-amoy":       80002,
	"abstract":           2741,
	"abstract-testnet":   11124,
	"iotex":              4689,
	"sei":                1329,
	"sei-testnet":        1328,
	"peaq":               3338,
	"story":              1514,
	"educhain":           41923,
	"skale-base-sepolia": 324705682,
	"megaeth":            4326,
	"monad":              143,
	"stable":             988,
	"stable-testnet":     2201,
}

var v1NamesByChain = func() map[int64]string {
	m := make(map[int64]string, len(v1Networks))
	for name, id := range v1Networks {
		m[id] = name
	}
	return m
}()

// ChainID returns the EVM chain id of a CAIP-2 (`eip155:8453`) or v1 (`base`) network.
func ChainID(network string) (int64, error) {
	if rest, ok := strings.CutPrefix(network, "eip155:"); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || id <= 0 {
			return 0, fmt.Errorf("network %q: chain id is not a positive integer", network)
		}
		return id, nil
	}
	if id, ok := v1Networks[network]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("network %q is neither CAIP-2 eip155:<id> nor a known v1 name", network)
}

// CAIP2 returns the CAIP-2 identifier for a network given in either form.
func CAIP2(network string) (string, error) {
	id, err := ChainID(network)
	if err != nil {
		return "", err
	}
	return "eip155:" + strconv.FormatInt(id, 10), nil
}

// V1Name returns the v1 name of a network, or ok=false when v1 has no name for it
// (local chains, newer networks): such offers are served to v2 clients only.
func V1Name(network string) (string, bool) {
	id, err := ChainID(network)
	if err != nil {
		return "", false
	}
	name, ok := v1NamesByChain[id]
	return name, ok
}

// Token is a known stablecoin deployment.
type Token struct {
	Network  string // CAIP-2
	Address  string
	Symbol   string
	Decimals int
	Name     string // EIP-712 domain name
	Version  string // EIP-712 domain version
}

// Tokens lists the USDC deployments the SDKs use by default, with their EIP-712 domain
// as read on chain with name()/version(). Always confirm name()/version() on chain before
// publishing a price: several SDK tables have been wrong.
var Tokens = []Token{
	{"eip155:8453", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "USDC", 6, "USD Coin", "2"},
	{"eip155:84532", "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "USDC", 6, "USDC", "2"},
	{"eip155:1", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USDC", 6, "USD Coin", "2"},
	{"eip155:43114", "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", "USDC", 6, "USD Coin", "2"},
	{"eip155:43113", "0x5425890298aed601595a70AB815c96711a31Bc65", "USDC", 6, "USD Coin", "2"},
	{"eip155:137", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", "USDC", 6, "USD Coin", "2"},
	{"eip155:80002", "0x41E94Eb019C0762f9Bfcf9Fb1E58725BfB0e7582", "USDC", 6, "USDC", "2"},
	{"eip155:42161", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", "USDC", 6, "USD Coin", "2"},
	{"eip155:421614", "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d", "USDC", 6, "USD Coin", "2"},
	{"eip155:143", "0x754704Bc059F8C67012fEd69BC8A327a5aafb603", "USDC", 6, "USDC", "2"},
	{"eip155:1329", "0xe15fC38F6D8c56aF07bbCBe3BAf5708A2Bf42392", "USDC", 6, "USDC", "2"},
	{"eip155:1328", "0x4fCF1784B31630811181f670Aea7A7bEF803eaED", "USDC", 6, "USDC", "2"},
	{"eip155:42220", "0xcebA9300f2b948710d2653dD7B07f33A8B32118C", "USDC", 6, "USDC", "2"},
}

// DefaultUSDC returns the USDC deployment on a network (either form).
func DefaultUSDC(network string) (Token, bool) {
	caip, err := CAIP2(network)
	if err != nil {
		return Token{}, false
	}
	for _, t := range Tokens {
		if t.Network == caip {
			return t, true
		}
	}
	return Token{}, false
}
