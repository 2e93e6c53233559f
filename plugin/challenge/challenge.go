// Package challenge prepares the gate's answers to unpaid and refused requests when an
// offer compiles (on its first request after a routes document loads): per set of
// payment options, the v2 PAYMENT-REQUIRED JSON and the v1 body are rendered once (the
// browser paywall on its first use) around a hole for the resource
// URL, so a request only splices its URL in with a few stdlib calls (loops written in
// the plugin run ~170x slower under Yaegi). It also holds the options the payment
// flow matches against. Standard library and x402/ only.
package challenge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// Canonical header keys (header maps are indexed directly: cheaper under Yaegi).
const (
	hkPaymentRequired = "Payment-Required"
	hkContentType     = "Content-Type"
	hkCacheControl    = "Cache-Control"
)

// Set is one set of accepted payment options with everything needed to answer.
type Set struct {
	Options []*Option
	// ByJSON finds an option by the JSON encoding of its requirement.
	ByJSON map[string]*Option
	// v2 PAYMENT-REQUIRED JSON split around its two variable parts:
	// v2Head + quoted error + v2Mid + quoted URL + v2Tail; v2PlainHead already holds
	// the error of an unpaid request.
	v2Head, v2Mid, v2Tail, v2PlainHead []byte
	// v1 accepts array split at each resource URL (joined with the quoted URL);
	// v1Plain is the whole unpaid body split the same way.
	v1Accepts, v1Plain [][]byte
	// v2Plain is the unpaid PAYMENT-REQUIRED JSON split at the quoted URL, by the
	// quoted URL's length mod 3: the head padded with JSON spaces before the URL to a
	// multiple of 3 bytes, and the tail with the spaces after it that end the URL on
	// a multiple of 3 too (so the header is the same bytes as base64 of the three
	// parts encoded apart, which is how it was first built). The body is v1Plain
	// joined with the quoted URL.
	v2Plain [3][][]byte
	// page is the HTML paywall, rendered on first use (paywall.go).
	page *paywall
	// Summary is a display line for humans ("0.01 USDC on eip155:84532").
	Summary string
}

// Option is one accepted payment requirement.
type Option struct {
	Req      x402.Requirements // v2, compared field by field with `accepted`
	Extra    map[string]any    // decoded extra, for a key-order-independent compare
	V1       x402.RequirementsV1
	V1Name   string // "" when v1 has no name for the network
	Amount   *big.Int
	Decimals int
	Series   *metrics.Series
	// RequestTail ends a v2 facilitator request for this option: the server's own copy
	// of the requirement and the closing brace (see RequestHeadV2).
	RequestTail string
}

// RequestHeadV2 starts a v2 facilitator request (verify and settle take the same
// body): RequestHeadV2 + the payment payload's JSON + Option.RequestTail. Spliced
// instead of marshalled, which would also re-compact the client's payload.
const RequestHeadV2 = `{"x402Version":2,"paymentPayload":`

const (
	urlSlot = "TURNPIKE_SLOT_URL_7d1f"
	errSlot = "TURNPIKE_SLOT_ERR_7d1f"
	hdrSlot = "TURNPIKE_SLOT_HDR_7d1f"
)

// ErrorNoPaymentV2 is the `error` of the v2 challenge to an unpaid request.
const ErrorNoPaymentV2 = "PAYMENT-SIGNATURE header is required"

