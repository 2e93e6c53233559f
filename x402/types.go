// Package x402 holds the x402 wire format (protocol versions 1 and 2) shared by the
// gate, the buyer, the facilitator and the controller: the objects, the header codec,
// network identifiers, known token deployments, exact price conversion and a
// facilitator client.
//
// It is a leaf: standard library only, Go 1.22 API, and safe for Yaegi (every struct
// that is marshalled has exported fields only), because Traefik interprets it inside
// the plugin.
package x402

import "encoding/json"

// Protocol versions.
const (
	V1 = 1
	V2 = 2
)

// Header names. Lookups are case-insensitive (net/http canonicalises them).
const (
	HeaderPaymentRequired  = "PAYMENT-REQUIRED"   // v2, server → client
	HeaderPaymentSignature = "PAYMENT-SIGNATURE"  // v2, client → server
	HeaderPaymentResponse  = "PAYMENT-RESPONSE"   // v2, server → client
	HeaderXPayment         = "X-PAYMENT"          // v1, client → server
	HeaderXPaymentResponse = "X-PAYMENT-RESPONSE" // v1, server → client
)

// SchemeExact is the only scheme Turnpike serves: a fixed amount, EIP-3009 on EVM.
const SchemeExact = "exact"

// ResourceInfo describes the paid resource in v2 (moved out of the requirements).
type ResourceInfo struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
}

// Requirements is one v2 payment option (`accepts[i]`, and `accepted` in a payload).
type Requirements struct {
	Scheme            string          `json:"scheme"`
	Network           string          `json:"network"` // CAIP-2, e.g. eip155:8453
	Amount            string          `json:"amount"`  // atomic units, decimal string
	Asset             string          `json:"asset"`
	PayTo             string          `json:"payTo"`
	MaxTimeoutSeconds int64           `json:"maxTimeoutSeconds"`
	Extra             json.RawMessage `json:"extra,omitempty"` // EIP-712 {name, version}
}

// PaymentRequired is the v2 402 object carried base64-encoded in PAYMENT-REQUIRED.
type PaymentRequired struct {
	X402Version int                        `json:"x402Version"`
	Error       string                     `json:"error,omitempty"`
	Resource    ResourceInfo               `json:"resource"`
	Accepts     []Requirements             `json:"accepts"`
	Extensions  map[string]json.RawMessage `json:"extensions,omitempty"`
}

// RequirementsV1 is one v1 payment option, as the v1 402 body lists it.
type RequirementsV1 struct {
	Scheme            string          `json:"scheme"`
	Network           string          `json:"network"`           // v1 name, e.g. base-sepolia
	MaxAmountRequired string          `json:"maxAmountRequired"` // atomic units
	Resource          string          `json:"resource"`
	Description       string          `json:"description"`
	MimeType          string          `json:"mimeType"`
	OutputSchema      json.RawMessage `json:"outputSchema,omitempty"`
	PayTo             string          `json:"payTo"`
	MaxTimeoutSeconds int64           `json:"maxTimeoutSeconds"`
	Asset             string          `json:"asset"`
	Extra             json.RawMessage `json:"extra,omitempty"`
}

// PaymentRequiredV1 is the v1 402 body (PaymentRequirementsResponse).
type PaymentRequiredV1 struct {
	X402Version int              `json:"x402Version"`
	Error       string           `json:"error,omitempty"`
	Accepts     []RequirementsV1 `json:"accepts"`
}

// Authorization is the EIP-3009 TransferWithAuthorization message. Numbers are decimal
// strings and the nonce is 0x-prefixed 32-byte hex, as on the wire.
type Authorization struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Value       string `json:"value"`
	ValidAfter  string `json:"validAfter"`
	ValidBefore string `json:"validBefore"`
	Nonce       string `json:"nonce"`
}

// ExactEVMPayload is the scheme-specific payload of the exact scheme with EIP-3009.
type ExactEVMPayload struct {
	Signature     string        `json:"signature"`
	Authorization Authorization `json:"authorization"`
}

// PaymentPayload is what a client sends, base64-encoded, in PAYMENT-SIGNATURE (v2) or
// X-PAYMENT (v1). v2 names the chosen option in Accepted; v1 names scheme and network
// at the top level instead.
type PaymentPayload struct {
	X402Version int                        `json:"x402Version"`
	Resource    *ResourceInfo              `json:"resource,omitempty"` // v2
	Accepted    *Requirements              `json:"accepted,omitempty"` // v2
	Scheme      string                     `json:"scheme,omitempty"`   // v1
	Network     string                     `json:"network,omitempty"`  // v1
	Payload     ExactEVMPayload            `json:"payload"`
	Extensions  map[string]json.RawMessage `json:"extensions,omitempty"` // v2
}

// VerifyRequest is the body of POST {facilitator}/verify and /settle. The requirements
// are the server's own copy (v2 Requirements or RequirementsV1), never the client's.
type VerifyRequest struct {
	X402Version         int             `json:"x402Version"`
	PaymentPayload      json.RawMessage `json:"paymentPayload"`
	PaymentRequirements json.RawMessage `json:"paymentRequirements"`
}

// VerifyResponse is the facilitator's answer to /verify.
type VerifyResponse struct {
	IsValid        bool   `json:"isValid"`
	InvalidReason  string `json:"invalidReason,omitempty"`
	InvalidMessage string `json:"invalidMessage,omitempty"`
	Payer          string `json:"payer,omitempty"`
	// Extensions: extension name -> answer (ExtensionClaim -> ClaimInfo).
	Extensions map[string]json.RawMessage `json:"extensions,omitempty"`
}

// SettleResponse is the facilitator's answer to /settle, and the receipt the gate
// returns in PAYMENT-RESPONSE / X-PAYMENT-RESPONSE.
type SettleResponse struct {
	Success      bool   `json:"success"`
	ErrorReason  string `json:"errorReason,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	Payer        string `json:"payer,omitempty"`
	Transaction  string `json:"transaction"`
	Network      string `json:"network"`
	Amount       string `json:"amount,omitempty"`
	// Extensions: extension name -> answer (ExtensionClaim -> ClaimInfo).
	Extensions map[string]json.RawMessage `json:"extensions,omitempty"`
}

// SupportedKind is one (version, scheme, network) a facilitator serves.
type SupportedKind struct {
	X402Version int             `json:"x402Version"`
	Scheme      string          `json:"scheme"`
	Network     string          `json:"network"`
	Extra       json.RawMessage `json:"extra,omitempty"`
}

// SupportedResponse is the facilitator's answer to GET /supported.
type SupportedResponse struct {
	Kinds      []SupportedKind     `json:"kinds"`
	Extensions []string            `json:"extensions,omitempty"`
	Signers    map[string][]string `json:"signers,omitempty"`
}

// EIP712Extra is the `extra` of exact-EVM requirements: the token's EIP-712 domain,
// and how the amount was derived when the seller priced in token units or per
// million tokens.
type EIP712Extra struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Pricing *Pricing `json:"pricing,omitempty"`
}
