package x402

import "testing"

func TestNetworks(t *testing.T) {
	tests := []struct {
		desc    string
		network string
		chain   int64
		caip    string
		v1      string
		hasV1   bool
		wantErr bool
	}{
		{desc: "caip base", network: "eip155:8453", chain: 8453, caip: "eip155:8453", v1: "base", hasV1: true},
		{desc: "v1 name", network: "base-sepolia", chain: 84532, caip: "eip155:84532", v1: "base-sepolia", hasV1: true},
		{desc: "local chain has no v1 name", network: "eip155:1337", chain: 1337, caip: "eip155:1337"},
		{desc: "unknown name", network: "narnia", wantErr: true},
		{desc: "solana is not EVM", network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", wantErr: true},
		{desc: "zero chain", network: "eip155:0", wantErr: true},
		{desc: "non-numeric chain", network: "eip155:abc", wantErr: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			id, err := ChainID(tc.network)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ChainID(%q) = %d, want error", tc.network, id)
				}
				return
			}
			if err != nil || id != tc.chain {
				t.Fatalf("ChainID(%q) = %d, %v; want %d", tc.network, id, err, tc.chain)
			}
			if c, err := CAIP2(tc.network); err != nil || c != tc.caip {
				t.Fatalf("CAIP2(%q) = %q, %v; want %q", tc.network, c, err, tc.caip)
			}
			name, ok := V1Name(tc.network)
			if ok != tc.hasV1 || name != tc.v1 {
				t.Fatalf("V1Name(%q) = %q, %v; want %q, %v", tc.network, name, ok, tc.v1, tc.hasV1)
			}
		})
	}
}

func TestDefaultUSDC(t *testing.T) {
	tok, ok := DefaultUSDC("base")
	if !ok || tok.Address != "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" || tok.Name != "USD Coin" || tok.Decimals != 6 {
		t.Fatalf("DefaultUSDC(base) = %+v, %v", tok, ok)
	}
	tok, ok = DefaultUSDC("eip155:84532")
	if !ok || tok.Name != "USDC" {
		t.Fatalf("Base Sepolia USDC domain name = %+v, want USDC", tok)
	}
	if _, ok := DefaultUSDC("eip155:1337"); ok {
		t.Fatal("a local chain must have no default USDC")
	}
	seen := map[string]bool{}
	for _, tk := range Tokens {
		if seen[tk.Network] {
			t.Fatalf("duplicate token entry for %s", tk.Network)
		}
		seen[tk.Network] = true
		if len(tk.Address) != 42 || tk.Version == "" || tk.Name == "" {
			t.Fatalf("malformed token entry %+v", tk)
		}
	}
}
