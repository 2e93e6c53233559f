package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// DefaultRequests is how many paid requests the script makes.
const DefaultRequests = 5

// Paid is one paid request of the script.
type Paid struct {
	N       int
	Path    string
	Stream  bool // Server-Sent Events, settled before the upstream was called
	Status  int
	Tx      string // settlement transaction, from the PAYMENT-RESPONSE receipt
	Block   uint64 // block the settlement was mined in (checked on chain)
	Latency time.Duration
	Body    string
	Err     error
}

// Report is what the script observed. RunScript fills it even when it fails.
type Report struct {
	Challenge x402.PaymentRequired
	Paid      []Paid
	// Settled counts paid requests whose settlement the script found on chain.
	Settled int
	// ReplayReason is the gate's reason code for the replayed payment.
	ReplayReason string

	BuyerBefore, BuyerAfter   *big.Int
	SellerBefore, SellerAfter *big.Int
	// Charged and ChargedAtomic are the gate's own counters for the offer, as moved
	// during the script.
	Charged, ChargedAtomic *big.Int
	// Metrics are the offer's turnpike_* lines after the script.
	Metrics []string
}

// buyerClient is the scripted buyer's HTTP client; settlement waits for a block.
var buyerClient = &http.Client{Timeout: 60 * time.Second}

