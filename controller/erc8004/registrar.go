// Package erc8004 registers Turnpike sellers as ERC-8004 agents, exactly once per owner
// key and chain, and keeps their agentURI current.
//
// # Exactly once, across crashes and leader changes
//
// A registration is a transaction that must never be sent twice as two different
// transactions. The caller (the controller) drives three steps and persists between
// them:
//
//	stx, err := r.PrepareRegister(ctx, agentURI)  // signs; sends nothing
//	// persist stx (Hash, Raw, Nonce) e.g. in the ServiceOffer status, THEN:
//	err = r.Broadcast(ctx, stx)                    // idempotent, safe to repeat
//	res, err := r.Await(ctx, stx)                  // res.AgentID from the Registered log
//
// After a crash at any point, the caller re-runs Broadcast + Await with the persisted
// stx (Resume does both). Broadcasting the same raw bytes again is harmless: "already
// known" and "nonce too low" are resolved by looking up the receipt of that very hash.
//
// Before signing, PrepareRegister looks for an existing registration of the owner
// (Lookup) at a pinned block and signs with the owner's nonce at that same block. So a
// second controller that lost the persisted transaction either finds the first
// registration or signs the same nonce, and only one of two same-nonce transactions can
// ever be mined: the loser's Await returns ErrSuperseded, and the caller calls Lookup
// (Register does all of this). ErrAlreadyRegistered from PrepareRegister carries the
// existing agent.
//
// All registrations of an owner key must go through this package for the guarantee to
// hold (the nonce is the lock).
//
// # Wiring into the ServiceOffer status
//
// RegistrationStatus needs only the raw bytes: store stx.Raw in signedTx and stx.Hash in
// txHash with phase Signed (status update must succeed before Broadcast), phase
// Broadcast after Broadcast, and agentId (Result.AgentID.String()) with phase Registered
// after Await. On every reconcile with phase Signed or Broadcast, rebuild the
// transaction with SignedTxFromRaw(signedTx) and call Resume. On ErrSuperseded, call
// Lookup and record what it finds (or prepare anew when it finds nothing). With no
// status at all, PrepareRegister itself adopts an existing registration
// (ErrAlreadyRegistered + the Registration).
//
// # URI changes
//
// PrepareSetAgentURI + Broadcast + Await (or EnsureURI) send setAgentURI; Await returns
// the URIUpdated data.
//
// # Token domain checks
//
// ReadTokenDomain reads name/version/decimals of an EIP-3009 token, and
// VerifyTokenDomain compares them with an offer's EIP-712 extra, so the controller can
// refuse offers whose signatures would never verify on chain.
package erc8004

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/identity"
)

// Backend is the part of *ethclient.Client the registrar uses.
type Backend interface {
	ethereum.ChainIDReader
	ethereum.ChainStateReader
	ethereum.ContractCaller
	ethereum.GasEstimator
	ethereum.GasPricer1559
	ethereum.LogFilterer
	ethereum.TransactionSender
	ethereum.TransactionReader
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

// Kinds of prepared transactions.
const (
	KindRegister    = "register"
	KindSetAgentURI = "setAgentURI"
)

var (
	// ErrSuperseded: another transaction of the owner used the same nonce, so this one
	// can never be mined. Call Lookup (registration) or re-check the URI.
	ErrSuperseded = errors.New("erc8004: transaction superseded by another with the same nonce")
	// ErrReverted: the transaction was mined but reverted.
	ErrReverted = errors.New("erc8004: transaction reverted")
	// ErrAlreadyRegistered wraps the Registration found by PrepareRegister.
	ErrAlreadyRegistered = errors.New("erc8004: owner already registered")
)

// SignedTx is a signed transaction that has not necessarily been sent. Persist it before
// Broadcast. All fields are strings or integers so it fits a Kubernetes status as is.
type SignedTx struct {
	Kind    string `json:"kind"`
	ChainID uint64 `json:"chainId"`
	From    string `json:"from"`
	Nonce   uint64 `json:"nonce"`
	Hash    string `json:"hash"` // 0x-hex transaction hash
	Raw     string `json:"raw"`  // 0x-hex binary (EIP-2718) encoding, as eth_sendRawTransaction takes it
}

// SignedTxFromRaw rebuilds a SignedTx from its raw bytes alone (0x hex), so a status that
// stores only the raw transaction is enough to resume: hash, nonce, chain id, sender and
// kind (from the call's selector) are all derived.
func SignedTxFromRaw(raw string) (SignedTx, error) {
	b, err := hexutil.Decode(raw)
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: stored transaction: %w", err)
	}
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(b); err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: stored transaction: %w", err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: stored transaction sender: %w", err)
	}
	kind, err := kindOf(tx.Data())
	if err != nil {
		return SignedTx{}, err
	}
	return SignedTx{Kind: kind, ChainID: tx.ChainId().Uint64(), From: from.Hex(), Nonce: tx.Nonce(),
		Hash: tx.Hash().Hex(), Raw: raw}, nil
}

