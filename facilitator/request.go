package facilitator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Rejection is a refused payment: a stable reason code from the x402 reason sets and a
// message for people. It is an error so checks can return it through ordinary paths.
type Rejection struct {
	Reason  string
	Message string
}

func (r *Rejection) Error() string { return r.Reason + ": " + r.Message }

func reject(reason, format string, args ...any) *Rejection {
	return &Rejection{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// payment is one decoded /verify or /settle request, normalised across v1 and v2.
// Requirements are the resource server's copy; the payer's side (v2 `accepted`, v1
// top-level scheme/network) is only compared against them.
type payment struct {
	Version int
	// Requirements (server side).
	Scheme     string
	Network    string // as the server wrote it (v1 name or CAIP-2); echoed in answers
	ChainID    *big.Int
	Amount     *big.Int
	Asset      common.Address
	PayTo      common.Address
	Extra      x402.EIP712Extra
	HasDomain  bool
	MaxTimeout int64
	// Payload (payer side).
	Auth      eip3009.Authorization
	Signature []byte
	Payer     string // authorization.from as sent, for answers even when rejected
}

// requirementsDTO decodes both generations of requirements in one pass: v1 names the
// amount maxAmountRequired, v2 names it amount.
type requirementsDTO struct {
	Scheme            string          `json:"scheme"`
	Network           string          `json:"network"`
	Amount            string          `json:"amount"`
	MaxAmountRequired string          `json:"maxAmountRequired"`
	Asset             string          `json:"asset"`
	PayTo             string          `json:"payTo"`
	MaxTimeoutSeconds int64           `json:"maxTimeoutSeconds"`
	Extra             json.RawMessage `json:"extra"`
}

// maxRequestBytes bounds a /verify or /settle body; real ones are about 1.5 KiB.
const maxRequestBytes = 64 << 10

// decodeRequest parses a request body. chainOK reports whether this facilitator
// serves a chain id. The order of checks follows the official exact-EVM facilitator,
// so the first reason reported matches what its clients expect.
func decodeRequest(body []byte, chainOK func(*big.Int) bool) (*payment, *Rejection) {
	var req x402.VerifyRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return nil, reject(x402.ReasonInvalidPayload, "request body is not a JSON verify/settle request: %v", err)
	}
	if len(req.PaymentPayload) == 0 || bytes.Equal(req.PaymentPayload, []byte("null")) {
		return nil, reject(x402.ReasonInvalidPayload, "paymentPayload is missing")
	}
	if len(req.PaymentRequirements) == 0 || bytes.Equal(req.PaymentRequirements, []byte("null")) {
		return nil, reject(x402.ReasonInvalidRequirements, "paymentRequirements is missing")
	}
	var pp x402.PaymentPayload
	if err := json.Unmarshal(req.PaymentPayload, &pp); err != nil {
		return nil, reject(x402.ReasonInvalidPayload, "paymentPayload: %v", err)
	}
	var rq requirementsDTO
	if err := json.Unmarshal(req.PaymentRequirements, &rq); err != nil {
		return nil, reject(x402.ReasonInvalidRequirements, "paymentRequirements: %v", err)
	}
	p := &payment{Version: pp.X402Version, Payer: pp.Payload.Authorization.From}
	if p.Version != x402.V1 && p.Version != x402.V2 {
		return p, reject(x402.ReasonInvalidVersion, "x402Version %d is not 1 or 2", pp.X402Version)
	}
	if req.X402Version != 0 && req.X402Version != p.Version {
		return p, reject(x402.ReasonInvalidVersion, "request x402Version %d differs from the payload's %d", req.X402Version, p.Version)
	}

	// Requirements: the server's terms.
	p.Scheme, p.Network, p.MaxTimeout = rq.Scheme, rq.Network, rq.MaxTimeoutSeconds
	if rq.Scheme != x402.SchemeExact {
		return p, reject(x402.ReasonUnsupportedScheme, "scheme %q is not served (only %q)", rq.Scheme, x402.SchemeExact)
	}
	id, err := x402.ChainID(rq.Network)
	if err != nil {
		return p, reject(x402.ReasonInvalidNetwork, "%v", err)
	}
	p.ChainID = big.NewInt(id)
	if !chainOK(p.ChainID) {
		return p, reject(x402.ReasonInvalidNetwork, "network %q (chain %d) is not served by this facilitator", rq.Network, id)
	}
	amount := rq.Amount
	if p.Version == x402.V1 {
		amount = rq.MaxAmountRequired
	}
	if p.Amount, err = eip3009.ParseUint("amount", amount); err != nil {
		return p, reject(x402.ReasonInvalidRequirements, "%v", err)
	}
	if p.Asset, err = eip3009.ParseAddress("asset", rq.Asset); err != nil {
		return p, reject(x402.ReasonInvalidRequirements, "%v", err)
	}
	if p.PayTo, err = eip3009.ParseAddress("payTo", rq.PayTo); err != nil {
		return p, reject(x402.ReasonInvalidRequirements, "%v", err)
	}
	if len(rq.Extra) > 0 && !bytes.Equal(rq.Extra, []byte("null")) {
		if err := json.Unmarshal(rq.Extra, &p.Extra); err != nil {
			return p, reject(x402.ReasonInvalidRequirements, "extra: %v", err)
		}
	}
	p.HasDomain = p.Extra.Name != "" && p.Extra.Version != ""

	// The payer's side must name the same scheme, network and asset.
	payScheme, payNetwork, payAsset := pp.Scheme, pp.Network, ""
	if p.Version == x402.V2 {
		if pp.Accepted == nil {
			return p, reject(x402.ReasonInvalidPayload, "v2 payload has no accepted requirements")
		}
		payScheme, payNetwork, payAsset = pp.Accepted.Scheme, pp.Accepted.Network, pp.Accepted.Asset
	}
	if payScheme != rq.Scheme {
		return p, reject(x402.ReasonEVMScheme, "payload scheme %q differs from the requirements' %q", payScheme, rq.Scheme)
	}
	if pid, err := x402.ChainID(payNetwork); err != nil || pid != id {
		return p, reject(x402.ReasonEVMNetworkMismatch, "payload network %q differs from the requirements' %q", payNetwork, rq.Network)
	}
	if payAsset != "" && !sameAddress(payAsset, p.Asset) {
		return p, reject(x402.ReasonEVMPayload, "accepted asset %s differs from the requirements' %s", payAsset, p.Asset.Hex())
	}
	if !p.HasDomain {
		return p, reject(x402.ReasonEVMMissingDomain, "requirements extra must carry the token's EIP-712 name and version")
	}
	if pp.Payload.Signature == "" {
		return p, reject(x402.ReasonEVMMissingSignature, "payload has no signature")
	}
	if p.Signature, err = eip3009.ParseSignature(pp.Payload.Signature); err != nil {
		return p, reject(x402.ReasonEVMSignatureFormat, "%v", err)
	}
	if p.Auth, err = eip3009.FromWire(pp.Payload.Authorization); err != nil {
		return p, reject(x402.ReasonEVMPayload, "authorization: %v", err)
	}
	p.Payer = p.Auth.From.Hex()
	return p, nil
}

func sameAddress(s string, a common.Address) bool {
	b, err := eip3009.ParseAddress("address", s)
	return err == nil && b == a
}

func (p *payment) domain() eip3009.Domain {
	return eip3009.Domain{Name: p.Extra.Name, Version: p.Extra.Version, ChainID: p.ChainID, VerifyingContract: p.Asset}
}

// storeKey identifies an authorization on chain as a claim-store key: the token
// keeps one used-bit per (authorizer, nonce), so this is also the unit of settlement
// idempotency.
func (p *payment) storeKey() string {
	return p.ChainID.String() + "/" + p.Asset.Hex() + "/" + p.Auth.From.Hex() + "/" + p.Auth.Nonce.Hex()
}

// digestHex is the authorization's EIP-712 digest: what distinguishes two
// authorizations that share a nonce.
func (p *payment) digestHex() string {
	return eip3009.Digest(p.domain(), eip3009.Transfer, p.Auth).Hex()
}
