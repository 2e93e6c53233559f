// Package routes is the routes document: the one JSON contract between the controller,
// which writes it into a ConfigMap, and the gate, which serves from it. It holds every
// live offer with its paths and accepted payments — public data only, no keys and no
// upstream credentials.
//
// The controller imports these types to render the document, so the keys it writes
// and the keys the gate reads have one source. Standard library only (Yaegi runs it).
package routes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/cors"
	"github.com/turnpike-x402/turnpike/x402"
)

// Schema names the document format. A gate refuses documents of any other schema and
// keeps serving the last good one, so a newer controller can never half-configure an
// older gate.
const Schema = "turnpike.x402.dev/routes/v1"

// DataKey is the ConfigMap key (and file name in a directory mount) holding the document.
const DataKey = "routes.json"

// MaxDocumentBytes bounds a document; a ConfigMap cannot exceed 1 MiB anyway.
const MaxDocumentBytes = 1 << 20

// Offer states.
const (
	StateActive   = "active"
	StateDraining = "draining"
)

// Settlement modes: after the upstream answered (buffered, the default), or before the
// upstream is called (streams; the buyer pays even if the upstream then fails).
const (
	SettleAfter  = "after"
	SettleBefore = "before"
)

// Offer types. The gate treats them alike except that a JSON request to an inference
// offer asking for a stream (`"stream": true`, as OpenAI-style clients send it) is
// settled before the upstream is called, like `Accept: text/event-stream`.
const (
	TypeHTTP      = "http"
	TypeInference = "inference"
	TypeAgent     = "agent"
)

// Document is the whole routes document.
type Document struct {
	Schema string `json:"schema"`
	// Generation increases on every change the controller writes; the gate exports it
	// so operators can see which version each replica serves.
	Generation int64   `json:"generation"`
	Offers     []Offer `json:"offers"`
}