// RunScript plays a buyer against the running stack: a free request, an unpaid one
// (the 402 challenge, decoded), n paid ones (the last one a stream when n > 1), a
// replay of the first payment, then balances on chain and the gate's metrics. Every
// outcome is checked; the error lists everything that was not as it should be.
func (s *Stack) RunScript(ctx context.Context, n int) (*Report, error) {
	if n <= 0 {
		n = DefaultRequests
	}
	p := s.p
	rep := &Report{}
	var problems []string
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		problems = append(problems, msg)
		p.printf("  !! %s\n", msg)
	}
	dec := int(s.Info.Token.Decimals)
	sym := s.Info.Token.Symbol
	units := func(v *big.Int) string { return x402.FormatUnits(v, dec) + " " + sym }
	base := s.GatewayURL

	p.section("The offer the seller published (routes document)")
	p.printf("  offer %s/%s at %s%s/*, paid to the seller %s\n", OfferNamespace, OfferName, base, PathPrefix, s.Seller.Address.Hex())
	p.printf("    GET %-22s free (health check)\n", PathPrefix+"/health")
	p.printf("    GET %-22s %s, settled BEFORE the upstream is called (Server-Sent Events)\n", PathPrefix+"/stream", units(s.Price))
	p.printf("    GET %-22s %s, settled AFTER the upstream answered (not charged if it answers >= 400)\n", PathPrefix+"/*", units(s.Price))

	p.section("The buyer")
	p.printf("  buyer %s holds dev %s and signs EIP-3009 authorizations with a DEV-ONLY key\n", s.Buyer.Address.Hex(), sym)

	metricsBefore, err := scrape(ctx, s.MetricsURL)
	if err != nil {
		return rep, err
	}

	// A free path passes straight through.
	_ = p.step("GET /weather/health (free path)", func() (string, error) {
		status, _, body, err := get(ctx, base+PathPrefix+"/health", nil)
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", fmt.Errorf("want 200, got %d: %s", status, excerpt(body, 120))
		}
		return fmt.Sprintf("%d %s", status, excerpt(body, 60)), nil
	})

	// No payment: the challenge.
	var req x402.Requirements
	var challengeJSON []byte
	v1Accepts := 0
	if err := p.step("GET /weather/berlin without paying", func() (string, error) {
		status, h, body, err := get(ctx, base+PathPrefix+"/berlin", nil)
		if err != nil {
			return "", err
		}
		if status != http.StatusPaymentRequired {
			return "", fmt.Errorf("want 402, got %d: %s", status, excerpt(body, 120))
		}
		raw, err := x402.DecodeHeaderBytes(h.Get(x402.HeaderPaymentRequired), 0)
		if err != nil {
			return "", fmt.Errorf("PAYMENT-REQUIRED header: %w", err)
		}
		if err := json.Unmarshal(raw, &rep.Challenge); err != nil {
			return "", fmt.Errorf("PAYMENT-REQUIRED header: %w", err)
		}
		if len(rep.Challenge.Accepts) != 1 {
			return "", fmt.Errorf("want 1 accepted payment, got %d", len(rep.Challenge.Accepts))
		}
		req = rep.Challenge.Accepts[0]
		var v1 x402.PaymentRequiredV1
		if err := json.Unmarshal(body, &v1); err != nil || v1.X402Version != x402.V1 {
			return "", fmt.Errorf("402 body is not an x402 v1 answer: %s", excerpt(body, 120))
		}
		v1Accepts = len(v1.Accepts)
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, raw, "    ", "  ")
		challengeJSON = pretty.Bytes()
		return "402 Payment Required", nil
	}); err != nil {
		return rep, fmt.Errorf("demo: %w", err)
	}
	p.printf("\n  The PAYMENT-REQUIRED header (x402 v2, base64 JSON) decoded:\n    %s\n", challengeJSON)
	amount, err := x402.ParseAtomic(req.Amount)
	if err != nil {
		return rep, fmt.Errorf("demo: challenge amount: %w", err)
	}
	p.printf("  In words: pay %s atomic units of the token %s (= %s) on %s\n"+
		"  to %s, as an EIP-3009 TransferWithAuthorization valid for %d s.\n",
		req.Amount, req.Asset, units(amount), req.Network, req.PayTo, req.MaxTimeoutSeconds)
	if v1Accepts > 0 {
		p.printf("  The JSON body carries the same offer for x402 v1 clients.\n")
	} else {
		p.printf("  The JSON body is the x402 v1 form; it lists no options here because v1 has no name for\n"+
			"  %s (v1 clients can pay on networks like base-sepolia; v2 clients on any CAIP-2 chain).\n", req.Network)
	}
	if !sameRequirement(req, s.requirement()) {
		fail("the challenge does not offer what the routes document says: got %+v", req)
	}

	tok := token.NewEIP3009Token()
	inst := tok.Instance(s.Chain.Client(), s.Info.Token.Address)
	balance := func(a common.Address) (*big.Int, error) {
		return bind.Call(inst, &bind.CallOpts{Context: ctx}, tok.PackBalanceOf(a), tok.UnpackBalanceOf)
	}
	if err := p.step("read balances on chain (before)", func() (string, error) {
		var err error
		if rep.BuyerBefore, err = balance(s.Buyer.Address); err != nil {
			return "", err
		}
		if rep.SellerBefore, err = balance(s.Seller.Address); err != nil {
			return "", err
		}
		return fmt.Sprintf("buyer %s, seller %s", units(rep.BuyerBefore), units(rep.SellerBefore)), nil
	}); err != nil {
		return rep, fmt.Errorf("demo: %w", err)
	}

	sawPayment := s.up.withPayment.Load()
	p.section(fmt.Sprintf("Paying %d requests (%s each)", n, units(s.Price)))
	p.printf("  Per request the buyer signs a fresh authorization (PAYMENT-SIGNATURE header); the gate\n" +
		"  checks it, has the facilitator verify it, and settles it on chain through the facilitator\n" +
		"  before the response is released (after the API answered, or before it is called for streams).\n" +
		"  Latency includes verify and settlement; this dev chain seals a block per transaction at\n" +
		"  once, on a real chain add its block time (about 2 s on Base).\n")
	cities := []string{"berlin", "lagos", "lima", "osaka", "oslo", "quito", "perth", "dakar"}
	var first struct{ url, header string }
	for i := 1; i <= n; i++ {
		pd := Paid{N: i, Path: PathPrefix + "/" + cities[(i-1)%len(cities)]}
		if n > 1 && i == n {
			pd.Path, pd.Stream = PathPrefix+"/stream", true
		}
		url := base + pd.Path
		header, err := s.sign(req, url)
		if err != nil {
			return rep, fmt.Errorf("demo: sign payment %d: %w", i, err)
		}
		if i == 1 {
			first.url, first.header = url, header
		}
		hdr := map[string]string{x402.HeaderPaymentSignature: header}
		if pd.Stream {
			hdr["Accept"] = "text/event-stream"
		}
		t := time.Now()
		status, h, body, err := get(ctx, url, hdr)
		pd.Latency = time.Since(t)
		pd.Status, pd.Body = status, string(body)
		if err == nil {
			pd.Err = s.checkPaid(ctx, &pd, h, amount)
		} else {
			pd.Err = err
		}
		rep.Paid = append(rep.Paid, pd)
		kind := "settled after the upstream answered"
		if pd.Stream {
			kind = "stream, settled before the upstream was called"
		}
		if pd.Err != nil {
			kind = "NOT settled"
		}
		p.printf("  #%d GET %-18s -> %d in %6s  %s\n", i, pd.Path, pd.Status, round(pd.Latency), kind)
		if pd.Err != nil {
			fail("payment #%d: %v", i, pd.Err)
			continue
		}
		rep.Settled++
		p.printf("     tx %s (block %d: Transfer %s buyer -> seller)\n", pd.Tx, pd.Block, units(amount))
		if pd.Stream {
			p.printf("     %d events, first: %s\n", strings.Count(pd.Body, "event: weather"), excerpt([]byte(firstData(pd.Body)), 90))
		} else {
			p.printf("     %s\n", excerpt(body, 100))
		}
	}

	// The same signed authorization for another request: the gate refuses it before
	// any upstream call. (For the same request it would give the same answer again.)
	if first.header != "" {
		if err := p.step("replay payment #1 (same signature, another request)", func() (string, error) {
			status, _, body, err := get(ctx, first.url+"?replay=1", map[string]string{x402.HeaderPaymentSignature: first.header})
			if err != nil {
				return "", err
			}
			var eb struct{ Reason, Message string }
			_ = json.Unmarshal(body, &eb)
			rep.ReplayReason = eb.Reason
			if status != http.StatusPaymentRequired || eb.Reason != "payment_already_used" {
				return "", fmt.Errorf("want 402 payment_already_used, got %s", answer(status, body))
			}
			return "refused: 402 " + eb.Reason + ", nothing charged", nil
		}); err != nil {
			problems = append(problems, err.Error()) // the step printed it
		}
	}

	if got := s.up.withPayment.Load() - sawPayment; got != 0 {
		fail("the upstream received %d request(s) that still carried a payment header", got)
	}

	p.section("Balances on chain")
	if err := p.step("read balances on chain (after)", func() (string, error) {
		var err error
		if rep.BuyerAfter, err = balance(s.Buyer.Address); err != nil {
			return "", err
		}
		rep.SellerAfter, err = balance(s.Seller.Address)
		return "", err
	}); err != nil {
		return rep, fmt.Errorf("demo: %w", err)
	}
	want := new(big.Int).Mul(s.Price, big.NewInt(int64(n)))
	buyerDelta := new(big.Int).Sub(rep.BuyerAfter, rep.BuyerBefore)
	sellerDelta := new(big.Int).Sub(rep.SellerAfter, rep.SellerBefore)
	p.printf("  %-8s %-42s %22s %22s %14s\n", "", "address", "before", "after", "change")
	p.printf("  %-8s %-42s %22s %22s %14s\n", "buyer", s.Buyer.Address.Hex(), units(rep.BuyerBefore), units(rep.BuyerAfter), signed(buyerDelta, dec))
	p.printf("  %-8s %-42s %22s %22s %14s\n", "seller", s.Seller.Address.Hex(), units(rep.SellerBefore), units(rep.SellerAfter), signed(sellerDelta, dec))
	if sellerDelta.Cmp(want) != 0 || new(big.Int).Neg(buyerDelta).Cmp(want) != 0 {
		fail("balances moved by buyer %s / seller %s, want exactly %d x %s = %s", signed(buyerDelta, dec), signed(sellerDelta, dec), n, units(s.Price), units(want))
	}
	p.printf("  (gas for the %d settlement transactions was paid by the facilitator's relayer, not the buyer)\n", rep.Settled)

	p.section("Gate metrics for the offer (" + s.MetricsURL + ")")
	after, err := scrape(ctx, s.MetricsURL)
	if err != nil {
		return rep, fmt.Errorf("demo: %w", err)
	}
	rep.Metrics = offerLines(after)
	for _, l := range rep.Metrics {
		p.printf("  %s\n", l)
	}
	delta := func(metric string) *big.Int {
		a, err1 := sample(after, metric)
		b, err2 := sample(metricsBefore, metric)
		if err := errors.Join(err1, err2); err != nil {
			fail("metric %s: %v", metric, err)
			return new(big.Int)
		}
		return a.Sub(a, b)
	}
	rep.Charged = delta("turnpike_charged_requests_total")
	rep.ChargedAtomic = delta("turnpike_charged_amount_atomic_total")
	if rep.Charged.Cmp(big.NewInt(int64(n))) != 0 || rep.ChargedAtomic.Cmp(want) != 0 {
		fail("the gate counted %s charged requests for %s atomic units, want %d for %s", rep.Charged, rep.ChargedAtomic, n, want)
	}

	p.section("Result")
	if len(problems) > 0 {
		p.printf("  FAILED: %d problem(s):\n", len(problems))
		for _, pr := range problems {
			p.printf("    - %s\n", pr)
		}
		return rep, fmt.Errorf("demo: %d problem(s): %s", len(problems), strings.Join(problems, "; "))
	}
	p.printf("  OK: %d paid requests, %d settlements on chain, the seller received %s (gate counted %s charged requests).\n",
		n, rep.Settled, units(want), rep.Charged)
	p.printf("  The upstream saw no payment header; it got the verified payer in %s.\n", PayerHeader)
	return rep, nil
}

