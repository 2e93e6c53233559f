package x402

// Pricing models: how a per-request amount was derived from what the seller wrote.
const (
	// PricingPerRequest: a decimal price per request in the token's units.
	PricingPerRequest = "perRequest"
	// PricingPerMTok: a price per million tokens, charged per request from a declared
	// approximate token count, rounded up to the token's smallest unit.
	PricingPerMTok = "perMTok"
)

// Pricing tells buyers how the amount of a payment option was derived, so an amount
// in atomic units can be checked against the seller's advertised rate. It travels in
// the requirement's `extra` next to the EIP-712 domain (facilitators read only name and
// version there) and in the discovery documents. Absent when the seller wrote the
// atomic amount itself.
type Pricing struct {
	Model string `json:"model"`
	// Price is the per-request price as written, in the token's units (perRequest).
	Price string `json:"price,omitempty"`
	// PerMTok is the price of one million tokens in the token's units (perMTok).
	PerMTok string `json:"perMTok,omitempty"`
	// ApproxTokensPerRequest is the token count one request is charged for (perMTok).
	ApproxTokensPerRequest int64 `json:"approxTokensPerRequest,omitempty"`
	// Rounding is "up" when perMTok × tokens fell between two smallest units and the
	// amount was rounded up to the next one.
	Rounding string `json:"rounding,omitempty"`
}