// Offer is one ServiceOffer as the gate needs it.
type Offer struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	State     string `json:"state"`
	// DrainEndsAt (RFC 3339) is set while draining: the offer stays payable until then.
	DrainEndsAt string `json:"drainEndsAt,omitempty"`
	// PathPrefix is the prefix the offer owns. A request under it that matches no path
	// rule is refused (403), never passed through.
	PathPrefix  string `json:"pathPrefix"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
	// Settlement is the offer's default mode ("after" when empty).
	Settlement string `json:"settlement,omitempty"`
	// Type is what the offer sells: TypeHTTP (when empty), TypeInference or
	// TypeAgent.
	Type string `json:"type,omitempty"`
	// Payments are the accepted payment options, in the order they are offered.
	Payments []Payment `json:"payments"`
	// Paths are matched in order, first match wins. An offer with no paths charges
	// every request under PathPrefix with Payments.
	Paths []PathRule `json:"paths,omitempty"`
	// CORS decides which web origins may read the offer's answers; nil: any origin.
	CORS *CORS `json:"cors,omitempty"`
}

// CORS is an offer's cross-origin policy (see plugin/cors). Credentials are never
// allowed, whatever it says.
type CORS struct {
	// AllowOrigins lists the origins ("https://app.example.com") whose pages may
	// read the answers; empty or ["*"]: any origin.
	AllowOrigins []string `json:"allowOrigins,omitempty"`
	// MaxAgeSeconds is how long a browser may cache a preflight; 0: 600.
	MaxAgeSeconds int `json:"maxAgeSeconds,omitempty"`
}

// Payment is one accepted payment option (an x402 `accepts` entry) plus display data.
type Payment struct {
	Scheme            string `json:"scheme"`
	Network           string `json:"network"` // CAIP-2
	Amount            string `json:"amount"`  // atomic units
	Asset             string `json:"asset"`
	PayTo             string `json:"payTo"`
	MaxTimeoutSeconds int64  `json:"maxTimeoutSeconds"`
	// EIP712Name and EIP712Version are the token's domain, sent as `extra`.
	EIP712Name    string `json:"eip712Name"`
	EIP712Version string `json:"eip712Version"`
	// Display data.
	AssetSymbol   string `json:"assetSymbol,omitempty"`
	AssetDecimals int    `json:"assetDecimals"`
	// Pricing says how Amount was derived (a decimal price, or a price per million
	// tokens); the gate sends it in the requirement's extra. Nil: the seller wrote
	// the atomic amount.
	Pricing *x402.Pricing `json:"pricing,omitempty"`
}

// PathRule prices one path pattern.
//
// Patterns: "/exact", "/prefix/*" (the prefix itself and everything below it) and "*"
// as a whole segment matching exactly one segment ("/v1/*/items").
type PathRule struct {
	Pattern string   `json:"pattern"`
	Methods []string `json:"methods,omitempty"` // empty: every method
	Free    bool     `json:"free,omitempty"`
	// Payments, when set, replace the offer's payment options for this path (a
	// different price).
	Payments   []Payment `json:"payments,omitempty"`
	Settlement string    `json:"settlement,omitempty"`
	// Description and MimeType override the offer's for this path.
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
}

// Key returns "namespace/name", the identity a gate instance is configured with.
func (o Offer) Key() string { return o.Namespace + "/" + o.Name }

// ErrInvalid marks a document the gate must refuse.
var ErrInvalid = errors.New("invalid routes document")

// Parse decodes and validates a document. A key this gate does not know refuses the
// whole document (x402.ReasonRoutesUnknownKey): a typo in a hand-written document, or
// a controller newer than the gate; serving it would ignore what the key asked for.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrInvalid, len(data), MaxDocumentBytes)
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		// encoding/json names the field in a fixed form; anything else is a syntax or
		// type error and keeps its own text.
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fmt.Errorf("%w: %s: unknown key %s: this gate does not know it (misspelt, or written by a newer controller)", ErrInvalid, x402.ReasonRoutesUnknownKey, key)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON document", ErrInvalid)
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return &doc, nil
}

// Validate checks everything the gate relies on, and reports every problem at once so
// a person can fix the document in one pass.
func (d *Document) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if d.Schema != Schema {
		add("schema is %q, this gate understands %q", d.Schema, Schema)
	}
	if d.Generation < 0 {
		add("generation %d is negative", d.Generation)
	}
	seen := map[string]bool{}
	for i := range d.Offers {
		o := &d.Offers[i]
		where := fmt.Sprintf("offers[%d] (%s)", i, o.Key())
		if o.Namespace == "" || o.Name == "" {
			add("%s: namespace and name are required", where)
		}
		if seen[o.Key()] {
			add("%s: duplicate offer", where)
		}
		seen[o.Key()] = true
		switch o.State {
		case StateActive:
		case StateDraining:
			if _, err := time.Parse(time.RFC3339, o.DrainEndsAt); err != nil {
				add("%s: draining offer needs drainEndsAt in RFC 3339: %v", where, err)
			}
		default:
			add("%s: state %q is not %q or %q", where, o.State, StateActive, StateDraining)
		}
		if !strings.HasPrefix(o.PathPrefix, "/") {
			add("%s: pathPrefix %q must start with /", where, o.PathPrefix)
		}
		checkSettlement(add, where, o.Settlement)
		switch o.Type {
		case "", TypeHTTP, TypeInference, TypeAgent:
		default:
			add("%s: type %q is not %q, %q or %q", where, o.Type, TypeHTTP, TypeInference, TypeAgent)
		}
		if o.CORS != nil {
			if _, err := cors.Compile(o.CORS.AllowOrigins, o.CORS.MaxAgeSeconds); err != nil {
				add("%s: %v", where, err)
			}
		}
		if len(o.Payments) == 0 {
			add("%s: at least one payment option is required", where)
		}
		for j := range o.Payments {
			checkPayment(add, fmt.Sprintf("%s.payments[%d]", where, j), o.Payments[j])
		}
		for j := range o.Paths {
			p := &o.Paths[j]
			pw := fmt.Sprintf("%s.paths[%d] %q", where, j, p.Pattern)
			if !strings.HasPrefix(p.Pattern, "/") {
				add("%s: pattern must start with /", pw)
			}
			if strings.Contains(strings.TrimSuffix(p.Pattern, "/*"), "**") {
				add("%s: ** is not a pattern", pw)
			}
			checkSettlement(add, pw, p.Settlement)
			for k := range p.Payments {
				checkPayment(add, fmt.Sprintf("%s.payments[%d]", pw, k), p.Payments[k])
			}
			if p.Free && len(p.Payments) > 0 {
				add("%s: a free path cannot also carry payments", pw)
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

func checkSettlement(add func(string, ...any), where, s string) {
	if s != "" && s != SettleAfter && s != SettleBefore {
		add("%s: settlement %q is not %q or %q", where, s, SettleAfter, SettleBefore)
	}
}

func checkPayment(add func(string, ...any), where string, p Payment) {
	if p.Scheme != x402.SchemeExact {
		add("%s: scheme %q is not supported (only %q)", where, p.Scheme, x402.SchemeExact)
	}
	if !strings.HasPrefix(p.Network, "eip155:") {
		add("%s: network %q must be CAIP-2 eip155:<chainId>", where, p.Network)
	} else if _, err := x402.ChainID(p.Network); err != nil {
		add("%s: %v", where, err)
	}
	if n, err := x402.ParseAtomic(p.Amount); err != nil {
		add("%s: amount: %v", where, err)
	} else if n.Sign() == 0 {
		add("%s: amount is zero; use a free path instead", where)
	}
	if !isAddress(p.Asset) {
		add("%s: asset %q is not a 0x-prefixed 20-byte address", where, p.Asset)
	}
	if !isAddress(p.PayTo) {
		add("%s: payTo %q is not a 0x-prefixed 20-byte address", where, p.PayTo)
	}
	if p.MaxTimeoutSeconds <= 0 {
		add("%s: maxTimeoutSeconds must be positive", where)
	}
	if p.EIP712Name == "" || p.EIP712Version == "" {
		add("%s: eip712Name and eip712Version are required (the token's EIP-712 domain)", where)
	}
	if p.AssetDecimals < 0 || p.AssetDecimals > 36 {
		add("%s: assetDecimals %d out of range", where, p.AssetDecimals)
	}
	if pr := p.Pricing; pr != nil && pr.Model != x402.PricingPerRequest && pr.Model != x402.PricingPerMTok {
		add("%s: pricing model %q is not %q or %q", where, pr.Model, x402.PricingPerRequest, x402.PricingPerMTok)
	}
}

func isAddress(s string) bool {
	if len(s) != 42 || !strings.HasPrefix(s, "0x") {
		return false
	}
	return strings.Trim(s[2:], "0123456789abcdefABCDEF") == ""
}