// sign makes the PAYMENT-SIGNATURE header for one request: a fresh EIP-3009
// authorization (random nonce) for exactly the offered requirement, valid for the
// requirement's maxTimeoutSeconds like the official clients sign it.
func (s *Stack) sign(req x402.Requirements, url string) (string, error) {
	return s.signWith(req, url, 0)
}

// signFor signs the offer's requirement with a longer validity, for payments handed
// to a person to send later with curl.
func (s *Stack) signFor(url string, validFor time.Duration) (string, error) {
	return s.signWith(s.requirement(), url, validFor)
}

func (s *Stack) signWith(req x402.Requirements, url string, validFor time.Duration) (string, error) {
	pl, err := eip3009.NewPayment(s.Buyer.Key, req, &x402.ResourceInfo{URL: url}, eip3009.PaymentOptions{ValidFor: validFor})
	if err != nil {
		return "", err
	}
	return x402.EncodeHeader(pl)
}

// requirement is the x402 requirement the demo offer publishes.
func (s *Stack) requirement() x402.Requirements {
	extra, _ := json.Marshal(x402.EIP712Extra{Name: s.Info.Token.Name, Version: s.Info.Token.Version})
	return x402.Requirements{
		Scheme: x402.SchemeExact, Network: s.Info.Network, Amount: s.Price.String(),
		Asset: s.Info.Token.Address.Hex(), PayTo: s.Seller.Address.Hex(),
		MaxTimeoutSeconds: maxTimeoutSeconds, Extra: extra,
	}
}

