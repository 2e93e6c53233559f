// Package facilitator is a self-hostable x402 facilitator for EVM chains: it verifies
// and settles `exact` payments made with EIP-3009 transferWithAuthorization, for x402
// protocol versions 1 and 2, over any JSON-RPC endpoint.
//
// Verify checks the signature (EIP-712, low-s), recipient, amount, time window (with
// the 6 s margin the official facilitators use), and then, in one JSON-RPC batch,
// simulates the transfer and reads the nonce state and the payer's balance, so a
// failure is diagnosed with the same reason the official TypeScript facilitator gives.
// Settle does the same, broadcasts from a relayer account and waits a bounded time for
// the receipt. Settles of one authorization are idempotent: concurrent ones share one
// broadcast and one answer, and later ones get the same answer again.
package facilitator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Config configures a Facilitator. Only Chains is required.
type Config struct {
	// Chains are the EVM chains served, one per chain id.
	Chains []Chain
	// Now is the clock for time-window checks; nil means time.Now.
	Now func() time.Time
	// ReceiptTimeout bounds how long a settle waits for its receipt before answering
	// settlement_pending with the transaction hash. Default 20 s, under the 30 s
	// settle timeout of typical x402 clients.
	ReceiptTimeout time.Duration
	// ReceiptPoll is the receipt polling interval. Default 100 ms.
	ReceiptPoll time.Duration
	// SubmitTimeout bounds gas estimation plus broadcast. Default 15 s.
	SubmitTimeout time.Duration
	// Remember is how long settle answers are kept for idempotent replies.
	// Default 24 h; past it, a repeated settle is answered from chain logs.
	Remember time.Duration
	// Registerer receives the metrics; nil means a private registry.
	Registerer prometheus.Registerer
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Facilitator verifies and settles x402 exact-EVM payments.
type Facilitator struct {
	cfg     Config
	chains  map[string]Chain // by chain id (decimal)
	log     *slog.Logger
	metrics *metrics
	flight  singleflight.Group
	answers *answerCache
}

// New returns a facilitator for cfg.
func New(cfg Config) (*Facilitator, error) {
	if len(cfg.Chains) == 0 {
		return nil, errors.New("facilitator: no chains configured")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReceiptTimeout <= 0 {
		cfg.ReceiptTimeout = 20 * time.Second
	}
	if cfg.ReceiptPoll <= 0 {
		cfg.ReceiptPoll = 100 * time.Millisecond
	}
	if cfg.SubmitTimeout <= 0 {
		cfg.SubmitTimeout = 15 * time.Second
	}
	if cfg.Remember <= 0 {
		cfg.Remember = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f := &Facilitator{cfg: cfg, chains: map[string]Chain{}, log: cfg.Logger, answers: newAnswerCache()}
	for _, c := range cfg.Chains {
		id := c.ChainID().String()
		if _, dup := f.chains[id]; dup {
			return nil, fmt.Errorf("facilitator: chain %s configured twice", id)
		}
		f.chains[id] = c
	}
	reg := cfg.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg, cfg.Chains)
	if err != nil {
		return nil, err
	}
	f.metrics = m
	return f, nil
}

func (f *Facilitator) serves(id *big.Int) bool {
	_, ok := f.chains[id.String()]
	return ok
}

func (f *Facilitator) chain(p *payment) Chain { return f.chains[p.ChainID.String()] }

// Verify answers a /verify request body.
func (f *Facilitator) Verify(ctx context.Context, body []byte) x402.VerifyResponse {
	start := time.Now()
	p, rej := decodeRequest(body, f.serves)
	if rej == nil {
		rej = f.verify(ctx, p)
	}
	resp := x402.VerifyResponse{IsValid: rej == nil}
	if p != nil {
		resp.Payer = p.Payer
	}
	outcome := "valid"
	if rej != nil {
		resp.InvalidReason, resp.InvalidMessage = rej.Reason, rej.Message
		outcome = "invalid"
		f.metrics.rejections.WithLabelValues("verify", rej.Reason).Inc()
	}
	f.metrics.observe("verify", outcome, start)
	return resp
}

func (f *Facilitator) verify(ctx context.Context, p *payment) *Rejection {
	if r := f.checkSigner(ctx, p, x402.ReasonUnexpectedVerifyError); r != nil {
		return r
	}
	if r := checkTerms(p, f.cfg.Now()); r != nil {
		return r
	}
	return f.checkChain(ctx, p, x402.ReasonUnexpectedVerifyError)
}

// checkSigner accepts an EOA signature by authorization.from, or, when from is a
// contract (a smart wallet), a signature its ERC-1271 isValidSignature accepts, as the
// token itself does. Only a failed EOA check costs a chain round trip.
func (f *Facilitator) checkSigner(ctx context.Context, p *payment, unexpected string) *Rejection {
	rej := checkSignature(p)
	if rej == nil {
		return nil
	}
	digest := eip3009.Digest(p.domain(), eip3009.Transfer, p.Auth)
	isContract, valid, err := f.chain(p).ContractSignature(ctx, p.Auth.From, digest, p.Signature)
	if err != nil {
		return reject(unexpected, "checking whether %s is a smart wallet: %v", p.Auth.From.Hex(), err)
	}
	if isContract {
		if valid {
			return nil
		}
		return reject(x402.ReasonEVMSignature, "smart wallet %s does not accept the signature (ERC-1271)", p.Auth.From.Hex())
	}
	return rej
}

// checkChain runs the on-chain part of verify: the asset is a contract, and the
// transfer simulates; a failed simulation is diagnosed in the official order.
func (f *Facilitator) checkChain(ctx context.Context, p *payment, unexpected string) *Rejection {
	ch := f.chain(p)
	tok, err := ch.Token(ctx, p.Asset)
	if err != nil {
		return reject(unexpected, "reading token %s: %v", p.Asset.Hex(), err)
	}
	if !tok.IsContract {
		return reject(x402.ReasonEVMEIP3009NotSupported, "asset %s is not a contract on chain %s", p.Asset.Hex(), p.ChainID)
	}
	// The happy path costs one eth_call; only a failure pays for the diagnosis.
	revert, err := ch.Simulate(ctx, p.Asset, p.Auth, p.Signature)
	if err != nil {
		return reject(unexpected, "simulating transfer: %v", err)
	}
	if revert == nil {
		return nil
	}
	ins, err := ch.Inspect(ctx, p.Asset, p.Auth, p.Signature)
	if err != nil {
		return reject(unexpected, "transfer does not simulate (%v); inspecting it failed: %v", revert, err)
	}
	if ins.SimErr == nil {
		ins.SimErr = revert // the state changed in between; report the first failure
	}
	return diagnose(p, tok, ins)
}

// diagnose names why a transfer does not simulate, in the official facilitator's order.
func diagnose(p *payment, tok TokenInfo, ins Inspection) *Rejection {
	switch {
	case ins.StateErr != nil:
		return reject(x402.ReasonEVMEIP3009NotSupported, "authorizationState failed: %v", ins.StateErr)
	case ins.Used:
		return reject(x402.ReasonEVMNonceUsed, "authorization nonce %s of %s is already used or canceled", p.Auth.Nonce.Hex(), p.Auth.From.Hex())
	case tok.NameErr == nil && tok.Name != p.Extra.Name:
		return reject(x402.ReasonEVMTokenNameMismatch, "token name() is %q, requirements say %q", tok.Name, p.Extra.Name)
	case tok.VersionErr == nil && tok.Version != p.Extra.Version:
		return reject(x402.ReasonEVMTokenVersionMismatch, "token version() is %q, requirements say %q", tok.Version, p.Extra.Version)
	case ins.BalanceErr == nil && ins.Balance != nil && ins.Balance.Cmp(p.Amount) < 0:
		return reject(x402.ReasonEVMInsufficientBalance, "payer balance %s is below the amount %s", ins.Balance, p.Amount)
	}
	return reject(x402.ReasonEVMSimulationFailed, "transferWithAuthorization does not simulate: %v", ins.SimErr)
}

// Settle answers a /settle request body.
func (f *Facilitator) Settle(ctx context.Context, body []byte) x402.SettleResponse {
	start := time.Now()
	p, rej := decodeRequest(body, f.serves)
	var resp x402.SettleResponse
	if rej != nil {
		resp = failed(p, rej)
	} else {
		resp = f.settle(ctx, p)
	}
	outcome := "success"
	if !resp.Success {
		outcome = "failed"
		if resp.ErrorReason == x402.ReasonSettlementPending {
			outcome = "pending"
		}
		f.metrics.rejections.WithLabelValues("settle", resp.ErrorReason).Inc()
	}
	f.metrics.observe("settle", outcome, start)
	return resp
}

func failed(p *payment, rej *Rejection) x402.SettleResponse {
	resp := x402.SettleResponse{ErrorReason: rej.Reason, ErrorMessage: rej.Message}
	if p != nil {
		resp.Payer, resp.Network = p.Payer, p.Network
	}
	return resp
}

func (f *Facilitator) settle(ctx context.Context, p *payment) x402.SettleResponse {
	digest := eip3009.Digest(p.domain(), eip3009.Transfer, p.Auth)
	if rej := f.checkSigner(ctx, p, x402.ReasonUnexpectedSettleError); rej != nil {
		return failed(p, rej)
	}
	if rej := checkTerms(p, f.cfg.Now()); rej != nil {
		// An authorization that was settled stays settled after it expires: answer
		// a repeated settle as the first one was answered.
		if isWindow(rej.Reason) {
			if a, ok := f.answers.get(digest); ok && a.final {
				f.metrics.shared.Inc()
				return a.resp
			}
		}
		return failed(p, rej)
	}
	if a, ok := f.answers.get(digest); ok && a.final {
		f.metrics.shared.Inc()
		return a.resp
	}
	key := digest.Hex()
	ch := f.flight.DoChan(key, func() (any, error) {
		// Detached from the first caller: the others share this work, and a
		// broadcast must be followed through even if that caller goes away.
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.SubmitTimeout+f.cfg.ReceiptTimeout)
		defer cancel()
		return f.settleOnce(work, p, digest), nil
	})
	select {
	case r := <-ch:
		if r.Shared {
			f.metrics.shared.Inc()
		}
		return r.Val.(x402.SettleResponse)
	case <-ctx.Done():
		return failed(p, reject(x402.ReasonUnexpectedSettleError, "request ended before the settlement finished: %v", ctx.Err()))
	}
}

func isWindow(reason string) bool {
	return reason == x402.ReasonEVMValidBefore || reason == x402.ReasonEVMValidAfter
}

// settleOnce runs inside the singleflight for one authorization digest.
func (f *Facilitator) settleOnce(ctx context.Context, p *payment, digest common.Hash) x402.SettleResponse {
	ch := f.chain(p)
	if a, ok := f.answers.get(digest); ok {
		if a.final {
			return a.resp
		}
		// A broadcast whose receipt we did not see in time: follow it up, unless
		// the node no longer knows it (dropped from the pool), then start over.
		// Broadcasting twice is safe: the token lets only one spend the nonce, and a
		// revert is answered with the transaction that did.
		rc, rerr := ch.Receipt(ctx, a.tx)
		known, kerr := ch.Known(ctx, a.tx)
		if rerr != nil || rc != nil || kerr != nil || known {
			return f.await(ctx, p, digest, a.tx)
		}
		f.log.Warn("settlement transaction dropped; broadcasting again", "tx", a.tx.Hex(), "payer", p.Payer)
		f.answers.forget(digest)
	}
	tok, err := ch.Token(ctx, p.Asset)
	if err != nil {
		return failed(p, reject(x402.ReasonUnexpectedSettleError, "reading token %s: %v", p.Asset.Hex(), err))
	}
	if !tok.IsContract {
		return failed(p, reject(x402.ReasonEVMEIP3009NotSupported, "asset %s is not a contract", p.Asset.Hex()))
	}
	// Gas estimation inside Submit is the simulation; only when it fails do we spend a
	// round trip reading why (and whether the authorization was already settled).
	tx, err := ch.Submit(ctx, p.Asset, p.Auth, p.Signature)
	if err != nil {
		var sim *SimulationError
		if !errors.As(err, &sim) {
			f.log.Warn("settle broadcast failed", "payer", p.Payer, "nonce", p.Auth.Nonce.Hex(), "err", err)
			return failed(p, reject(x402.ReasonEVMFailedExecuteTransfer, "broadcast transferWithAuthorization: %v", err))
		}
		ins, ierr := ch.Inspect(ctx, p.Asset, p.Auth, p.Signature)
		if ierr != nil {
			return failed(p, reject(x402.ReasonUnexpectedSettleError, "transfer does not simulate (%v); inspecting it failed: %v", sim, ierr))
		}
		if ins.Used {
			if resp, ok := f.alreadySettled(ctx, p, digest); ok {
				return resp
			}
		}
		if ins.SimErr == nil {
			ins.SimErr = sim
		}
		return failed(p, diagnose(p, tok, ins))
	}
	f.metrics.broadcasts.WithLabelValues(p.ChainID.String()).Inc()
	f.log.Info("settlement broadcast", "tx", tx.Hex(), "payer", p.Payer, "chain", p.ChainID, "value", p.Amount)
	f.answers.put(digest, answer{tx: tx}, f.cfg.Remember)
	return f.await(ctx, p, digest, tx)
}

// await waits (bounded) for the receipt of tx and records the final answer.
func (f *Facilitator) await(ctx context.Context, p *payment, digest, tx common.Hash) x402.SettleResponse {
	ch := f.chain(p)
	wait, cancel := context.WithTimeout(ctx, f.cfg.ReceiptTimeout)
	defer cancel()
	tick := time.NewTicker(f.cfg.ReceiptPoll)
	defer tick.Stop()
	for {
		rc, err := ch.Receipt(wait, tx)
		if err == nil && rc != nil {
			if rc.Status == 1 && transferLogged(rc.Logs, p) {
				resp := x402.SettleResponse{Success: true, Payer: p.Payer, Transaction: tx.Hex(), Network: p.Network, Amount: p.Amount.String()}
				f.answers.put(digest, answer{final: true, resp: resp, tx: tx}, f.cfg.Remember)
				return resp
			}
			// Ours reverted: most likely someone else's transaction spent the
			// authorization first, and then the payment did happen.
			if rc.Status != 1 {
				if resp, ok := f.alreadySettled(ctx, p, digest); ok {
					return resp
				}
			}
			// A revert leaves the authorization unused, so a later settle may try
			// again: forget the broadcast rather than remember a failure.
			f.answers.forget(digest)
			why := "reverted"
			if rc.Status == 1 {
				why = "has no matching Transfer event"
			}
			resp := failed(p, reject(x402.ReasonEVMTransactionFailed, "transaction %s %s", tx.Hex(), why))
			resp.Transaction = tx.Hex()
			return resp
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			f.log.Debug("receipt poll", "tx", tx.Hex(), "err", err)
		}
		select {
		case <-wait.Done():
			resp := failed(p, reject(x402.ReasonSettlementPending, "transaction %s broadcast; receipt not seen within %s", tx.Hex(), f.cfg.ReceiptTimeout))
			resp.Transaction = tx.Hex()
			return resp
		case <-tick.C:
		}
	}
}

// alreadySettled finds the transaction that spent this authorization (a settle after
// the facilitator forgot its answer, or a settle by someone else) and answers success
// when that transaction moved exactly this authorization's value to its payee.
func (f *Facilitator) alreadySettled(ctx context.Context, p *payment, digest common.Hash) (x402.SettleResponse, bool) {
	ch := f.chain(p)
	tx, ok, err := ch.FindSettlement(ctx, p.Asset, p.Auth.From, p.Auth.Nonce)
	if err != nil || !ok {
		if err != nil {
			f.log.Warn("looking up earlier settlement", "err", err)
		}
		return x402.SettleResponse{}, false
	}
	rc, err := ch.Receipt(ctx, tx)
	if err != nil || rc == nil || rc.Status != 1 || !transferLogged(rc.Logs, p) {
		return x402.SettleResponse{}, false
	}
	resp := x402.SettleResponse{Success: true, Payer: p.Payer, Transaction: tx.Hex(), Network: p.Network, Amount: p.Amount.String()}
	f.answers.put(digest, answer{final: true, resp: resp, tx: tx}, f.cfg.Remember)
	return resp, true
}

// Supported lists the kinds this facilitator serves: exact on every chain, for v2 by
// CAIP-2 id and for v1 by the v1 name where one exists.
func (f *Facilitator) Supported() x402.SupportedResponse {
	out := x402.SupportedResponse{Kinds: []x402.SupportedKind{}, Extensions: []string{}, Signers: map[string][]string{}}
	for _, c := range f.cfg.Chains {
		caip := "eip155:" + c.ChainID().String()
		out.Kinds = append(out.Kinds, x402.SupportedKind{X402Version: x402.V2, Scheme: x402.SchemeExact, Network: caip})
		v1 := caip
		if name, ok := x402.V1Name(caip); ok {
			v1 = name
		}
		out.Kinds = append(out.Kinds, x402.SupportedKind{X402Version: x402.V1, Scheme: x402.SchemeExact, Network: v1})
		addr := c.Relayer().Hex()
		if !containsFold(out.Signers["eip155:*"], addr) {
			out.Signers["eip155:*"] = append(out.Signers["eip155:*"], addr)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Healthy reports whether every chain's RPC endpoint answers.
func (f *Facilitator) Healthy(ctx context.Context) error {
	for id, c := range f.chains {
		if err := c.Healthy(ctx); err != nil {
			return fmt.Errorf("chain %s: %w", id, err)
		}
	}
	return nil
}
