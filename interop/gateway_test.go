package interop_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestOfficialClientsPayGateway: the official buyers, @x402/fetch 2.27 (v2, with a
// viem account) and x402-fetch 1.2 (v1), pay `turnpike gateway` in front of a plain
// upstream; our facilitator settles on the dev chain. Each gets the upstream's body
// and a receipt in its generation's header, and exactly the price moves on chain.
func TestOfficialClientsPayGateway(t *testing.T) {
	w := newWorld(t)
	gw := w.gateway(t, w.ourFacilitator(t))
	clients := stageNode(t, clientModules(t), rootFile(t, "e2e", "clients", "pay.mjs"))

	for _, tc := range []struct{ desc, version string }{
		{desc: "v2 client @x402/fetch pays, receipt in PAYMENT-RESPONSE", version: "v2"},
		{desc: "v1 client x402-fetch pays, receipt in X-PAYMENT-RESPONSE", version: "v1"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			w.clientPays(t, clients, tc.version, gw, pathPrefix+"/report-"+tc.version)
		})
	}
}

// clientPays has the official client of version ("v1" or "v2") pay GET gw+path and
// checks everything a paid call must do: the upstream's body, the receipt in that
// generation's header only, the transfer on chain, exact balances, and one request
// at the upstream without payment headers but with the payer.
func (w *world) clientPays(t *testing.T, clients, version, gw, path string) {
	t.Helper()
	key := w.newBuyer(t, 1_000_000)
	buyer := crypto.PubkeyToAddress(key.PublicKey)
	before := w.snapshot(t, buyer)
	seen := len(w.up.requests())

	start := time.Now()
	res := pay(t, clients, version, gw+path, key, w.chain.RPCURL())
	t.Logf("%s client paid in %d ms (node process %s)", version, res.MS, time.Since(start).Round(time.Millisecond))

	if res.Status != http.StatusOK {
		t.Fatalf("status %d, body %s", res.Status, res.Body)
	}
	if want := upstreamBody(path); res.Body != want {
		t.Errorf("body %q, want the upstream's %q", res.Body, want)
	}
	receipt, other := res.PaymentResponse, res.XPaymentResponse
	if version == "v1" {
		receipt, other = other, receipt
	}
	if other != "" {
		t.Errorf("the other generation's receipt header is set too: %q", other)
	}
	var sr x402.SettleResponse
	if err := x402.DecodeHeader(receipt, 0, &sr); err != nil {
		t.Fatalf("receipt %q: %v", receipt, err)
	}
	if !sr.Success || !strings.EqualFold(sr.Payer, buyer.Hex()) {
		t.Errorf("receipt %+v, want success paid by %s", sr, buyer.Hex())
	}
	if n, err := x402.CAIP2(sr.Network); err != nil || n != w.info.Network {
		t.Errorf("receipt network %q (%v), want %s", sr.Network, err, w.info.Network)
	}
	w.transferred(t, sr.Transaction, buyer)
	w.moved(t, buyer, before, price)

	got := w.up.requests()[seen:]
	if len(got) != 1 {
		t.Fatalf("upstream saw %d requests for one paid call: %+v", len(got), got)
	}
	if got[0].path != path || got[0].withPayment || !strings.EqualFold(got[0].payer, buyer.Hex()) {
		t.Errorf("upstream saw %+v, want %s without payment headers, payer %s", got[0], path, buyer.Hex())
	}
}