// checkPaid checks a paid answer: 200, a successful receipt naming a transaction, and
// that transaction on chain moving exactly the price from buyer to seller.
func (s *Stack) checkPaid(ctx context.Context, pd *Paid, h http.Header, amount *big.Int) error {
	if pd.Status != http.StatusOK {
		return fmt.Errorf("want 200, got %s", answer(pd.Status, []byte(pd.Body)))
	}
	var res x402.SettleResponse
	if err := x402.DecodeHeader(h.Get(x402.HeaderPaymentResponse), 0, &res); err != nil {
		return fmt.Errorf("PAYMENT-RESPONSE receipt: %w", err)
	}
	if !res.Success || res.Transaction == "" {
		return fmt.Errorf("receipt says success=%v tx=%q (%s)", res.Success, res.Transaction, res.ErrorReason)
	}
	pd.Tx = res.Transaction
	if pd.Stream && !strings.Contains(pd.Body, "event: weather") {
		return fmt.Errorf("stream body has no events: %s", excerpt([]byte(pd.Body), 120))
	}
	body := pd.Body
	if pd.Stream {
		body = firstData(body)
	}
	var wr weatherReport
	if err := json.Unmarshal([]byte(body), &wr); err != nil || !strings.EqualFold(wr.PaidBy, s.Buyer.Address.Hex()) {
		return fmt.Errorf("the upstream did not get the verified payer %s in %s: %s", s.Buyer.Address.Hex(), PayerHeader, excerpt([]byte(body), 120))
	}
	r, err := s.Chain.Client().TransactionReceipt(ctx, common.HexToHash(res.Transaction))
	if err != nil {
		return fmt.Errorf("receipt of %s on chain: %w", res.Transaction, err)
	}
	pd.Block = r.BlockNumber.Uint64()
	if r.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("transaction %s reverted", res.Transaction)
	}
	tok := token.NewEIP3009Token()
	for _, l := range r.Logs {
		if l.Address != s.Info.Token.Address {
			continue
		}
		ev, err := tok.UnpackTransferEvent(l)
		if err != nil {
			continue
		}
		if ev.From == s.Buyer.Address && ev.To == s.Seller.Address && ev.Value.Cmp(amount) == 0 {
			return nil
		}
	}
	return fmt.Errorf("transaction %s has no Transfer of %s from buyer to seller", res.Transaction, amount)
}

