// Package challenge reads a seller's 402 answer (v2 PAYMENT-REQUIRED header, or the v1
// JSON body) into payment offers, and builds the payment header of the seller's own
// protocol version for the offer the buyer picks.
package challenge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/x402"
)

// ErrNoChallenge: the 402 carried neither a v2 header nor a v1 body.
var ErrNoChallenge = errors.New("402 answer carries no x402 payment requirements")

// Challenge is a parsed 402.
type Challenge struct {
	Version int
	Error   string
	Offers  []auth.Offer

	// v2: kept verbatim, because the seller matches `accepted` by deep equality and
	// the client must echo the extensions it was given.
	accepts    []json.RawMessage
	resource   json.RawMessage
	extensions json.RawMessage
	// v1
	v1 []x402.RequirementsV1
}

type requiredV2 struct {
	X402Version int               `json:"x402Version"`
	Error       string            `json:"error"`
	Resource    json.RawMessage   `json:"resource"`
	Accepts     []json.RawMessage `json:"accepts"`
	Extensions  json.RawMessage   `json:"extensions"`
}

// Parse reads the challenge like the official clients do: the PAYMENT-REQUIRED header
// first (v2), else a JSON body with x402Version 1. A v2 object in the body alone is
// accepted too, since some gates put the same object there.
func Parse(h http.Header, body []byte) (*Challenge, error) {
	if v := h.Get(x402.HeaderPaymentRequired); v != "" {
		raw, err := x402.DecodeHeaderBytes(v, 64<<10)
		if err != nil {
			return nil, fmt.Errorf("PAYMENT-REQUIRED: %w", err)
		}
		return parseV2(raw)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, ErrNoChallenge
	}
	var probe struct {
		X402Version int `json:"x402Version"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, ErrNoChallenge
	}
	switch probe.X402Version {
	case x402.V1:
		return parseV1(body)
	case x402.V2:
		return parseV2(body)
	}
	return nil, ErrNoChallenge
}

func parseV2(raw []byte) (*Challenge, error) {
	var pr requiredV2
	if err := json.Unmarshal(raw, &pr); err != nil {
		return nil, fmt.Errorf("v2 payment requirements: %w", err)
	}
	if pr.X402Version != x402.V2 {
		return nil, fmt.Errorf("v2 payment requirements: x402Version is %d", pr.X402Version)
	}
	c := &Challenge{Version: x402.V2, Error: pr.Error, accepts: pr.Accepts, resource: pr.Resource, extensions: pr.Extensions}
	for _, a := range pr.Accepts {
		var r x402.Requirements
		if err := json.Unmarshal(a, &r); err != nil {
			c.Offers = append(c.Offers, auth.Offer{}) // keeps indexes aligned; never matches
			continue
		}
		c.Offers = append(c.Offers, offer(r.Scheme, r.Network, r.PayTo, r.Asset, r.Amount))
	}
	return c, nil
}

func parseV1(raw []byte) (*Challenge, error) {
	var pr x402.PaymentRequiredV1
	if err := json.Unmarshal(raw, &pr); err != nil {
		return nil, fmt.Errorf("v1 payment requirements: %w", err)
	}
	c := &Challenge{Version: x402.V1, Error: pr.Error, v1: pr.Accepts}
	for _, r := range pr.Accepts {
		c.Offers = append(c.Offers, offer(r.Scheme, r.Network, r.PayTo, r.Asset, r.MaxAmountRequired))
	}
	return c, nil
}

func offer(scheme, network, payTo, asset, amount string) auth.Offer {
	o := auth.Offer{Scheme: scheme, Network: network, PayTo: payTo, Asset: asset}
	if n, err := x402.CAIP2(network); err == nil {
		o.CAIP2 = n
	}
	if a, err := x402.ParseAtomic(amount); err == nil {
		o.Amount = a
	}
	return o
}

type payloadV2 struct {
	X402Version int                  `json:"x402Version"`
	Resource    json.RawMessage      `json:"resource,omitempty"`
	Accepted    json.RawMessage      `json:"accepted"`
	Payload     x402.ExactEVMPayload `json:"payload"`
	Extensions  json.RawMessage      `json:"extensions,omitempty"`
}

// Header returns the payment header (name, value) that pays offer i with a.
func (c *Challenge) Header(i int, a auth.Auth) (string, string, error) {
	if i < 0 || i >= len(c.Offers) {
		return "", "", fmt.Errorf("offer %d out of range", i)
	}
	p := x402.ExactEVMPayload{Signature: a.Signature, Authorization: a.Authorization}
	if c.Version == x402.V1 {
		r := c.v1[i]
		v, err := x402.EncodeHeader(x402.PaymentPayload{X402Version: x402.V1, Scheme: r.Scheme, Network: r.Network, Payload: p})
		return x402.HeaderXPayment, v, err
	}
	pl := payloadV2{X402Version: x402.V2, Accepted: c.accepts[i], Payload: p}
	if len(c.resource) > 0 && string(c.resource) != "null" {
		pl.Resource = c.resource
	}
	if len(c.extensions) > 0 && string(c.extensions) != "null" {
		pl.Extensions = c.extensions
	}
	v, err := x402.EncodeHeader(pl)
	return x402.HeaderPaymentSignature, v, err
}

// Accepts returns the v2 requirement i exactly as the seller sent it.
func (c *Challenge) Accepts(i int) (json.RawMessage, bool) {
	if c.Version != x402.V2 || i < 0 || i >= len(c.accepts) {
		return nil, false
	}
	return c.accepts[i], true
}

// V1 returns the v1 requirement i.
func (c *Challenge) V1(i int) (x402.RequirementsV1, bool) {
	if c.Version != x402.V1 || i < 0 || i >= len(c.v1) {
		return x402.RequirementsV1{}, false
	}
	return c.v1[i], true
}
