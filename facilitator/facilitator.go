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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
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
	// Store keeps claims and settle outcomes (turnpike-claim extension, idempotent
	// settles); nil means an in-memory store (nothing survives a restart). The
	// caller closes it.
	Store Store
	// ClaimMargin: records are pruned once validBefore + ClaimMargin passed (and,
	// for broadcast or settled ones, Remember after their last update too).
	// Default 1 min.
	ClaimMargin time.Duration
	// PruneInterval is how often expired records are pruned. Default 30 s.
	PruneInterval time.Duration
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
	store   Store
	stop    chan struct{}
	stopped sync.Once
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
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore(0)
	}
	if cfg.ClaimMargin <= 0 {
		cfg.ClaimMargin = time.Minute
	}
	if cfg.PruneInterval <= 0 {
		cfg.PruneInterval = 30 * time.Second
	}
	f := &Facilitator{cfg: cfg, chains: map[string]Chain{}, log: cfg.Logger, store: cfg.Store, stop: make(chan struct{})}
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
	m, err := newMetrics(reg, cfg.Chains, cfg.Store)
	if err != nil {
		return nil, err
	}
	f.metrics = m
	go f.pruneLoop()
	return f, nil
}

// Close stops the background pruning; the store is the caller's to close.
func (f *Facilitator) Close() { f.stopped.Do(func() { close(f.stop) }) }

func (f *Facilitator) pruneLoop() {
	t := time.NewTicker(f.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.Prune()
		}
	}
}

// Prune drops records past their retention now and refreshes the live-claims gauge.
func (f *Facilitator) Prune() {
	expired, live, err := f.store.Prune(f.cfg.Now(), f.cfg.ClaimMargin)
	if err != nil {
		f.log.Error("pruning claim store", "err", err)
		return
	}
	f.metrics.claims.WithLabelValues("expired").Add(float64(expired))
	f.metrics.liveClaims.Set(float64(live))
}

func (f *Facilitator) serves(id *big.Int) bool {
	_, ok := f.chains[id.String()]
	return ok
}

func (f *Facilitator) chain(p *payment) Chain { return f.chains[p.ChainID.String()] }

// Verify answers a /verify request body that carries no attempt.
func (f *Facilitator) Verify(ctx context.Context, body []byte) x402.VerifyResponse {
	return f.VerifyAttempt(ctx, body, "")
}

