// Package onchain connects the offer reconciler to the chain: the ERC-8004 registration
// (exactly once per owner key and chain, through controller/erc8004, with the signed
// transaction persisted in the offer's status before it is broadcast) and the check
// that an offer's token EIP-712 domain matches the token contract.
package onchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/erc8004"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// Registration phases recorded in status.registration.phase.
const (
	PhaseSigned     = "Signed"
	PhaseBroadcast  = "Broadcast"
	PhaseRegistered = "Registered"
)

// Registrar implements offers.Registrar on one chain with one owner key.
type Registrar struct {
	Chain *erc8004.Registrar
	// Network is the CAIP-2 id of the registry's chain.
	Network string
	// AgentURI is where the registration file is published
	// (https://<host>/.well-known/agent-registration.json).
	AgentURI string
	// AwaitTimeout bounds how long one reconcile waits for a transaction to be mined;
	// the next reconcile resumes the persisted transaction. Default 20 s.
	AwaitTimeout time.Duration
}

func (r *Registrar) await() time.Duration {
	if r.AwaitTimeout > 0 {
		return r.AwaitTimeout
	}
	return 20 * time.Second
}

// Reconcile implements offers.Registrar.
func (r *Registrar) Reconcile(ctx context.Context, o *v1alpha1.ServiceOffer, peers []v1alpha1.ServiceOffer, persist func(context.Context) error) (bool, string, error) {
	registry := r.Chain.AgentRegistry()
	st := o.Status.Registration
	if st == nil || st.Registry != registry {
		// A new registry (or none yet): what was recorded for another one is history.
		st = &v1alpha1.RegistrationStatus{}
		o.Status.Registration = st
	}
	st.Chain, st.Registry, st.Owner = r.Network, registry, r.Chain.Owner().Hex()

	// 1. A transaction this offer signed earlier (maybe before a crash): finish it.
	if st.SignedTx != "" && (st.Phase == PhaseSigned || st.Phase == PhaseBroadcast) {
		done, msg, err := r.resume(ctx, st)
		if err != nil || !done {
			return false, msg, err
		}
	}
	if st.AgentID != "" {
		if st.AgentURI != r.AgentURI && r.AgentURI != "" && isOwnerOffer(o, peers) {
			return r.updateURI(ctx, st, persist)
		}
		return true, fmt.Sprintf("agent %s in %s", st.AgentID, registry), nil
	}

	// 2. Another offer of this controller already registered the agent, or is doing
	// so right now: share its agent instead of registering again.
	for i := range peers {
		p := &peers[i]
		if p.Namespace == o.Namespace && p.Name == o.Name {
			continue
		}
		ps := p.Status.Registration
		if ps == nil || ps.Registry != registry {
			continue
		}
		if ps.AgentID != "" && ps.Phase == PhaseRegistered {
			st.AgentID, st.AgentURI, st.TxHash, st.Phase = ps.AgentID, ps.AgentURI, ps.TxHash, PhaseRegistered
			st.SignedTx = ""
			return true, fmt.Sprintf("agent %s in %s (registered by %s/%s)", st.AgentID, registry, p.Namespace, p.Name), nil
		}
		if ps.Phase == PhaseSigned || ps.Phase == PhaseBroadcast {
			return false, fmt.Sprintf("waiting for the registration sent by %s/%s (%s)", p.Namespace, p.Name, ps.TxHash), nil
		}
	}

	// 3. Register. PrepareRegister adopts an agent the owner already has on chain.
	stx, existing, err := r.Chain.PrepareRegister(ctx, r.AgentURI)
	if existing != nil {
		st.AgentID, st.AgentURI, st.TxHash, st.Phase, st.SignedTx = existing.AgentID.String(), existing.AgentURI, existing.TxHash.Hex(), PhaseRegistered, ""
		if r.AgentURI != "" && existing.AgentURI != r.AgentURI && isOwnerOffer(o, peers) {
			return r.updateURI(ctx, st, persist)
		}
		return true, fmt.Sprintf("agent %s in %s (found on chain)", st.AgentID, registry), nil
	}
	if err != nil {
		return false, "prepare registration: " + err.Error(), err
	}
	st.SignedTx, st.TxHash, st.Phase, st.AgentURI = stx.Raw, stx.Hash, PhaseSigned, r.AgentURI
	if err := persist(ctx); err != nil {
		// Nothing was sent; the next reconcile signs again (same nonce).
		return false, "persist signed registration: " + err.Error(), err
	}
	return r.resume(ctx, st)
}

