package erc8004_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/turnpike-x402/turnpike/controller/erc8004"
)

func TestKnownRegistry(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		chainID uint64
		want    common.Address
		ok      bool
	}{
		{desc: "Base mainnet", chainID: 8453, want: common.HexToAddress("0x8004A169FB4a3325136EB29fA0ceB6D2e539a432"), ok: true},
		{desc: "Ethereum mainnet", chainID: 1, want: erc8004.MainnetIdentityRegistry, ok: true},
		{desc: "Base Sepolia", chainID: 84532, want: common.HexToAddress("0x8004A818BFB912233c491871b3d84c89A494BD9e"), ok: true},
		{desc: "Sepolia", chainID: 11155111, want: erc8004.TestnetIdentityRegistry, ok: true},
		{desc: "dev chain", chainID: 1337, ok: false},
		{desc: "hardhat", chainID: 31337, ok: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, ok := erc8004.KnownRegistry(tc.chainID)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("KnownRegistry(%d) = %s, %v; want %s, %v", tc.chainID, got.Hex(), ok, tc.want.Hex(), tc.ok)
			}
		})
	}
}