// VerifyAttempt answers a /verify request body for attempt (the X-Turnpike-Attempt
// header; "" when absent): when every check passes, the authorization is claimed for
// the attempt (see x402/claim.go).
func (f *Facilitator) VerifyAttempt(ctx context.Context, body []byte, attempt string) x402.VerifyResponse {
	start := time.Now()
	p, rej := decodeRequest(body, f.serves)
	if rej == nil {
		rej = checkAttempt(attempt)
	}
	var claim *x402.ClaimInfo
	if rej == nil {
		claim, rej = f.verify(ctx, p, attempt)
	}
	resp := x402.VerifyResponse{IsValid: rej == nil}
	if p != nil {
		resp.Payer = p.Payer
	}
	if claim != nil {
		resp.Extensions = claimExtension(*claim)
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

func (f *Facilitator) verify(ctx context.Context, p *payment, attempt string) (*x402.ClaimInfo, *Rejection) {
	if r := f.checkSigner(ctx, p, x402.ReasonUnexpectedVerifyError); r != nil {
		return nil, r
	}
	// The store answers a storm of replays before any chain round trip.
	key, digest, now := p.storeKey(), p.digestHex(), f.cfg.Now()
	rec, err := f.store.Get(key)
	if err != nil {
		return nil, reject(x402.ReasonUnexpectedVerifyError, "%v", err)
	}
	if r := f.conflict(rec, digest, attempt, now, false); r != nil {
		return nil, r
	}
	if r := checkTerms(p, now); r != nil {
		return nil, r
	}
	if attempt != "" && rec != nil && rec.Phase == PhaseBroadcast {
		// This attempt's own settlement is under way: the chain would now say the
		// nonce is used, but the claim is still this attempt's.
		f.metrics.claims.WithLabelValues("reclaimed_same_attempt").Inc()
		return &x402.ClaimInfo{Attempt: attempt, ExpiresAt: rec.ExpiresAt}, nil
	}
	if r := f.checkChain(ctx, p, x402.ReasonUnexpectedVerifyError); r != nil {
		if attempt != "" && r.Reason == x402.ReasonEVMNonceUsed {
			f.metrics.claims.WithLabelValues("refused_settled").Inc()
			return nil, reject(x402.ReasonAuthorizationSettled, "authorization nonce %s of %s is already used on chain (settled, or canceled by the payer)", p.Auth.Nonce.Hex(), p.Auth.From.Hex())
		}
		return nil, r
	}
	if attempt == "" {
		return nil, nil
	}
	info, rej := f.claim(p, attempt)
	if rej != nil {
		return nil, rej
	}
	return &info, nil
}

// claim takes the authorization for attempt, or confirms this attempt holds it.
func (f *Facilitator) claim(p *payment, attempt string) (x402.ClaimInfo, *Rejection) {
	key, digest, now := p.storeKey(), p.digestHex(), f.cfg.Now()
	var (
		rej     *Rejection
		outcome string
		info    x402.ClaimInfo
	)
	err := f.store.Update(key, func(cur *Record) (*Record, error) {
		rej, outcome = f.conflictQuiet(cur, digest, attempt, now, false), ""
		if rej != nil {
			return nil, errKeep
		}
		if cur != nil && cur.live(now) {
			outcome, info = "reclaimed_same_attempt", x402.ClaimInfo{Attempt: attempt, ExpiresAt: cur.ExpiresAt}
			return nil, errKeep
		}
		exp := unixCap(p.Auth.ValidBefore)
		outcome, info = "claimed", x402.ClaimInfo{Attempt: attempt, ExpiresAt: exp}
		return &Record{Attempt: attempt, Digest: digest, Phase: PhaseClaimed, ExpiresAt: exp, KeepUntil: exp}, nil
	})
	switch {
	case errors.Is(err, ErrStoreFull):
		return info, reject(x402.ReasonClaimStoreFull, "the facilitator's claim store holds %d authorizations, its bound; retry later", f.store.Len())
	case err != nil:
		return info, reject(x402.ReasonUnexpectedVerifyError, "%v", err)
	case rej != nil:
		f.countRefusal(rej)
		return info, rej
	}
	f.metrics.claims.WithLabelValues(outcome).Inc()
	return info, nil
}

// conflict is conflictQuiet that also counts the refusal.
func (f *Facilitator) conflict(rec *Record, digest, attempt string, now time.Time, settling bool) *Rejection {
	r := f.conflictQuiet(rec, digest, attempt, now, settling)
	if r != nil {
		f.countRefusal(r)
	}
	return r
}

func (f *Facilitator) countRefusal(r *Rejection) {
	switch r.Reason {
	case x402.ReasonAuthorizationClaimed:
		f.metrics.claims.WithLabelValues("refused_claimed").Inc()
	case x402.ReasonAuthorizationSettled:
		f.metrics.claims.WithLabelValues("refused_settled").Inc()
	}
}

// conflictQuiet says why rec keeps attempt ("" = no attempt header) from using the
// authorization with digest, or nil when it does not. A record binds when it is live
// and belongs to another attempt or another authorization; without an attempt,
// a record made without one is shared (today's idempotent settle), and a settled
// record of another authorization is left to the chain to refuse (nonce used).
func (f *Facilitator) conflictQuiet(rec *Record, digest, attempt string, now time.Time, settling bool) *Rejection {
	if rec == nil || !rec.live(now) {
		return nil
	}
	mine := rec.Attempt == attempt && rec.Digest == digest
	if rec.Phase == PhaseSettled {
		if mine && settling {
			return nil // the caller answers the recorded answer
		}
		if attempt == "" && (rec.Digest != digest || !settling) {
			return nil // today's behaviour: the chain says the nonce is used
		}
		tx := ""
		if rec.Answer != nil {
			tx = rec.Answer.Transaction
		}
		r := reject(x402.ReasonAuthorizationSettled, "this authorization was already settled for another request (transaction %s); one payment buys one answer", tx)
		return r
	}
	if mine {
		return nil
	}
	return reject(x402.ReasonAuthorizationClaimed, "another request holds this authorization (claimed until %d); it is in use", rec.ExpiresAt)
}

// settledTx is the transaction a settled-refusal names.
func settledTx(r *Rejection, rec *Record) string {
	if r.Reason == x402.ReasonAuthorizationSettled && rec != nil && rec.Answer != nil {
		return rec.Answer.Transaction
	}
	return ""
}

// unixCap turns validBefore into unix seconds, capped so arithmetic on it cannot
// overflow (an authorization valid for ever is claimed for ever).
func unixCap(v *big.Int) int64 {
	const ceiling = int64(1) << 50
	if !v.IsInt64() || v.Int64() > ceiling {
		return ceiling
	}
	return v.Int64()
}

func claimExtension(c x402.ClaimInfo) map[string]json.RawMessage {
	b, _ := json.Marshal(c) // two plain fields: cannot fail
	return map[string]json.RawMessage{x402.ExtensionClaim: b}
}

// checkAttempt: an attempt id is 32 lowercase hex characters ("" = none).
func checkAttempt(a string) *Rejection {
	if a == "" {
		return nil
	}
	ok := len(a) == 32
	for i := 0; ok && i < len(a); i++ {
		c := a[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
	}
	if !ok {
		return reject(x402.ReasonInvalidAttempt, "header %s must be 32 lowercase hex characters, fresh per paid request; got %q", x402.HeaderAttempt, truncate(a, 80))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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

// Settle answers a /settle request body that carries no attempt.
func (f *Facilitator) Settle(ctx context.Context, body []byte) x402.SettleResponse {
	return f.SettleAttempt(ctx, body, "")
}

// SettleAttempt answers a /settle request body for attempt ("" when absent): only the
// attempt that holds the claim (or takes it now, when nobody holds it) may move money.
func (f *Facilitator) SettleAttempt(ctx context.Context, body []byte, attempt string) x402.SettleResponse {
	start := time.Now()
	p, rej := decodeRequest(body, f.serves)
	if rej == nil {
		rej = checkAttempt(attempt)
	}
	var resp x402.SettleResponse
	if rej != nil {
		resp = failed(p, rej)
	} else {
		resp = f.settle(ctx, p, attempt)
	}
	if resp.Success && attempt != "" {
		resp.Extensions = claimExtension(x402.ClaimInfo{Attempt: attempt, ExpiresAt: unixCap(p.Auth.ValidBefore)})
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

// refused is the answer to a settle the claim store turns away.
func refused(p *payment, rej *Rejection, rec *Record) x402.SettleResponse {
	resp := failed(p, rej)
	resp.Transaction = settledTx(rej, rec)
	return resp
}

func (f *Facilitator) settle(ctx context.Context, p *payment, attempt string) x402.SettleResponse {
	if rej := f.checkSigner(ctx, p, x402.ReasonUnexpectedSettleError); rej != nil {
		return failed(p, rej)
	}
	key, digest, now := p.storeKey(), p.digestHex(), f.cfg.Now()
	rec, err := f.store.Get(key)
	if err != nil {
		return failed(p, reject(x402.ReasonUnexpectedSettleError, "%v", err))
	}
	if rej := f.conflict(rec, digest, attempt, now, true); rej != nil {
		return refused(p, rej, rec)
	}
	mine := rec != nil && rec.live(now) && rec.Attempt == attempt && rec.Digest == digest
	if mine && rec.Phase == PhaseSettled && rec.Answer != nil {
		// An authorization that was settled stays settled after it expires: answer
		// a repeated settle as the first one was answered.
		f.metrics.shared.Inc()
		return *rec.Answer
	}
	if rej := checkTerms(p, now); rej != nil {
		// Past the window, a broadcast of this attempt is still followed up.
		if !(isWindow(rej.Reason) && mine && rec.Phase == PhaseBroadcast) {
			return failed(p, rej)
		}
	}
	if attempt != "" && !mine {
		if _, rej := f.claim(p, attempt); rej != nil {
			cur, _ := f.store.Get(key)
			return refused(p, rej, cur)
		}
	}
	// One flight per (authorization, attempt): different attempts never share an
	// answer; the claim store decides which of them may broadcast.
	ch := f.flight.DoChan(digest+"|"+attempt, func() (any, error) {
		// Detached from the first caller: the others share this work, and a
		// broadcast must be followed through even if that caller goes away.
		work, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.SubmitTimeout+f.cfg.ReceiptTimeout)
		defer cancel()
		return f.settleOnce(work, p, attempt), nil
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

// claimError carries a claim-store refusal out of Chain.Submit's signed hook.
type claimError struct {
	rej *Rejection
	rec *Record
}

func (e *claimError) Error() string { return e.rej.Error() }

// recordBroadcast writes tx to the store before it is sent, and is the last word on
// who may broadcast: it fails when another attempt (or authorization) holds the key.
func (f *Facilitator) recordBroadcast(p *payment, attempt string, tx common.Hash) error {
	key, digest, now := p.storeKey(), p.digestHex(), f.cfg.Now()
	var cerr *claimError
	err := f.store.Update(key, func(cur *Record) (*Record, error) {
		cerr = nil
		if rej := f.conflictQuiet(cur, digest, attempt, now, true); rej != nil {
			cerr = &claimError{rej: rej, rec: cur}
			return nil, cerr
		}
		if cur != nil && cur.live(now) && cur.Phase == PhaseSettled {
			// Settled meanwhile (by this very attempt): never send again.
			cerr = &claimError{rej: reject(x402.ReasonAuthorizationSettled, "already settled"), rec: cur}
			return nil, cerr
		}
		next := cur
		if next == nil || !next.live(now) {
			exp := unixCap(p.Auth.ValidBefore)
			next = &Record{Attempt: attempt, Digest: digest, ExpiresAt: exp}
		}
		next.Phase = PhaseBroadcast
		next.Txs = append(next.Txs, tx.Hex())
		next.KeepUntil = now.Add(f.cfg.Remember).Unix()
		return next, nil
	})
	if errors.Is(err, ErrStoreFull) {
		return &claimError{rej: reject(x402.ReasonClaimStoreFull, "the facilitator's claim store is at its bound; nothing was broadcast")}
	}
	if cerr != nil {
		f.countRefusal(cerr.rej)
		return cerr
	}
	if err != nil {
		return fmt.Errorf("record transaction before broadcast: %w", err)
	}
	return nil
}

// settleOnce runs inside the singleflight for one (authorization, attempt).
func (f *Facilitator) settleOnce(ctx context.Context, p *payment, attempt string) x402.SettleResponse {
	ch := f.chain(p)
	key, digest, now := p.storeKey(), p.digestHex(), f.cfg.Now()
	rec, err := f.store.Get(key)
	if err != nil {
		return failed(p, reject(x402.ReasonUnexpectedSettleError, "%v", err))
	}
	if rej := f.conflictQuiet(rec, digest, attempt, now, true); rej != nil {
		return refused(p, rej, rec)
	}
	// Only this authorization's own record answers: another one sharing the nonce is
	// left to the chain (nonce used).
	mine := rec != nil && rec.live(now) && rec.Attempt == attempt && rec.Digest == digest
	if mine && rec.Phase == PhaseSettled && rec.Answer != nil {
		return *rec.Answer
	}
	if mine && rec.Phase == PhaseBroadcast && len(rec.Txs) > 0 {
		// A broadcast whose receipt we did not see in time: follow it up, unless
		// the node no longer knows it (dropped from the pool), then send again.
		// Broadcasting twice is safe: the token lets only one spend the nonce, and a
		// revert is answered with the transaction that did.
		tx := common.HexToHash(rec.Txs[len(rec.Txs)-1])
		rc, rerr := ch.Receipt(ctx, tx)
		known, kerr := ch.Known(ctx, tx)
		if rerr != nil || rc != nil || kerr != nil || known {
			return f.await(ctx, p, attempt, tx)
		}
		if rej := checkTerms(p, now); rej != nil {
			return failed(p, reject(rej.Reason, "transaction %s was dropped by the node and the authorization can no longer be sent: %s", tx.Hex(), rej.Message))
		}
		f.log.Warn("settlement transaction dropped; broadcasting again", "tx", tx.Hex(), "payer", p.Payer)
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
	var signed common.Hash
	tx, err := ch.Submit(ctx, p.Asset, p.Auth, p.Signature, func(tx common.Hash) error {
		signed = tx
		return f.recordBroadcast(p, attempt, tx)
	})
	if err != nil {
		var cerr *claimError
		if errors.As(err, &cerr) {
			return refused(p, cerr.rej, cerr.rec)
		}
		var sim *SimulationError
		if !errors.As(err, &sim) {
			f.log.Warn("settle broadcast failed", "payer", p.Payer, "nonce", p.Auth.Nonce.Hex(), "err", err)
			resp := failed(p, reject(x402.ReasonEVMFailedExecuteTransfer, "broadcast transferWithAuthorization: %v", err))
			if signed != (common.Hash{}) {
				// It may have reached the node: the record keeps it, and a settle by
				// the same attempt follows it up.
				resp.Transaction = signed.Hex()
			}
			return resp
		}
		ins, ierr := ch.Inspect(ctx, p.Asset, p.Auth, p.Signature)
		if ierr != nil {
			return failed(p, reject(x402.ReasonUnexpectedSettleError, "transfer does not simulate (%v); inspecting it failed: %v", sim, ierr))
		}
		if ins.Used {
			if resp, ok := f.alreadySettled(ctx, p, attempt); ok {
				return resp
			}
		}
		if ins.SimErr == nil {
			ins.SimErr = sim
		}
		return failed(p, diagnose(p, tok, ins))
	}
	f.metrics.broadcasts.WithLabelValues(p.ChainID.String()).Inc()
	f.log.Info("settlement broadcast", "tx", tx.Hex(), "payer", p.Payer, "chain", p.ChainID, "value", p.Amount, "attempt", attempt)
	return f.await(ctx, p, attempt, tx)
}

// recordSettled stores the final success answer for the authorization.
func (f *Facilitator) recordSettled(p *payment, attempt string, resp x402.SettleResponse) {
	now := f.cfg.Now()
	err := f.store.Update(p.storeKey(), func(cur *Record) (*Record, error) {
		next := cur
		if next == nil {
			next = &Record{}
		}
		next.Attempt, next.Digest, next.Phase = attempt, p.digestHex(), PhaseSettled
		next.ExpiresAt = unixCap(p.Auth.ValidBefore)
		if !next.hasTx(resp.Transaction) {
			next.Txs = append(next.Txs, resp.Transaction)
		}
		a := resp
		next.Answer = &a
		next.KeepUntil = now.Add(f.cfg.Remember).Unix()
		return next, nil
	})
	if err != nil {
		// The transfer happened; the answer is true even if it could not be kept.
		f.log.Error("recording settlement", "tx", resp.Transaction, "payer", p.Payer, "err", err)
	}
}

// forgetBroadcast: the attempt's transaction reverted and the authorization is still
// unused, so the attempt keeps a plain claim (which it may release); a settle without
// attempt leaves nothing behind, as before.
func (f *Facilitator) forgetBroadcast(p *payment, attempt string) {
	digest := p.digestHex()
	err := f.store.Update(p.storeKey(), func(cur *Record) (*Record, error) {
		if cur == nil || cur.Attempt != attempt || cur.Digest != digest || cur.Phase != PhaseBroadcast {
			return nil, errKeep
		}
		if attempt == "" {
			return nil, nil
		}
		next := cur
		next.Phase = PhaseClaimed
		return next, nil
	})
	if err != nil {
		f.log.Error("reverting claim after a failed transaction", "payer", p.Payer, "err", err)
	}
}

// await waits (bounded) for the receipt of tx and records the final answer.
func (f *Facilitator) await(ctx context.Context, p *payment, attempt string, tx common.Hash) x402.SettleResponse {
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
				f.recordSettled(p, attempt, resp)
				return resp
			}
			// Ours reverted: most likely someone else's transaction spent the
			// authorization first, and then the payment did happen.
			if rc.Status != 1 {
				if resp, ok := f.alreadySettled(ctx, p, attempt); ok {
					return resp
				}
			}
			// A revert leaves the authorization unused, so a later settle may try
			// again: forget the broadcast rather than remember a failure.
			f.forgetBroadcast(p, attempt)
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
			resp := failed(p, reject(x402.ReasonSettlementPending, "transaction %s broadcast; receipt not seen within %s; settle again (same attempt) to follow it up", tx.Hex(), f.cfg.ReceiptTimeout))
			resp.Transaction = tx.Hex()
			return resp
		case <-tick.C:
		}
	}
}

// alreadySettled finds the transaction that spent this authorization (a settle after
// the facilitator forgot its answer, or a settle by someone else). Without an
// attempt it answers success when that transaction moved exactly this
// authorization's value to its payee (today's behaviour); an attempt gets success
// only for a transaction it signed itself, and authorization_settled otherwise.
func (f *Facilitator) alreadySettled(ctx context.Context, p *payment, attempt string) (x402.SettleResponse, bool) {
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
	rec, err := f.store.Get(p.storeKey())
	if err != nil {
		return failed(p, reject(x402.ReasonUnexpectedSettleError, "%v", err)), true
	}
	now := f.cfg.Now()
	if rej := f.conflictQuiet(rec, p.digestHex(), attempt, now, true); rej != nil {
		return refused(p, rej, rec), true
	}
	ours := rec != nil && rec.live(now) && rec.hasTx(tx.Hex())
	if attempt != "" && !ours {
		f.recordSettled(p, "", resp) // someone else's transfer: no attempt may claim it
		f.metrics.claims.WithLabelValues("refused_settled").Inc()
		out := failed(p, reject(x402.ReasonAuthorizationSettled, "transaction %s, not sent for this request, already settled this authorization; one payment buys one answer", tx.Hex()))
		out.Transaction = tx.Hex()
		return out, true
	}
	f.recordSettled(p, attempt, resp)
	return resp, true
}

// Release answers POST /release: it drops the claim attempt holds on the
// authorization in body, when nothing was broadcast for it.
func (f *Facilitator) Release(ctx context.Context, body []byte, attempt string) x402.ReleaseResponse {
	if attempt == "" {
		return x402.ReleaseResponse{Reason: x402.ReasonInvalidAttempt}
	}
	if rej := checkAttempt(attempt); rej != nil {
		return x402.ReleaseResponse{Reason: rej.Reason}
	}
	p, rej := decodeRequest(body, f.serves)
	if rej != nil {
		return x402.ReleaseResponse{Reason: rej.Reason}
	}
	digest, now := p.digestHex(), f.cfg.Now()
	var out x402.ReleaseResponse
	err := f.store.Update(p.storeKey(), func(cur *Record) (*Record, error) {
		out = x402.ReleaseResponse{}
		switch {
		case cur == nil || !cur.live(now):
			out.Reason = x402.ReasonNotClaimed
		case cur.Phase == PhaseSettled:
			out.Reason = x402.ReasonAuthorizationSettled
		case cur.Attempt != attempt || cur.Digest != digest:
			out.Reason = x402.ReasonAuthorizationClaimed
		case cur.Phase == PhaseBroadcast:
			out.Reason = x402.ReasonSettlementBroadcast
		default:
			out.Released = true
			return nil, nil
		}
		return nil, errKeep
	})
	if err != nil {
		f.log.Error("release claim", "err", err)
		return x402.ReleaseResponse{Reason: x402.ReasonUnexpectedSettleError}
	}
	if out.Released {
		f.metrics.claims.WithLabelValues("released").Inc()
	}
	return out
}

// Supported lists the kinds this facilitator serves: exact on every chain, for v2 by
// CAIP-2 id and for v1 by the v1 name where one exists.
func (f *Facilitator) Supported() x402.SupportedResponse {
	out := x402.SupportedResponse{Kinds: []x402.SupportedKind{}, Extensions: []string{x402.ExtensionClaim}, Signers: map[string][]string{}}
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
