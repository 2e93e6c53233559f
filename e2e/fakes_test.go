//go:build e2e || bench

package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/x402"
)

// instantFacilitator answers /verify and /settle at once, without a chain. It exists
// for the benchmark only (the gate's own cost must not drown in block times); it also
// records how long its own handling took, the time the gate may not be blamed for.
type instantFacilitator struct {
	// claims: confirm the turnpike-claim of a call that names an attempt, in our
	// facilitator's words, so the gate settles after the upstream as it does in front
	// of ours; without it the gate settles before (unclaimedSettlement).
	claims bool
	// settleDelay holds each /settle answer back (latency without CPU), as a
	// facilitator that waits for the chain does.
	settleDelay time.Duration
	mu          sync.Mutex
	handled     []time.Duration
	verify      int
	settle      int
}

func (f *instantFacilitator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	var req struct {
		PaymentPayload x402.PaymentPayload `json:"paymentPayload"`
	}
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/supported":
		_ = json.NewEncoder(w).Encode(x402.SupportedResponse{Kinds: []x402.SupportedKind{
			{X402Version: 2, Scheme: "exact", Network: benchNetwork},
			{X402Version: 1, Scheme: "exact", Network: benchNetwork},
		}})
		return
	case "/verify":
		_ = json.Unmarshal(body, &req)
		_ = json.NewEncoder(w).Encode(x402.VerifyResponse{IsValid: true, Payer: req.PaymentPayload.Payload.Authorization.From,
			Extensions: f.claim(r, req.PaymentPayload.Payload.Authorization.ValidBefore)})
	case "/settle":
		_ = json.Unmarshal(body, &req)
		time.Sleep(f.settleDelay)
		_ = json.NewEncoder(w).Encode(x402.SettleResponse{
			Success:     true,
			Payer:       req.PaymentPayload.Payload.Authorization.From,
			Transaction: "0x" + hex.EncodeToString(make([]byte, 32)),
			Network:     benchNetwork,
			Amount:      req.PaymentPayload.Payload.Authorization.Value,
			Extensions:  f.claim(r, req.PaymentPayload.Payload.Authorization.ValidBefore),
		})
	default:
		http.NotFound(w, r)
		return
	}
	d := time.Since(t0)
	f.mu.Lock()
	f.handled = append(f.handled, d)
	if r.URL.Path == "/verify" {
		f.verify++
	} else {
		f.settle++
	}
	f.mu.Unlock()
}

// claim is the turnpike-claim extension of an answer (nil: none), as our facilitator
// writes it.
func (f *instantFacilitator) claim(r *http.Request, validBefore string) map[string]json.RawMessage {
	attempt := r.Header.Get(x402.HeaderAttempt)
	if !f.claims || attempt == "" {
		return nil
	}
	exp, _ := strconv.ParseInt(validBefore, 10, 64)
	raw, _ := json.Marshal(x402.ClaimInfo{Attempt: attempt, ExpiresAt: exp})
	return map[string]json.RawMessage{x402.ExtensionClaim: raw}
}

// Reset forgets the recorded timings.
func (f *instantFacilitator) Reset() {
	f.mu.Lock()
	f.handled, f.verify, f.settle = nil, 0, 0
	f.mu.Unlock()
}

// PerPaymentP50 is the median handling time of one call times the calls per payment
// (verify + settle): what a paid request spends inside the facilitator.
func (f *instantFacilitator) PerPaymentP50() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.handled) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), f.handled...)
	sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
	return 2 * percentile(s, 0.5)
}

// Calls returns how many verify and settle calls were answered.
func (f *instantFacilitator) Calls() (verify, settle int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.verify, f.settle
}

// The benchmark's payment option: fake chain, fake token, fixed payee.
const (
	benchNetwork = "eip155:84532"
	benchAsset   = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	benchPayTo   = "0x1111111111111111111111111111111111111111"
	benchPayer   = "0x2222222222222222222222222222222222222222"
	benchAmount  = "1000"
)

// unsignedPayments builds n v2 payment headers for accepted, each with a fresh nonce
// and a signature of the right shape. Only a fake facilitator accepts them; they
// exercise everything the gate does locally (decode, match, time window, replay).
func unsignedPayments(t testing.TB, n int, accepted x402.Requirements, resourceURL string) []string {
	t.Helper()
	now := time.Now().Unix()
	sig := "0x" + hex.EncodeToString(make([]byte, 65))
	out := make([]string, n)
	for i := range out {
		nonce := make([]byte, 32)
		if _, err := rand.Read(nonce); err != nil {
			t.Fatal(err)
		}
		acc := accepted
		p := x402.PaymentPayload{
			X402Version: 2,
			Resource:    &x402.ResourceInfo{URL: resourceURL},
			Accepted:    &acc,
			Payload: x402.ExactEVMPayload{
				Signature: sig,
				Authorization: x402.Authorization{
					From:        benchPayer,
					To:          accepted.PayTo,
					Value:       accepted.Amount,
					ValidAfter:  strconv.FormatInt(now-600, 10),
					ValidBefore: strconv.FormatInt(now+accepted.MaxTimeoutSeconds, 10),
					Nonce:       "0x" + hex.EncodeToString(nonce),
				},
			},
		}
		out[i] = tsClientHeader(t, &p)
	}
	return out
}

// tsClientHeader encodes a v2 payment the way the official x402 TypeScript client
// writes it (JSON.stringify of @x402/core's {x402Version, payload, resource, accepted},
// payload {authorization, signature} from @x402/evm): the key order the gate sees from
// real buyers, which the benchmarks must send too (the gate's JSON checks take a
// short cut for canonical encodings, and a Go-ordered payload would flatter it).
func tsClientHeader(t testing.TB, p *x402.PaymentPayload) string {
	t.Helper()
	type evm struct {
		Authorization x402.Authorization `json:"authorization"`
		Signature     string             `json:"signature"`
	}
	raw, err := json.Marshal(struct {
		X402Version int                `json:"x402Version"`
		Payload     evm                `json:"payload"`
		Resource    *x402.ResourceInfo `json:"resource,omitempty"`
		Accepted    *x402.Requirements `json:"accepted,omitempty"`
	}{p.X402Version, evm{p.Payload.Authorization, p.Payload.Signature}, p.Resource, p.Accepted})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// paymentRequired fetches url without payment and decodes the v2 challenge.
func paymentRequired(t testing.TB, url string) x402.PaymentRequired {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("GET %s: status %d, want 402; body %s", url, resp.StatusCode, body)
	}
	var pr x402.PaymentRequired
	if err := x402.DecodeHeader(resp.Header.Get(x402.HeaderPaymentRequired), 0, &pr); err != nil {
		t.Fatalf("GET %s: PAYMENT-REQUIRED: %v", url, err)
	}
	if len(pr.Accepts) == 0 {
		t.Fatalf("GET %s: challenge offers nothing: %+v", url, pr)
	}
	return pr
}

// must fails the test on err.
func must(t testing.TB, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