// resume broadcasts (again) and awaits the persisted transaction.
func (r *Registrar) resume(ctx context.Context, st *v1alpha1.RegistrationStatus) (bool, string, error) {
	stx, err := erc8004.SignedTxFromRaw(st.SignedTx)
	if err != nil {
		return false, err.Error(), err
	}
	actx, cancel := context.WithTimeout(ctx, r.await())
	defer cancel()
	res, err := r.Chain.Resume(actx, stx)
	switch {
	case err == nil:
		if res.AgentID != nil && res.Kind == erc8004.KindRegister {
			st.AgentID = res.AgentID.String()
		}
		st.AgentURI, st.TxHash, st.Phase, st.SignedTx = res.AgentURI, res.TxHash.Hex(), PhaseRegistered, ""
		return true, fmt.Sprintf("agent %s in %s (transaction %s)", st.AgentID, st.Registry, st.TxHash), nil
	case errors.Is(err, erc8004.ErrSuperseded):
		// Another transaction of the owner took the nonce: maybe a registration by a
		// controller that lost our status. Look before signing anything new.
		found, lerr := r.Chain.Lookup(ctx)
		if lerr != nil {
			return false, lerr.Error(), lerr
		}
		st.SignedTx, st.Phase = "", ""
		if found == nil {
			if st.AgentID != "" {
				return true, "setAgentURI superseded; will retry", nil
			}
			return false, "registration superseded and no agent found; signing again", nil
		}
		st.AgentID, st.AgentURI, st.TxHash, st.Phase = found.AgentID.String(), found.AgentURI, found.TxHash.Hex(), PhaseRegistered
		return true, fmt.Sprintf("agent %s in %s (found on chain)", st.AgentID, st.Registry), nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		st.Phase = PhaseBroadcast
		return false, fmt.Sprintf("transaction %s sent, waiting for it to be mined", stx.Hash), nil
	default:
		return false, err.Error(), err
	}
}

func (r *Registrar) updateURI(ctx context.Context, st *v1alpha1.RegistrationStatus, persist func(context.Context) error) (bool, string, error) {
	id, ok := new(big.Int).SetString(st.AgentID, 10)
	if !ok {
		return false, "agentId " + st.AgentID + " is not a number", fmt.Errorf("bad agentId %q", st.AgentID)
	}
	cur, err := r.Chain.AgentURI(ctx, id)
	if err != nil {
		return true, "agent registered; reading its URI failed: " + err.Error(), nil
	}
	if cur == r.AgentURI {
		st.AgentURI = cur
		return true, fmt.Sprintf("agent %s in %s", st.AgentID, st.Registry), nil
	}
	stx, err := r.Chain.PrepareSetAgentURI(ctx, id, r.AgentURI)
	if err != nil {
		return true, "agent registered; preparing setAgentURI failed: " + err.Error(), nil
	}
	st.SignedTx, st.TxHash, st.Phase = stx.Raw, stx.Hash, PhaseSigned
	if err := persist(ctx); err != nil {
		return true, "agent registered; persisting setAgentURI failed: " + err.Error(), err
	}
	done, msg, err := r.resume(ctx, st)
	if err != nil || !done {
		// The agent exists either way; the URI follows on a later reconcile.
		return true, "agent registered; URI update pending: " + msg, nil
	}
	return true, msg, nil
}