func kindOf(data []byte) (string, error) {
	if len(data) >= 4 {
		a := identity.NewIdentityRegistry().GetABI()
		m, err := a.MethodById(data[:4])
		if err == nil {
			switch m.Name {
			case "register", "register0", "register1":
				return KindRegister, nil
			case "setAgentURI":
				return KindSetAgentURI, nil
			}
		}
	}
	return "", errors.New("erc8004: stored transaction is neither register nor setAgentURI")
}

// Result is what a mined transaction did.
type Result struct {
	Kind     string
	AgentID  *big.Int // from Registered (register) or URIUpdated (setAgentURI)
	AgentURI string
	TxHash   common.Hash
	Block    uint64
}

// Registration is an agent found on chain.
type Registration struct {
	AgentID  *big.Int
	AgentURI string // the URI at registration time (Registered event)
	TxHash   common.Hash
	Block    uint64
}

// Options tune a Registrar. Zero values are fine for the dev chain.
type Options struct {
	// LookupFromBlock is where Lookup starts scanning for Registered events. Set it to
	// the registry's deployment block on public chains; 0 scans from genesis.
	LookupFromBlock uint64
	// LookupChunk splits the scan into eth_getLogs calls of at most this many blocks,
	// for RPC providers that limit the range; 0 means one call.
	LookupChunk uint64
	// PollInterval for Await; default 100 ms.
	PollInterval time.Duration
}

// Registrar sends identity-registry transactions for one owner key on one chain.
// Its methods are safe for concurrent use.
type Registrar struct {
	b        Backend
	registry common.Address
	key      *ecdsa.PrivateKey
	owner    common.Address
	chainID  *big.Int
	signer   types.Signer
	abi      *identity.IdentityRegistry
	opts     Options
	mu       sync.Mutex // serializes the in-process Register/EnsureURI flows
}

// New binds a registrar to a chain (its id is read once) and a registry address.
func New(ctx context.Context, b Backend, registry common.Address, key *ecdsa.PrivateKey, opts Options) (*Registrar, error) {
	id, err := b.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("erc8004: read chain id: %w", err)
	}
	code, err := b.CodeAt(ctx, registry, nil)
	if err != nil {
		return nil, fmt.Errorf("erc8004: read registry code: %w", err)
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("erc8004: no contract at registry %s on chain %s", registry.Hex(), id)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 100 * time.Millisecond
	}
	return &Registrar{
		b: b, registry: registry, key: key, owner: crypto.PubkeyToAddress(key.PublicKey),
		chainID: id, signer: types.LatestSignerForChainID(id), abi: identity.NewIdentityRegistry(), opts: opts,
	}, nil
}

// Owner is the address that owns the registrations.
func (r *Registrar) Owner() common.Address { return r.owner }

// AgentRegistry is the ERC-8004 registry identifier "eip155:<chainId>:<address>".
func (r *Registrar) AgentRegistry() string {
	return fmt.Sprintf("eip155:%s:%s", r.chainID, r.registry.Hex())
}

// PrepareRegister signs register(agentURI) without sending it. If the owner already has
// an agent it returns an error wrapping ErrAlreadyRegistered together with it.
func (r *Registrar) PrepareRegister(ctx context.Context, agentURI string) (SignedTx, *Registration, error) {
	head, err := r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return SignedTx{}, nil, fmt.Errorf("erc8004: read head: %w", err)
	}
	// Nonce and lookup at the same block: see the package doc for why this is the lock.
	nonce, err := r.b.NonceAt(ctx, r.owner, head.Number)
	if err != nil {
		return SignedTx{}, nil, fmt.Errorf("erc8004: read nonce: %w", err)
	}
	existing, err := r.lookupUpTo(ctx, head.Number.Uint64())
	if err != nil {
		return SignedTx{}, nil, err
	}
	if existing != nil {
		return SignedTx{}, existing, fmt.Errorf("%w: agent %s", ErrAlreadyRegistered, existing.AgentID)
	}
	stx, err := r.sign(ctx, KindRegister, nonce, head, r.abi.PackRegister1(agentURI))
	return stx, nil, err
}

