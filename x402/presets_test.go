package x402

import (
	"strings"
	"testing"
)

func TestResolveNetwork(t *testing.T) {
	tests := []struct {
		desc       string
		in         string
		wantCAIP   string
		wantPreset string
		wantOK     bool
	}{
		{desc: "preset name", in: "base", wantCAIP: "eip155:8453", wantPreset: "base", wantOK: true},
		{desc: "testnet preset", in: "base-sepolia", wantCAIP: "eip155:84532", wantPreset: "base-sepolia", wantOK: true},
		{desc: "preset without v1 name", in: "arbitrum", wantCAIP: "eip155:42161", wantPreset: "arbitrum", wantOK: true},
		{desc: "CAIP-2 of a preset network finds the preset", in: "eip155:84532", wantCAIP: "eip155:84532", wantPreset: "base-sepolia", wantOK: true},
		{desc: "CAIP-2 without preset", in: "eip155:1337", wantCAIP: "eip155:1337", wantOK: true},
		{desc: "v1 name without preset", in: "polygon", wantCAIP: "eip155:137", wantOK: true},
		{desc: "unknown name", in: "basee", wantOK: false},
		{desc: "solana is not EVM", in: "solana", wantOK: false},
		{desc: "bad CAIP-2", in: "eip155:x", wantOK: false},
	}
	for _, tc := range tests {
		caip, p, ok := ResolveNetwork(tc.in)
		if ok != tc.wantOK || caip != tc.wantCAIP {
			t.Errorf("%s: ResolveNetwork(%q) = %q, %v; want %q, %v", tc.desc, tc.in, caip, ok, tc.wantCAIP, tc.wantOK)
			continue
		}
		got := ""
		if p != nil {
			got = p.Name
		}
		if got != tc.wantPreset {
			t.Errorf("%s: preset %q, want %q", tc.desc, got, tc.wantPreset)
		}
	}
}

func TestIsTestnet(t *testing.T) {
	tests := []struct {
		desc          string
		in            string
		testnet, know bool
	}{
		{desc: "base mainnet", in: "base", know: true},
		{desc: "base mainnet CAIP-2", in: "eip155:8453", know: true},
		{desc: "base sepolia", in: "eip155:84532", testnet: true, know: true},
		{desc: "polygon (no preset) is a known mainnet", in: "eip155:137", know: true},
		{desc: "dev chain", in: "eip155:1337", testnet: true, know: true},
		{desc: "unknown chain", in: "eip155:999999", testnet: false, know: false},
	}
	for _, tc := range tests {
		testnet, known := IsTestnet(tc.in)
		if testnet != tc.testnet || known != tc.know {
			t.Errorf("%s: IsTestnet(%q) = %v, %v; want %v, %v", tc.desc, tc.in, testnet, known, tc.testnet, tc.know)
		}
	}
}

// Every preset is consistent: USDC on its own network, 6 decimals, a domain, a known
// chain whose testnet flag matches, and the same data as the Tokens table when that
// table lists the deployment (the gate and the controller must not disagree).
func TestPresetsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Presets {
		if seen[p.Name] || seen[p.Network] {
			t.Errorf("%s: duplicate preset", p.Name)
		}
		seen[p.Name], seen[p.Network] = true, true
		if p.USDC.Network != p.Network || p.USDC.Decimals != 6 || p.USDC.Version != "2" || p.USDC.Name == "" {
			t.Errorf("%s: USDC %+v does not fit the preset", p.Name, p.USDC)
		}
		if !strings.HasPrefix(p.USDC.Address, "0x") || len(p.USDC.Address) != 42 {
			t.Errorf("%s: address %q", p.Name, p.USDC.Address)
		}
		id, err := ChainID(p.Network)
		if err != nil {
			t.Fatal(err)
		}
		if tn, ok := testnets[id]; !ok || tn != p.Testnet {
			t.Errorf("%s: testnets[%d] = %v, %v; preset says testnet=%v", p.Name, id, tn, ok, p.Testnet)
		}
		if v1, ok := v1Networks[p.Name]; ok && v1 != id {
			t.Errorf("%s: v1 name maps to chain %d, preset to %d", p.Name, v1, id)
		}
		if tok, ok := DefaultUSDC(p.Network); ok && (!strings.EqualFold(tok.Address, p.USDC.Address) || tok.Name != p.USDC.Name) {
			t.Errorf("%s: Tokens says %s %q, preset %s %q", p.Name, tok.Address, tok.Name, p.USDC.Address, p.USDC.Name)
		}
	}
}