// isOwnerOffer: the oldest registration-enabled offer sends URI updates, so several
// offers sharing the agent do not race each other.
func isOwnerOffer(o *v1alpha1.ServiceOffer, peers []v1alpha1.ServiceOffer) bool {
	var enabled []*v1alpha1.ServiceOffer
	for i := range peers {
		if peers[i].RegistrationEnabled() && peers[i].DeletionTimestamp.IsZero() {
			enabled = append(enabled, &peers[i])
		}
	}
	if len(enabled) == 0 {
		return true
	}
	sort.Slice(enabled, func(i, j int) bool {
		a, b := enabled[i], enabled[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	return enabled[0].Namespace == o.Namespace && enabled[0].Name == o.Name
}

// TokenChecker implements offers.TokenChecker with one RPC client per chain. A match
// is remembered (a token's domain does not change), so the chain is read once per
// token and domain.
type TokenChecker struct {
	Callers map[string]ethereum.ContractCaller // CAIP-2 network → client
	mu      sync.Mutex
	ok      map[string]bool
}

// CheckToken implements offers.TokenChecker.
func (t *TokenChecker) CheckToken(ctx context.Context, network, asset, name, version string, decimals int) error {
	c, found := t.Callers[network]
	if !found {
		return nil
	}
	key := strings.Join([]string{network, strings.ToLower(asset), name, version, fmt.Sprint(decimals)}, "|")
	t.mu.Lock()
	hit := t.ok[key]
	t.mu.Unlock()
	if hit {
		return nil
	}
	want := erc8004.TokenDomain{Name: name, Version: version}
	if decimals > 0 && decimals < 256 {
		want.Decimals = uint8(decimals)
	}
	err := erc8004.VerifyTokenDomain(ctx, c, common.HexToAddress(asset), want)
	var mismatch *erc8004.DomainMismatchError
	if errors.As(err, &mismatch) {
		return &render.Problem{Reason: camel(mismatch.Reason), Message: mismatch.Message}
	}
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.ok == nil {
		t.ok = map[string]bool{}
	}
	t.ok[key] = true
	t.mu.Unlock()
	return nil
}

// camel turns a snake_case reason code into the CamelCase of condition reasons:
// token_name_mismatch → TokenNameMismatch.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// Config is what the controller's flags say about chains.
type Config struct {
	// Registry is "eip155:<chainId>:<address>"; empty disables registration.
	Registry string
	// RegistryRPC is a JSON-RPC URL of the registry's chain.
	RegistryRPC string
	// OwnerKeyHex is the owner's private key (hex); it signs registrations.
	OwnerKeyHex string
	// AgentURI is where the registration file is published.
	AgentURI string
	// TokenRPCs maps CAIP-2 networks to JSON-RPC URLs for token domain checks (the
	// registry's chain is added automatically).
	TokenRPCs map[string]string
	// LookupFromBlock and LookupChunk tune the Registered-event scan.
	LookupFromBlock uint64
	LookupChunk     uint64
}

// Setup dials the configured chains. Either result may be nil (not configured).
// close releases the RPC connections.
func Setup(ctx context.Context, cfg Config) (reg *Registrar, tokens *TokenChecker, closeAll func(), err error) {
	var clients []*ethclient.Client
	closeAll = func() {
		for _, c := range clients {
			c.Close()
		}
	}
	dial := func(url string) (*ethclient.Client, error) {
		c, err := ethclient.DialContext(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", url, err)
		}
		clients = append(clients, c)
		return c, nil
	}
	callers := map[string]ethereum.ContractCaller{}
	if cfg.Registry != "" {
		parts := strings.Split(cfg.Registry, ":")
		if len(parts) != 3 || parts[0] != "eip155" || !common.IsHexAddress(parts[2]) {
			return nil, nil, closeAll, fmt.Errorf("registry %q must be eip155:<chainId>:<address>", cfg.Registry)
		}
		if cfg.RegistryRPC == "" || cfg.OwnerKeyHex == "" {
			return nil, nil, closeAll, errors.New("a registry needs its RPC URL and the owner key")
		}
		key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(cfg.OwnerKeyHex), "0x"))
		if err != nil {
			return nil, nil, closeAll, fmt.Errorf("owner key: %w", err)
		}
		c, err := dial(cfg.RegistryRPC)
		if err != nil {
			return nil, nil, closeAll, err
		}
		chain, err := erc8004.New(ctx, c, common.HexToAddress(parts[2]), key, erc8004.Options{
			LookupFromBlock: cfg.LookupFromBlock, LookupChunk: cfg.LookupChunk, PollInterval: 500 * time.Millisecond,
		})
		if err != nil {
			return nil, nil, closeAll, err
		}
		network := parts[0] + ":" + parts[1]
		if got := chain.AgentRegistry(); !strings.EqualFold(got, cfg.Registry) {
			return nil, nil, closeAll, fmt.Errorf("registry %s: the RPC serves %s", cfg.Registry, got)
		}
		reg = &Registrar{Chain: chain, Network: network, AgentURI: cfg.AgentURI}
		callers[network] = c
	}
	for network, url := range cfg.TokenRPCs {
		c, err := dial(url)
		if err != nil {
			return nil, nil, closeAll, err
		}
		callers[network] = c
	}
	if len(callers) > 0 {
		tokens = &TokenChecker{Callers: callers}
	}
	return reg, tokens, closeAll, nil
}