func sameRequirement(a, b x402.Requirements) bool {
	var ea, eb x402.EIP712Extra
	if json.Unmarshal(a.Extra, &ea) != nil || json.Unmarshal(b.Extra, &eb) != nil {
		return false
	}
	return a.Scheme == b.Scheme && a.Network == b.Network && a.Amount == b.Amount &&
		strings.EqualFold(a.Asset, b.Asset) && strings.EqualFold(a.PayTo, b.PayTo) &&
		a.MaxTimeoutSeconds == b.MaxTimeoutSeconds && ea == eb
}

// get does one GET with extra headers and reads the whole body.
func get(ctx context.Context, url string, hdr map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := buyerClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, resp.Header, body, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// answer renders a gate answer for a person: status, reason code and message when
// the body is one of the gate's JSON refusals, else an excerpt of the body.
func answer(status int, body []byte) string {
	var eb struct{ Reason, Message string }
	if json.Unmarshal(body, &eb) == nil && eb.Reason != "" {
		return fmt.Sprintf("%d %s: %s", status, eb.Reason, eb.Message)
	}
	return fmt.Sprintf("%d %s", status, excerpt(body, 160))
}

func excerpt(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func firstData(sse string) string {
	for _, l := range strings.Split(sse, "\n") {
		if d, ok := strings.CutPrefix(l, "data: "); ok {
			return d
		}
	}
	return ""
}

func signed(v *big.Int, dec int) string {
	if v.Sign() > 0 {
		return "+" + x402.FormatUnits(v, dec)
	}
	if v.Sign() < 0 {
		return "-" + x402.FormatUnits(new(big.Int).Neg(v), dec)
	}
	return "0"
}