// PrepareSetAgentURI signs setAgentURI(agentID, uri) with the owner's current nonce.
func (r *Registrar) PrepareSetAgentURI(ctx context.Context, agentID *big.Int, uri string) (SignedTx, error) {
	head, err := r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: read head: %w", err)
	}
	nonce, err := r.b.NonceAt(ctx, r.owner, head.Number)
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: read nonce: %w", err)
	}
	return r.sign(ctx, KindSetAgentURI, nonce, head, r.abi.PackSetAgentURI(agentID, uri))
}

func (r *Registrar) sign(ctx context.Context, kind string, nonce uint64, head *types.Header, data []byte) (SignedTx, error) {
	gas, err := r.b.EstimateGas(ctx, ethereum.CallMsg{From: r.owner, To: &r.registry, Data: data})
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: estimate %s: %w", kind, err)
	}
	tip, err := r.b.SuggestGasTipCap(ctx)
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: suggest tip: %w", err)
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	tx, err := types.SignNewTx(r.key, r.signer, &types.DynamicFeeTx{
		ChainID: r.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas + gas/4, To: &r.registry, Data: data,
	})
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: sign %s: %w", kind, err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return SignedTx{}, fmt.Errorf("erc8004: encode %s: %w", kind, err)
	}
	return SignedTx{Kind: kind, ChainID: r.chainID.Uint64(), From: r.owner.Hex(), Nonce: nonce,
		Hash: tx.Hash().Hex(), Raw: hexutil.Encode(raw)}, nil
}

// decode checks that stx is a transaction of this registrar and returns it.
func (r *Registrar) decode(stx SignedTx) (*types.Transaction, error) {
	raw, err := hexutil.Decode(stx.Raw)
	if err != nil {
		return nil, fmt.Errorf("erc8004: stored transaction: %w", err)
	}
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("erc8004: stored transaction: %w", err)
	}
	if tx.Hash() != common.HexToHash(stx.Hash) {
		return nil, fmt.Errorf("erc8004: stored transaction hash %s does not match its bytes (%s)", stx.Hash, tx.Hash().Hex())
	}
	if tx.ChainId().Cmp(r.chainID) != 0 {
		return nil, fmt.Errorf("erc8004: stored transaction is for chain %s, registrar is on %s", tx.ChainId(), r.chainID)
	}
	if tx.To() == nil || *tx.To() != r.registry {
		return nil, fmt.Errorf("erc8004: stored transaction is not addressed to registry %s", r.registry.Hex())
	}
	return tx, nil
}

// Broadcast sends the persisted transaction. Sending it again (after a crash, or
// concurrently) returns nil when the node already has it or has mined it; it returns
// an error wrapping ErrSuperseded when another transaction took its nonce.
func (r *Registrar) Broadcast(ctx context.Context, stx SignedTx) error {
	tx, err := r.decode(stx)
	if err != nil {
		return err
	}
	sendErr := r.b.SendTransaction(ctx, tx)
	if sendErr == nil || isKnown(sendErr) {
		return nil
	}
	if !isNonceTaken(sendErr) {
		return fmt.Errorf("erc8004: broadcast %s %s: %w", stx.Kind, stx.Hash, sendErr)
	}
	// The nonce is used or pending: fine if it is by this very transaction.
	if _, err := r.b.TransactionReceipt(ctx, tx.Hash()); err == nil {
		return nil
	}
	if _, _, err := r.b.TransactionByHash(ctx, tx.Hash()); err == nil {
		return nil // pending under this hash
	}
	if strings.Contains(strings.ToLower(sendErr.Error()), "nonce too low") {
		return fmt.Errorf("%w: %s (%v)", ErrSuperseded, stx.Hash, sendErr)
	}
	// A different transaction with this nonce is pending; it may still be replaced or
	// mined. Report it; Await tells which one won.
	return fmt.Errorf("erc8004: broadcast %s %s: %w", stx.Kind, stx.Hash, sendErr)
}

func isKnown(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "already known") || strings.Contains(s, "known transaction") ||
		strings.Contains(s, "already imported") || strings.Contains(s, "alreadyknown")
}

func isNonceTaken(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "replacement transaction underpriced") ||
		strings.Contains(s, "nonce has already been used")
}

