//go:build e2e

package e2e

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/turnpike-x402/turnpike/demo"
)

// TestDemoPaidByV1Clients runs the demo stack (dev chain, facilitator, gate) under
// Base Sepolia's chain id, as `turnpike demo -chain-id 84532` does, and pays it with
// the official x402 v1 clients, unmodified: x402-fetch and x402-axios know networks
// only by v1 name, and 84532 is "base-sepolia" to them.
func TestDemoPaidByV1Clients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := demo.Start(ctx, demo.Options{ChainID: 84532, Dir: t.TempDir()})
	must(t, err, "start the demo stack")
	t.Cleanup(func() { _ = s.Close() })
	if s.Info.ChainID != 84532 || s.Info.Network != "eip155:84532" {
		t.Fatalf("demo chain %d (%s), want 84532", s.Info.ChainID, s.Info.Network)
	}
	clients := npmClients(t)

	// balanceOf(address) of the demo token.
	balance := func(addr common.Address) *big.Int {
		data := append(common.FromHex("0x70a08231"), common.LeftPadBytes(addr.Bytes(), 32)...)
		out, err := s.Chain.Client().CallContract(ctx, ethereum.CallMsg{To: &s.Info.Token.Address, Data: data}, nil)
		must(t, err, "balance of %s", addr)
		return new(big.Int).SetBytes(out)
	}
	for i, tc := range []struct {
		desc    string
		version string
	}{
		{desc: "x402-fetch 1.x pays the demo", version: "v1"},
		{desc: "x402-axios pays the demo", version: "v1-axios"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			before := balance(s.Seller.Address)
			url := s.GatewayURL + demo.PathPrefix + "/city-v1-" + string(rune('a'+i))
			res := payWithClient(t, clients, tc.version, url, s.Buyer.Key, s.Info.RPCURL)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", tc.version, res.Status, res.Body)
			}
			if res.XPaymentResponse == "" {
				t.Fatalf("%s: no X-PAYMENT-RESPONSE receipt (v1)", tc.version)
			}
			sr := receipt(t, res.XPaymentResponse)
			if !sr.Success || !strings.HasPrefix(sr.Transaction, "0x") || (sr.Network != "base-sepolia" && sr.Network != "eip155:84532") {
				t.Fatalf("receipt %+v, want success on base-sepolia (84532) with a transaction", sr)
			}
			rcpt, err := s.Chain.Client().TransactionReceipt(ctx, common.HexToHash(sr.Transaction))
			must(t, err, "receipt of %s", sr.Transaction)
			if rcpt.Status != 1 {
				t.Fatalf("settlement %s failed on chain", sr.Transaction)
			}
			if got := new(big.Int).Sub(balance(s.Seller.Address), before); got.Cmp(s.Price) != 0 {
				t.Errorf("seller received %s, want the price %s", got, s.Price)
			}
		})
	}
}
