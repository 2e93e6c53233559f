//go:build e2e || bench

package e2e

import (
	"encoding/json"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// payment is one accepted payment option for a routes document.
func payment(network, asset, payTo, amount, eip712Name, eip712Version string) routes.Payment {
	return routes.Payment{
		Scheme:            "exact",
		Network:           network,
		Amount:            amount,
		Asset:             asset,
		PayTo:             payTo,
		MaxTimeoutSeconds: 300,
		EIP712Name:        eip712Name,
		EIP712Version:     eip712Version,
		AssetSymbol:       "USDC",
		AssetDecimals:     6,
	}
}

// routesJSON renders and validates a routes document, so a test never feeds the gate
// a document the controller could not have written (unless it means to).
func routesJSON(t testing.TB, generation int64, offers ...routes.Offer) []byte {
	t.Helper()
	doc := routes.Document{Schema: routes.Schema, Generation: generation, Offers: offers}
	if err := doc.Validate(); err != nil {
		t.Fatalf("test routes document is invalid: %v", err)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
