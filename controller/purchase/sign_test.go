package purchase

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/x402"
)

func TestSignNStaysWithinTheSellersWindow(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1767225600, 0)
	tests := []struct {
		desc       string
		maxTimeout int64
		validFor   int64
		want       int64
	}{
		{desc: "default window capped at the seller's maxTimeoutSeconds", maxTimeout: 300, validFor: 0, want: 300},
		{desc: "requested window capped at the seller's maxTimeoutSeconds", maxTimeout: 300, validFor: 3600, want: 300},
		{desc: "shorter requested window kept", maxTimeout: 3600, validFor: 600, want: 600},
		{desc: "seller publishing a day allows the default day", maxTimeout: 86400, validFor: 0, want: 86400},
	}
	for _, tc := range tests {
		out, err := signN(key, requirement(tc.maxTimeout), tc.validFor, 1, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		before, _ := strconv.ParseInt(out[0].ValidBefore, 10, 64)
		if got := before - now.Unix(); got != tc.want {
			t.Errorf("%s: window %d s, want %d", tc.desc, got, tc.want)
		}
	}
}

func requirement(maxTimeout int64) x402.Requirements {
	return x402.Requirements{Scheme: x402.SchemeExact, Network: "eip155:84532", Amount: "1000",
		Asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
		MaxTimeoutSeconds: maxTimeout, Extra: json.RawMessage(`{"name":"USDC","version":"2"}`)}
}