// Await waits until the transaction is mined and returns what it did. It returns an
// error wrapping ErrSuperseded when the owner's nonce moved past it without it, and
// ErrReverted when it reverted. It does not send anything.
func (r *Registrar) Await(ctx context.Context, stx SignedTx) (Result, error) {
	tx, err := r.decode(stx)
	if err != nil {
		return Result{}, err
	}
	for {
		rcpt, err := r.b.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			return r.result(stx.Kind, rcpt)
		}
		if !errors.Is(err, ethereum.NotFound) && !strings.Contains(err.Error(), "indexing is in progress") {
			return Result{}, fmt.Errorf("erc8004: receipt %s: %w", stx.Hash, err)
		}
		nonce, nerr := r.b.NonceAt(ctx, r.owner, nil)
		if nerr != nil {
			return Result{}, fmt.Errorf("erc8004: read nonce: %w", nerr)
		}
		if nonce > tx.Nonce() {
			// Mined nonce moved past ours: ours is mined (re-check: the receipt may have
			// landed between the two reads) or superseded.
			if rcpt, err := r.b.TransactionReceipt(ctx, tx.Hash()); err == nil {
				return r.result(stx.Kind, rcpt)
			}
			return Result{}, fmt.Errorf("%w: %s (nonce %d)", ErrSuperseded, stx.Hash, tx.Nonce())
		}
		select {
		case <-ctx.Done():
			return Result{}, fmt.Errorf("erc8004: await %s: %w", stx.Hash, ctx.Err())
		case <-time.After(r.opts.PollInterval):
		}
	}
}

func (r *Registrar) result(kind string, rcpt *types.Receipt) (Result, error) {
	res := Result{Kind: kind, TxHash: rcpt.TxHash, Block: rcpt.BlockNumber.Uint64()}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return res, fmt.Errorf("%w: %s %s", ErrReverted, kind, rcpt.TxHash.Hex())
	}
	for _, l := range rcpt.Logs {
		if l.Address != r.registry || len(l.Topics) == 0 {
			continue
		}
		switch {
		case kind == KindRegister && l.Topics[0] == r.abi.GetABI().Events["Registered"].ID:
			ev, err := r.abi.UnpackRegisteredEvent(l)
			if err != nil {
				return res, fmt.Errorf("erc8004: decode Registered: %w", err)
			}
			res.AgentID, res.AgentURI = ev.AgentId, ev.AgentURI
			return res, nil
		case kind == KindSetAgentURI && l.Topics[0] == r.abi.GetABI().Events["URIUpdated"].ID:
			ev, err := r.abi.UnpackURIUpdatedEvent(l)
			if err != nil {
				return res, fmt.Errorf("erc8004: decode URIUpdated: %w", err)
			}
			res.AgentID, res.AgentURI = ev.AgentId, ev.NewURI
			return res, nil
		}
	}
	return res, fmt.Errorf("erc8004: %s transaction %s has no %s event from registry %s", kind, rcpt.TxHash.Hex(),
		map[string]string{KindRegister: "Registered", KindSetAgentURI: "URIUpdated"}[kind], r.registry.Hex())
}

// Resume finishes a persisted transaction after a restart: Broadcast, then Await.
func (r *Registrar) Resume(ctx context.Context, stx SignedTx) (Result, error) {
	// A superseded or competing transaction is not fatal here: Await reports who won.
	if err := r.Broadcast(ctx, stx); err != nil && !errors.Is(err, ErrSuperseded) && !isNonceTaken(err) {
		return Result{}, err
	}
	return r.Await(ctx, stx)
}

// Lookup finds the owner's agent: the lowest agentId registered by the owner that the
// owner still holds. Nil when there is none.
func (r *Registrar) Lookup(ctx context.Context) (*Registration, error) {
	head, err := r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("erc8004: read head: %w", err)
	}
	return r.lookupUpTo(ctx, head.Number.Uint64())
}

func (r *Registrar) lookupUpTo(ctx context.Context, to uint64) (*Registration, error) {
	from := r.opts.LookupFromBlock
	for from <= to {
		end := to
		if r.opts.LookupChunk > 0 && to-from >= r.opts.LookupChunk {
			end = from + r.opts.LookupChunk - 1
		}
		found, err := r.lookupRange(ctx, from, end, to)
		if err != nil || found != nil {
			return found, err
		}
		from = end + 1
	}
	return nil, nil
}

