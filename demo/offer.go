package demo

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// The demo offer, as a controller would publish it for a ServiceOffer demo/weather.
const (
	OfferNamespace = "demo"
	OfferName      = "weather"
	PathPrefix     = "/weather"
	// DefaultPrice is the price per request in token units (USDC has 6 decimals).
	DefaultPrice = "0.01"
	// maxTimeoutSeconds is how long a signed authorization stays valid.
	maxTimeoutSeconds = 60
)

// offerDocument renders the routes document for the demo offer on chain info: every
// request under /weather/ is paid (settled after the upstream answered), /weather/health
// is free, and /weather/stream is settled before the upstream is called because it
// streams Server-Sent Events.
func offerDocument(info devchain.Info, seller string, price *big.Int) *routes.Document {
	pay := routes.Payment{
		Scheme:            x402.SchemeExact,
		Network:           info.Network,
		Amount:            price.String(),
		Asset:             info.Token.Address.Hex(),
		PayTo:             seller,
		MaxTimeoutSeconds: maxTimeoutSeconds,
		EIP712Name:        info.Token.Name,
		EIP712Version:     info.Token.Version,
		AssetSymbol:       info.Token.Symbol,
		AssetDecimals:     int(info.Token.Decimals),
	}
	return &routes.Document{
		Schema:     routes.Schema,
		Generation: 1,
		Offers: []routes.Offer{{
			Namespace:   OfferNamespace,
			Name:        OfferName,
			State:       routes.StateActive,
			PathPrefix:  PathPrefix,
			Description: "Demo weather API: current conditions for a city",
			MimeType:    "application/json",
			Settlement:  routes.SettleAfter,
			Payments:    []routes.Payment{pay},
			Paths: []routes.PathRule{
				{Pattern: "/health", Methods: []string{"GET", "HEAD"}, Free: true},
				{Pattern: "/stream", Settlement: routes.SettleBefore, MimeType: "text/event-stream",
					Description: "Demo weather API: live updates (Server-Sent Events)"},
				{Pattern: "/*", Settlement: routes.SettleAfter},
			},
		}},
	}
}

// writeDocument validates doc and writes it where the gate reads it.
func writeDocument(dir string, doc *routes.Document) (string, error) {
	if err := doc.Validate(); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode routes document: %w", err)
	}
	path := filepath.Join(dir, routes.DataKey)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write routes document: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("write routes document: %w", err)
	}
	return path, nil
}