// TestGatewayWithOfficialFacilitator: the gate delegates /verify and /settle to the
// official TypeScript facilitator (@x402/core x402Facilitator + @x402/evm
// ExactEvmScheme) on the dev chain, and is paid with our own EIP-3009 signer (and,
// with only the gate ours, by the official v2 client). A good payment is settled (200, receipt with the transaction, transfer on chain); payments
// the official facilitator refuses are answered 402 with the stable reason
// payment_invalid, the facilitator's reason in `error`, and nothing reaches the
// upstream or moves on chain.
func TestGatewayWithOfficialFacilitator(t *testing.T) {
	w := newWorld(t)
	gw := w.gateway(t, w.officialFacilitator(t))

	t.Run("our signer pays, the official facilitator settles", func(t *testing.T) {
		key := w.newBuyer(t, 1_000_000)
		buyer := crypto.PubkeyToAddress(key.PublicKey)
		before := w.snapshot(t, buyer)
		seen := len(w.up.requests())
		path := pathPrefix + "/official"

		start := time.Now()
		resp, body := get(t, gw+path, x402.HeaderPaymentSignature, sign(t, gw+path, key, nil))
		t.Logf("paid through the official facilitator in %s", time.Since(start).Round(time.Millisecond))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, body %s", resp.StatusCode, body)
		}
		if want := upstreamBody(path); body != want {
			t.Errorf("body %q, want the upstream's %q", body, want)
		}
		var sr x402.SettleResponse
		if err := x402.DecodeHeader(resp.Header.Get(x402.HeaderPaymentResponse), 0, &sr); err != nil {
			t.Fatalf("receipt %q: %v", resp.Header.Get(x402.HeaderPaymentResponse), err)
		}
		if !sr.Success || sr.Network != w.info.Network || !strings.EqualFold(sr.Payer, buyer.Hex()) {
			t.Errorf("receipt %+v, want success on %s paid by %s", sr, w.info.Network, buyer.Hex())
		}
		w.transferred(t, sr.Transaction, buyer)
		w.moved(t, buyer, before, price)
		if got := w.up.requests()[seen:]; len(got) != 1 || got[0].withPayment || !strings.EqualFold(got[0].payer, buyer.Hex()) {
			t.Errorf("upstream saw %+v, want one request without payment headers, payer %s", got, buyer.Hex())
		}
	})

	// Only the gate is ours here: official buyer, official facilitator.
	t.Run("official v2 client pays, the official facilitator settles", func(t *testing.T) {
		clients := stageNode(t, clientModules(t), rootFile(t, "e2e", "clients", "pay.mjs"))
		w.clientPays(t, clients, "v2", gw, pathPrefix+"/all-official")
	})

	// The authorization is spent on chain (by our facilitator, front-running) while
	// the upstream prepares its answer: the official facilitator's settle fails, so
	// the gate withholds the content and charges nothing more.
	t.Run("settlement fails: content withheld", func(t *testing.T) {
		ours, err := x402.NewFacilitatorClient(w.ourFacilitator(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		key := w.newBuyer(t, 1_000_000)
		buyer := crypto.PubkeyToAddress(key.PublicKey)
		before := w.snapshot(t, buyer)
		seen := len(w.up.requests())
		path := pathPrefix + "/spent"
		header, p := signPayload(t, gw+path, key, nil)
		pb, _ := json.Marshal(p)
		rb, _ := json.Marshal(p.Accepted)
		spent := make(chan x402.SettleResponse, 1)
		w.up.onRequest(path, func() {
			s, err := ours.Settle(context.Background(), x402.VerifyRequest{X402Version: x402.V2, PaymentPayload: pb, PaymentRequirements: rb})
			if err != nil {
				t.Errorf("front-running settle: %v", err)
			}
			spent <- s
		})

		resp, body := get(t, gw+path, x402.HeaderPaymentSignature, header)
		if resp.StatusCode != http.StatusPaymentRequired {
			t.Fatalf("status %d, want 402; body %s", resp.StatusCode, body)
		}
		if strings.Contains(body, "paid content") {
			t.Errorf("the upstream's content was served although settlement failed: %s", body)
		}
		var refusal struct{ Error, Reason, Message string }
		if err := json.Unmarshal([]byte(body), &refusal); err != nil {
			t.Fatalf("402 body %q: %v", body, err)
		}
		if refusal.Reason != "settlement_failed" {
			t.Errorf("reason %q, want settlement_failed; body %s", refusal.Reason, body)
		}
		t.Logf("official facilitator's settle said %s: %.120s", refusal.Error, refusal.Message)
		var sr x402.SettleResponse
		if err := x402.DecodeHeader(resp.Header.Get(x402.HeaderPaymentResponse), 0, &sr); err != nil {
			t.Fatalf("failed-settlement receipt %q: %v", resp.Header.Get(x402.HeaderPaymentResponse), err)
		}
		if sr.Success || sr.ErrorReason == "" || sr.ErrorReason != refusal.Error {
			t.Errorf("receipt %+v, want success=false with the reason %q", sr, refusal.Error)
		}
		if got := w.up.requests()[seen:]; len(got) != 1 {
			t.Errorf("upstream saw %d requests, want 1", len(got))
		}
		// Charged once, by the front-runner, not twice.
		front := <-spent
		if !front.Success {
			t.Fatalf("front-running settle failed: %+v", front)
		}
		w.transferred(t, front.Transaction, buyer)
		w.moved(t, buyer, before, price)
	})

	seller := w.chain.Account(devchain.RoleSeller).Key
	for _, tc := range []struct {
		desc  string
		payer func(t *testing.T) *ecdsa.PrivateKey
		// tamper changes the signed payload before it is sent.
		tamper func(p *x402.PaymentPayload)
		// reasons the official facilitator may give. Without Multicall3 on the dev
		// chain it cannot diagnose a failed simulation and says only that it failed.
		reasons []string
	}{
		{
			desc:    "payer without funds",
			payer:   func(t *testing.T) *ecdsa.PrivateKey { return w.newBuyer(t, 0) },
			reasons: []string{"invalid_exact_evm_insufficient_balance", "invalid_exact_evm_transaction_simulation_failed"},
		},
		{
			desc:  "signature is not the payer's",
			payer: func(t *testing.T) *ecdsa.PrivateKey { return w.newBuyer(t, 1_000_000) },
			// Claims to be from the (funded) seller; the gate cannot tell, only the
			// facilitator checks signatures.
			tamper: func(p *x402.PaymentPayload) {
				p.Payload.Authorization.From = crypto.PubkeyToAddress(seller.PublicKey).Hex()
			},
			reasons: []string{"invalid_exact_evm_signature"},
		},
	} {
		t.Run("refused: "+tc.desc, func(t *testing.T) {
			key := tc.payer(t)
			buyer := crypto.PubkeyToAddress(key.PublicKey)
			before := w.snapshot(t, buyer)
			seen := len(w.up.requests())
			path := pathPrefix + "/refused"

			resp, body := get(t, gw+path, x402.HeaderPaymentSignature, sign(t, gw+path, key, tc.tamper))
			if resp.StatusCode != http.StatusPaymentRequired {
				t.Fatalf("status %d, want 402; body %s", resp.StatusCode, body)
			}
			var refusal struct {
				X402Version int               `json:"x402Version"`
				Error       string            `json:"error"`
				Reason      string            `json:"reason"`
				Message     string            `json:"message"`
				Accepts     []json.RawMessage `json:"accepts"`
			}
			if err := json.Unmarshal([]byte(body), &refusal); err != nil {
				t.Fatalf("402 body %q: %v", body, err)
			}
			if refusal.Reason != "payment_invalid" {
				t.Errorf("reason %q, want payment_invalid; body %s", refusal.Reason, body)
			}
			if !contains(tc.reasons, refusal.Error) {
				t.Errorf("error %q, want the official facilitator's reason, one of %v; body %s", refusal.Error, tc.reasons, body)
			}
			t.Logf("official facilitator said %s: %.120s", refusal.Error, refusal.Message)
			// The challenge comes again so the client can retry with another payment.
			if resp.Header.Get(x402.HeaderPaymentRequired) == "" || len(refusal.Accepts) != 1 {
				t.Errorf("402 without the challenge: header %q, accepts %d", resp.Header.Get(x402.HeaderPaymentRequired), len(refusal.Accepts))
			}
			if r := resp.Header.Get(x402.HeaderPaymentResponse); r != "" {
				t.Errorf("refused payment carries a receipt %q", r)
			}
			if got := w.up.requests()[seen:]; len(got) != 0 {
				t.Errorf("a refused payment reached the upstream: %+v", got)
			}
			w.moved(t, buyer, before, 0)
		})
	}
}

// sign reads the gate's challenge for url and signs its only option with key, our
// own signer (package eip3009), as a v2 PAYMENT-SIGNATURE value.
func sign(t *testing.T, url string, key *ecdsa.PrivateKey, tamper func(*x402.PaymentPayload)) string {
	h, _ := signPayload(t, url, key, tamper)
	return h
}

// signPayload is sign that also returns the payload.
func signPayload(t *testing.T, url string, key *ecdsa.PrivateKey, tamper func(*x402.PaymentPayload)) (string, x402.PaymentPayload) {
	t.Helper()
	resp, body := get(t, url, "", "")
	if resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("unpaid GET %s: status %d, want 402; body %s", url, resp.StatusCode, body)
	}
	var pr x402.PaymentRequired
	if err := x402.DecodeHeader(resp.Header.Get(x402.HeaderPaymentRequired), 0, &pr); err != nil {
		t.Fatalf("challenge: %v", err)
	}
	if len(pr.Accepts) != 1 {
		t.Fatalf("challenge offers %d options, want 1", len(pr.Accepts))
	}
	p, err := eip3009.NewPayment(key, pr.Accepts[0], &pr.Resource, eip3009.PaymentOptions{})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	if tamper != nil {
		tamper(&p)
	}
	h, err := x402.EncodeHeader(p)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// get sends GET url with an optional header and returns the response and its body.
func get(t *testing.T, url, header, value string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if header != "" {
		req.Header.Set(header, value)
	}
	c := &http.Client{Timeout: 90 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return resp, string(b)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