// lookupRange searches [from, end]; ownership is checked at block at.
func (r *Registrar) lookupRange(ctx context.Context, from, end, at uint64) (*Registration, error) {
	logs, err := r.b.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from),
		ToBlock:   new(big.Int).SetUint64(end),
		Addresses: []common.Address{r.registry},
		Topics: [][]common.Hash{{r.abi.GetABI().Events["Registered"].ID}, nil,
			{common.BytesToHash(r.owner.Bytes())}},
	})
	if err != nil {
		return nil, fmt.Errorf("erc8004: search Registered events in blocks %d-%d: %w", from, end, err)
	}
	for _, l := range logs {
		ev, err := r.abi.UnpackRegisteredEvent(&l)
		if err != nil {
			return nil, fmt.Errorf("erc8004: decode Registered: %w", err)
		}
		owner, err := r.ownerOf(ctx, ev.AgentId, at)
		if err != nil {
			return nil, err
		}
		if owner == r.owner {
			return &Registration{AgentID: ev.AgentId, AgentURI: ev.AgentURI, TxHash: l.TxHash, Block: l.BlockNumber}, nil
		}
	}
	return nil, nil
}

func (r *Registrar) ownerOf(ctx context.Context, agentID *big.Int, block uint64) (common.Address, error) {
	out, err := r.b.CallContract(ctx, ethereum.CallMsg{To: &r.registry, Data: r.abi.PackOwnerOf(agentID)},
		new(big.Int).SetUint64(block))
	if err != nil {
		return common.Address{}, fmt.Errorf("erc8004: ownerOf(%s): %w", agentID, err)
	}
	owner, err := r.abi.UnpackOwnerOf(out)
	if err != nil {
		return common.Address{}, fmt.Errorf("erc8004: ownerOf(%s): %w", agentID, err)
	}
	return owner, nil
}

// AgentURI reads the current agentURI (tokenURI) of an agent.
func (r *Registrar) AgentURI(ctx context.Context, agentID *big.Int) (string, error) {
	out, err := r.b.CallContract(ctx, ethereum.CallMsg{To: &r.registry, Data: r.abi.PackTokenURI(agentID)}, nil)
	if err != nil {
		return "", fmt.Errorf("erc8004: tokenURI(%s): %w", agentID, err)
	}
	uri, err := r.abi.UnpackTokenURI(out)
	if err != nil {
		return "", fmt.Errorf("erc8004: tokenURI(%s): %w", agentID, err)
	}
	return uri, nil
}

// Register runs the whole exactly-once flow in one call: Lookup, sign, persist (the
// callback must store stx durably and return nil before anything is sent), Broadcast,
// Await. A superseded transaction is resolved by a new Lookup. Use Resume for a
// transaction persisted by an earlier run.
func (r *Registrar) Register(ctx context.Context, agentURI string, persist func(context.Context, SignedTx) error) (Registration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stx, existing, err := r.PrepareRegister(ctx, agentURI)
	if existing != nil {
		return *existing, nil
	}
	if err != nil {
		return Registration{}, err
	}
	if err := persist(ctx, stx); err != nil {
		return Registration{}, fmt.Errorf("erc8004: persist signed register transaction: %w", err)
	}
	res, err := r.Resume(ctx, stx)
	if errors.Is(err, ErrSuperseded) {
		found, lerr := r.Lookup(ctx)
		if lerr != nil {
			return Registration{}, lerr
		}
		if found == nil {
			return Registration{}, fmt.Errorf("erc8004: register transaction superseded and no registration found: %w", err)
		}
		return *found, nil
	}
	if err != nil {
		return Registration{}, err
	}
	return Registration{AgentID: res.AgentID, AgentURI: res.AgentURI, TxHash: res.TxHash, Block: res.Block}, nil
}

// EnsureURI sends setAgentURI when the on-chain URI differs from uri. It reports
// whether a transaction was sent. persist works as in Register.
func (r *Registrar) EnsureURI(ctx context.Context, agentID *big.Int, uri string, persist func(context.Context, SignedTx) error) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, err := r.AgentURI(ctx, agentID)
	if err != nil {
		return false, err
	}
	if cur == uri {
		return false, nil
	}
	stx, err := r.PrepareSetAgentURI(ctx, agentID, uri)
	if err != nil {
		return false, err
	}
	if err := persist(ctx, stx); err != nil {
		return false, fmt.Errorf("erc8004: persist signed setAgentURI transaction: %w", err)
	}
	if _, err := r.Resume(ctx, stx); err != nil {
		return true, err
	}
	return true, nil
}