// Refusal is the JSON of a 402 answer (the v1 body, whose shape the x402 wire format
// fixes): Error is x402's `error` (the x402 reason, usually the facilitator's code, or
// the official servers' title for an unpaid request), Reason the gate's stable code
// from the x402 vocabulary, Message what to do. Every other refusal is an
// x402.ErrorBody, whose `error` repeats the code. Exported fields only (Yaegi marshals
// unexported ones with an X prefix).
type Refusal struct {
	Error   string `json:"error"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// Precomputed pieces of the plain "pay first" challenge.
var (
	plainErrQ     = mustJSON(ErrorNoPaymentV2)
	plainBodyHead = func() []byte {
		b := mustJSON(Refusal{Error: "X-PAYMENT header is required", Reason: x402.ReasonPaymentRequired,
			Message: "this resource is paid: sign one of `accepts` and repeat the request with PAYMENT-SIGNATURE (x402 v2, requirements in the PAYMENT-REQUIRED header) or X-PAYMENT (x402 v1)"})
		return append(append([]byte(`{"x402Version":1,`), b[1:len(b)-1]...), []byte(`,"accepts":`)...)
	}()
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// WriteRefusal answers a refused payment with status, the reason in the JSON body and
// the challenge again (header and v1 accepts), so the client can retry.
func WriteRefusal(rw http.ResponseWriter, ps *Set, resURL string, status int, eb Refusal) {
	urlQ, _ := json.Marshal(resURL)
	errQ, _ := json.Marshal(eb.Error)
	b, _ := json.Marshal(eb)
	v2 := bytes.Join([][]byte{ps.v2Head, errQ, ps.v2Mid, urlQ, ps.v2Tail}, nil)
	body := bytes.Join([][]byte{[]byte(`{"x402Version":1,`), b[1 : len(b)-1], []byte(`,"accepts":`), bytes.Join(ps.v1Accepts, urlQ), []byte("}\n")}, nil)
	h := rw.Header()
	h[hkPaymentRequired] = []string{base64.StdEncoding.EncodeToString(v2)}
	h[hkContentType] = []string{"application/json"}
	h[hkCacheControl] = []string{"no-store"}
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}

// Render splices the URL into the precomputed unpaid challenge in four stdlib calls
// and no other statement: json.Marshal escapes it, one bytes.Join makes the body,
// one joins the header's JSON (the parts chosen by the quoted URL's length carry the
// padding) and one base64 call encodes it. Under Yaegi each statement and each
// intermediate value allocates, and a long URL's copies drive the garbage collector:
// encoding the URL apart and concatenating it with base64 parts made at load time
// took 6 allocations more and about 3.3 KB more per 2,000-character URL (Yaegi
// concatenates a+b+c pairwise, copying the URL's base64 twice more, and the padding
// was an append of its own); encoding the whole JSON costs its ~500 bytes of
// options again, a few hundred bytes on a short URL.
func Render(ps *Set, u string) *Answer {
	q, _ := json.Marshal(u)
	return &Answer{Header: []string{base64.StdEncoding.EncodeToString(bytes.Join(ps.v2Plain[len(q)%3], q))}, Body: bytes.Join(ps.v1Plain, q)}
}

// Answer is a finished unpaid answer for one resource URL (read-only once made: the
// slices may be shared by every response that uses it).
type Answer struct {
	Header []string // the PAYMENT-REQUIRED value
	Body   []byte
	// Target is the length of the request-target it was rendered for, set by the
	// gate's challenge cache (see plugin/gate.go fastChallenge).
	Target int
}

// Compile prepares the answers for one set of payment options of an offer, with the
// description and MIME type of the route, and the metrics series of each option.
func Compile(src *routes.Offer, pays []routes.Payment, desc, mime string, m *metrics.Registry) (*Set, error) {
	if mime == "" {
		mime = "application/json"
	}
	ps := &Set{}
	v2 := x402.PaymentRequired{
		X402Version: x402.V2,
		Error:       errSlot,
		Resource:    x402.ResourceInfo{URL: urlSlot, Description: desc, MimeType: mime},
		Accepts:     []x402.Requirements{},
	}
	var v1 []x402.RequirementsV1
	var lines []string
	for k := range pays {
		p := pays[k]
		extra, err := json.Marshal(x402.EIP712Extra{Name: p.EIP712Name, Version: p.EIP712Version, Pricing: p.Pricing})
		if err != nil {
			return nil, err
		}
		var extraMap map[string]any
		if err := json.Unmarshal(extra, &extraMap); err != nil {
			return nil, err
		}
		amount, err := x402.ParseAtomic(p.Amount)
		if err != nil {
			return nil, err
		}
		req := x402.Requirements{
			Scheme:            p.Scheme,
			Network:           p.Network,
			Amount:            amount.String(),
			Asset:             p.Asset,
			PayTo:             p.PayTo,
			MaxTimeoutSeconds: p.MaxTimeoutSeconds,
			Extra:             extra,
		}
		opt := &Option{Req: req, Extra: extraMap, Amount: amount, Decimals: p.AssetDecimals}
		opt.Series = m.Series(src.Namespace, src.Name, p.Network, p.AssetSymbol)
		if name, ok := x402.V1Name(p.Network); ok {
			opt.V1Name = name
			opt.V1 = x402.RequirementsV1{
				Scheme:            p.Scheme,
				Network:           name,
				MaxAmountRequired: req.Amount,
				Resource:          urlSlot,
				Description:       desc,
				MimeType:          mime,
				PayTo:             p.PayTo,
				MaxTimeoutSeconds: p.MaxTimeoutSeconds,
				Asset:             p.Asset,
				Extra:             extra,
			}
			v1 = append(v1, opt.V1)
		}
		ps.Options = append(ps.Options, opt)
		v2.Accepts = append(v2.Accepts, req)
		sym := p.AssetSymbol
		if sym == "" {
			sym = p.Asset
		}
		lines = append(lines, x402.FormatUnits(amount, p.AssetDecimals)+" "+sym+" on "+p.Network)
	}
	if len(ps.Options) == 0 {
		return nil, fmt.Errorf("no payment options")
	}
	ps.Summary = strings.Join(lines, " or ")
	ps.ByJSON = make(map[string]*Option, len(ps.Options))
	for _, o := range ps.Options {
		// Through the pointer: Yaegi can encode an interpreted struct value passed
		// as `any` as "{}".
		k, err := json.Marshal(&o.Req)
		if err != nil {
			return nil, err
		}
		o.RequestTail = `,"paymentRequirements":` + string(k) + "}"
		if _, dup := ps.ByJSON[string(k)]; !dup {
			ps.ByJSON[string(k)] = o
		}
	}

	raw, err := json.Marshal(v2)
	if err != nil {
		return nil, err
	}
	parts := bytes.Split(raw, []byte(strconv.Quote(errSlot)))
	if len(parts) != 2 {
		return nil, fmt.Errorf("challenge template: error slot appears %d times", len(parts)-1)
	}
	rest := bytes.Split(parts[1], []byte(strconv.Quote(urlSlot)))
	if len(rest) != 2 {
		return nil, fmt.Errorf("challenge template: URL slot appears %d times", len(rest)-1)
	}
	ps.v2Head, ps.v2Mid, ps.v2Tail = parts[0], rest[0], rest[1]

	if v1 == nil {
		v1 = []x402.RequirementsV1{}
	}
	raw, err = json.Marshal(v1)
	if err != nil {
		return nil, err
	}
	ps.v1Accepts = bytes.Split(raw, []byte(strconv.Quote(urlSlot)))
	ps.v2PlainHead = bytes.Join([][]byte{ps.v2Head, plainErrQ, ps.v2Mid}, nil)
	ps.v1Plain = make([][]byte, len(ps.v1Accepts))
	copy(ps.v1Plain, ps.v1Accepts)
	last := len(ps.v1Plain) - 1
	ps.v1Plain[0] = bytes.Join([][]byte{plainBodyHead, ps.v1Plain[0]}, nil)
	ps.v1Plain[last] = bytes.Join([][]byte{ps.v1Plain[last], []byte("}\n")}, nil)

	// JSON whitespace before the URL value aligns the head on 3 bytes, and after it
	// the URL's end (see v2Plain).
	head := append([]byte{}, ps.v2PlainHead...)
	for len(head)%3 != 0 {
		head = append(head, ' ')
	}
	for r := 0; r < 3; r++ {
		pad := bytes.Repeat([]byte(" "), (3-r)%3)
		ps.v2Plain[r] = [][]byte{head, append(pad, ps.v2Tail...)}
	}

	ps.page = &paywall{src: *src, desc: desc}
	return ps, nil
}
