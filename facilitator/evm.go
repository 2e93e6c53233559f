package facilitator

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/eip3009"
)

// EVMOptions tune an EVM chain.
type EVMOptions struct {
	// LookbackBlocks bounds the log search for an earlier settlement of an
	// authorization (settles that arrive after the answer was forgotten). Default 100000.
	LookbackBlocks uint64
	// TokenTTL is how long name()/version()/code of an asset are cached. Default 1 h.
	TokenTTL time.Duration
	// GasHeadroomPercent is added to the gas estimate. Default 20.
	GasHeadroomPercent uint64
	// GasReuse is how long an asset's last gas estimate (plus headroom) is reused as
	// the limit of its later transfers, each simulated once at that limit instead of
	// estimated; then the next transfer is estimated again, so a limit raised by one
	// costly transfer (a payee's first balance) comes back down. Default 1 min.
	GasReuse time.Duration
	// NoGasReuse estimates gas for every settlement (eth_estimateGas, several EVM
	// runs each). For baseline measurements.
	NoGasReuse bool
}

// EVM is a Chain over JSON-RPC. Reads that verify needs go out as one JSON-RPC batch;
// transactions are signed locally with the relayer key and nonces are assigned under
// a lock, so concurrent settlements never reuse a nonce; the send itself runs outside
// the lock, so settlements are pipelined rather than one per round trip (or one per
// block, with a node that answers a send once it is mined).
type EVM struct {
	rpc     *rpc.Client
	eth     *ethclient.Client
	chainID *big.Int
	key     *ecdsa.PrivateKey
	relayer common.Address
	signer  types.Signer
	opts    EVMOptions
	tok     *token.EIP3009Token
	usedID  common.Hash // AuthorizationUsed event id

	tokMu  sync.Mutex
	tokens map[common.Address]tokenEntry

	nonceMu    sync.Mutex
	nonce      uint64
	nonceKnown bool

	// gasMu guards gasLimits: per asset, the last estimate plus headroom of a
	// transferWithAuthorization with a 65-byte signature, and until when to reuse it.
	gasMu     sync.Mutex
	gasLimits map[common.Address]gasLimit
}

type gasLimit struct {
	gas   uint64
	until time.Time
}

type tokenEntry struct {
	info    TokenInfo
	expires time.Time
}

// DialEVM connects to a JSON-RPC endpoint and reads its chain id. key is the relayer
// (it pays gas for settlements).
func DialEVM(ctx context.Context, url string, key *ecdsa.PrivateKey, opts EVMOptions) (*EVM, error) {
	// go-ethereum's default HTTP client keeps 2 idle connections per host; under
	// concurrent verifies that churns a new TCP connection per call.
	hc := &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
	}}
	c, err := rpc.DialOptions(ctx, url, rpc.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	return NewEVM(ctx, c, key, opts)
}

// NewEVM builds a Chain on an existing RPC client.
func NewEVM(ctx context.Context, c *rpc.Client, key *ecdsa.PrivateKey, opts EVMOptions) (*EVM, error) {
	if key == nil {
		return nil, errors.New("evm chain: relayer key is required")
	}
	if opts.LookbackBlocks == 0 {
		opts.LookbackBlocks = 100_000
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.GasHeadroomPercent == 0 {
		opts.GasHeadroomPercent = 20
	}
	if opts.GasReuse <= 0 {
		opts.GasReuse = time.Minute
	}
	eth := ethclient.NewClient(c)
	id, err := eth.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("read chain id: %w", err)
	}
	return &EVM{
		rpc: c, eth: eth, chainID: id, key: key,
		relayer: crypto.PubkeyToAddress(key.PublicKey),
		signer:  types.LatestSignerForChainID(id),
		opts:    opts,
		tok:     token.NewEIP3009Token(),
		usedID:  authorizationUsedTopic,
		tokens:  map[common.Address]tokenEntry{},

		gasLimits: map[common.Address]gasLimit{},
	}, nil
}

// ChainID implements Chain.
func (e *EVM) ChainID() *big.Int { return new(big.Int).Set(e.chainID) }

// Relayer implements Chain.
func (e *EVM) Relayer() common.Address { return e.relayer }

// Healthy implements Chain.
func (e *EVM) Healthy(ctx context.Context) error {
	_, err := e.eth.BlockNumber(ctx)
	return err
}

// RelayerBalance implements Chain.
func (e *EVM) RelayerBalance(ctx context.Context) (*big.Int, error) {
	return e.eth.BalanceAt(ctx, e.relayer, nil)
}

// Close closes the RPC client.
func (e *EVM) Close() { e.rpc.Close() }

type callArgs struct {
	From *common.Address `json:"from,omitempty"`
	To   common.Address  `json:"to"`
	Gas  *hexutil.Uint64 `json:"gas,omitempty"`
	Data hexutil.Bytes   `json:"data"`
}

// Token implements Chain: code, name() and version() in one batch, cached.
func (e *EVM) Token(ctx context.Context, asset common.Address) (TokenInfo, error) {
	e.tokMu.Lock()
	t, ok := e.tokens[asset]
	e.tokMu.Unlock()
	if ok && time.Now().Before(t.expires) {
		return t.info, nil
	}
	var code, name, version hexutil.Bytes
	batch := []rpc.BatchElem{
		{Method: "eth_getCode", Args: []any{asset, "latest"}, Result: &code},
		{Method: "eth_call", Args: []any{callArgs{To: asset, Data: e.tok.PackName()}, "latest"}, Result: &name},
		{Method: "eth_call", Args: []any{callArgs{To: asset, Data: e.tok.PackVersion()}, "latest"}, Result: &version},
	}
	if err := e.rpc.BatchCallContext(ctx, batch); err != nil {
		return TokenInfo{}, err
	}
	if batch[0].Error != nil {
		return TokenInfo{}, fmt.Errorf("eth_getCode: %w", batch[0].Error)
	}
	info := TokenInfo{IsContract: len(code) > 0}
	if info.IsContract {
		info.Name, info.NameErr = unpackString(batch[1].Error, name, e.tok.UnpackName)
		info.Version, info.VersionErr = unpackString(batch[2].Error, version, e.tok.UnpackVersion)
	}
	e.tokMu.Lock()
	e.tokens[asset] = tokenEntry{info: info, expires: time.Now().Add(e.opts.TokenTTL)}
	e.tokMu.Unlock()
	return info, nil
}

func unpackString(callErr error, out []byte, unpack func([]byte) (string, error)) (string, error) {
	if callErr != nil {
		return "", callErr
	}
	return unpack(out)
}

// transferCalldata packs transferWithAuthorization: the v,r,s overload for 65-byte
// signatures (v normalised to 27/28, what USDC's ECRecover demands), the bytes
// overload for anything else (ERC-1271 smart wallets).
func (e *EVM) transferCalldata(a eip3009.Authorization, sig []byte) ([]byte, error) {
	if len(sig) == 65 {
		v, r, s, err := eip3009.SplitSignature(sig)
		if err != nil {
			return nil, err
		}
		return e.tok.TryPackTransferWithAuthorization0(a.From, a.To, a.Value, a.ValidAfter, a.ValidBefore, [32]byte(a.Nonce), v, r, s)
	}
	return e.tok.TryPackTransferWithAuthorization(a.From, a.To, a.Value, a.ValidAfter, a.ValidBefore, [32]byte(a.Nonce), sig)
}

// erc1271Magic is what isValidSignature returns for a valid signature; by ERC-1271's
// design it is also the selector of isValidSignature(bytes32,bytes).
var erc1271Magic = [4]byte{0x16, 0x26, 0xba, 0x7e}

// isValidSignatureArgs encodes ERC-1271 isValidSignature(bytes32,bytes); built from
// types, not from an ABI string, because no binding here covers wallets.
var isValidSignatureArgs = func() abi.Arguments {
	b32, _ := abi.NewType("bytes32", "", nil)
	bs, _ := abi.NewType("bytes", "", nil)
	return abi.Arguments{{Type: b32}, {Type: bs}}
}()

// ContractSignature implements Chain: eth_getCode and isValidSignature in one batch.
func (e *EVM) ContractSignature(ctx context.Context, signer common.Address, digest common.Hash, sig []byte) (bool, bool, error) {
	args, err := isValidSignatureArgs.Pack([32]byte(digest), sig)
	if err != nil {
		return false, false, err
	}
	data := append(erc1271Magic[:], args...)
	var code, out hexutil.Bytes
	batch := []rpc.BatchElem{
		{Method: "eth_getCode", Args: []any{signer, "latest"}, Result: &code},
		{Method: "eth_call", Args: []any{callArgs{To: signer, Data: data}, "latest"}, Result: &out},
	}
	if err := e.rpc.BatchCallContext(ctx, batch); err != nil {
		return false, false, err
	}
	if batch[0].Error != nil {
		return false, false, fmt.Errorf("eth_getCode: %w", batch[0].Error)
	}
	if len(code) == 0 {
		return false, false, nil
	}
	// A revert or a short answer is a refusal, as the token's SignatureChecker sees it.
	return true, batch[1].Error == nil && len(out) >= 32 && [4]byte(out[:4]) == erc1271Magic, nil
}

// Simulate implements Chain.
func (e *EVM) Simulate(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (error, error) {
	data, err := e.transferCalldata(a, sig)
	if err != nil {
		return err, nil
	}
	from := e.relayer
	var out hexutil.Bytes
	err = e.rpc.CallContext(ctx, &out, "eth_call", callArgs{From: &from, To: asset, Data: data}, "latest")
	if err == nil {
		return nil, nil
	}
	// A JSON-RPC error answer (a revert, an invalid argument) is the call failing;
	// anything else never reached the EVM.
	var rpcErr rpc.Error
	if errors.As(err, &rpcErr) {
		return err, nil
	}
	return nil, err
}

// Inspect implements Chain: simulate the transfer, read authorizationState and
// balanceOf, all in one JSON-RPC batch.
func (e *EVM) Inspect(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte) (Inspection, error) {
	data, err := e.transferCalldata(a, sig)
	if err != nil {
		return Inspection{SimErr: err}, nil
	}
	from := e.relayer
	var sim, state, bal hexutil.Bytes
	batch := []rpc.BatchElem{
		{Method: "eth_call", Args: []any{callArgs{From: &from, To: asset, Data: data}, "latest"}, Result: &sim},
		{Method: "eth_call", Args: []any{callArgs{To: asset, Data: e.tok.PackAuthorizationState(a.From, [32]byte(a.Nonce))}, "latest"}, Result: &state},
		{Method: "eth_call", Args: []any{callArgs{To: asset, Data: e.tok.PackBalanceOf(a.From)}, "latest"}, Result: &bal},
	}
	if err := e.rpc.BatchCallContext(ctx, batch); err != nil {
		return Inspection{}, err
	}
	ins := Inspection{SimErr: batch[0].Error}
	if batch[1].Error != nil {
		ins.StateErr = batch[1].Error
	} else if ins.Used, err = e.tok.UnpackAuthorizationState(state); err != nil {
		ins.StateErr = err
	}
	if batch[2].Error != nil {
		ins.BalanceErr = batch[2].Error
	} else if ins.Balance, err = e.tok.UnpackBalanceOf(bal); err != nil {
		ins.BalanceErr = err
	}
	return ins, nil
}

// Submit implements Chain.
func (e *EVM) Submit(ctx context.Context, asset common.Address, a eip3009.Authorization, sig []byte, signed func(common.Hash) error) (common.Hash, error) {
	data, err := e.transferCalldata(a, sig)
	if err != nil {
		return common.Hash{}, &SimulationError{Err: err}
	}
	gas, tip, baseFee, err := e.prepare(ctx, asset, data, len(sig) == 65)
	if err != nil {
		return common.Hash{}, err
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(baseFee, big.NewInt(2)))

	for attempt := 0; ; attempt++ {
		tx, err := e.reserveNonce(ctx, signed, func(nonce uint64) (*types.Transaction, error) {
			return types.SignNewTx(e.key, e.signer, &types.DynamicFeeTx{
				ChainID: e.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas, To: &asset, Data: data,
			})
		})
		if err != nil {
			return common.Hash{}, err
		}
		// Concurrent sends may reach the node out of nonce order; the pool holds a
		// later nonce until the earlier one arrives.
		err = e.eth.SendTransaction(ctx, tx)
		if err == nil || strings.Contains(err.Error(), "already known") {
			return tx.Hash(), nil
		}
		// Our view of the nonce is stale (another sender, a restart, a dropped tx):
		// re-read it once and try again; anything else may or may not have reached
		// the pool, so the next send re-reads the nonce too. The pool's pending nonce
		// is the first gap, so a nonce this send left unused is taken by the next
		// settlement, and one that then collides with a send still in flight gets a
		// nonce error and takes a fresh nonce on its retry.
		e.nonceMu.Lock()
		e.nonceKnown = false
		e.nonceMu.Unlock()
		if attempt == 0 && isNonceError(err) {
			continue
		}
		return common.Hash{}, fmt.Errorf("send transaction: %w", err)
	}
}

// prepare returns the gas limit and fees for a transfer, having simulated it at that
// limit on the latest state: a transfer that fails there is never sent. Everything
// goes to the node in one JSON-RPC batch: the tip, the head's base fee, and either an
// eth_call at the limit a transfer of this asset needed before (one EVM run) or, the
// first time and whenever that call fails for any reason, eth_estimateGas (several
// runs, and the classification of a revert as before). A later transfer that needs
// more gas than the known limit (a payee's first balance, a costlier signature check)
// fails the call at that limit, is estimated, and replaces the limit; so does the
// first transfer after GasReuse.
func (e *EVM) prepare(ctx context.Context, asset common.Address, data []byte, reusable bool) (uint64, *big.Int, *big.Int, error) {
	reusable = reusable && !e.opts.NoGasReuse
	var known uint64
	if reusable {
		e.gasMu.Lock()
		if l, ok := e.gasLimits[asset]; ok && time.Now().Before(l.until) {
			known = l.gas
		}
		e.gasMu.Unlock()
	}
	var (
		tip  hexutil.Big
		fees feeHistory
		out  hexutil.Bytes
		est  hexutil.Uint64
	)
	msg := callArgs{From: &e.relayer, To: asset, Data: data}
	batch := []rpc.BatchElem{
		{Method: "eth_maxPriorityFeePerGas", Result: &tip},
		{Method: "eth_feeHistory", Args: []any{hexutil.Uint64(1), "latest", []float64{}}, Result: &fees},
	}
	if known > 0 {
		limit := hexutil.Uint64(known)
		msg.Gas = &limit
		batch = append(batch, rpc.BatchElem{Method: "eth_call", Args: []any{msg, "latest"}, Result: &out})
	} else {
		batch = append(batch, rpc.BatchElem{Method: "eth_estimateGas", Args: []any{msg}, Result: &est})
	}
	if err := e.rpc.BatchCallContext(ctx, batch); err != nil {
		return 0, nil, nil, fmt.Errorf("estimate gas and fees: %w", err)
	}
	if batch[0].Error != nil {
		return 0, nil, nil, fmt.Errorf("gas tip: %w", batch[0].Error)
	}
	baseFee, err := e.baseFee(ctx, batch[1].Error, fees)
	if err != nil {
		return 0, nil, nil, err
	}
	gas := known
	if known == 0 || batch[2].Error != nil {
		if known == 0 {
			err = batch[2].Error
		} else {
			msg.Gas = nil
			err = e.rpc.CallContext(ctx, &est, "eth_estimateGas", msg)
		}
		if err != nil {
			if isRevert(err) {
				return 0, nil, nil, &SimulationError{Err: err}
			}
			return 0, nil, nil, fmt.Errorf("estimate gas: %w", err)
		}
		gas = uint64(est) + uint64(est)*e.opts.GasHeadroomPercent/100
		if reusable {
			e.gasMu.Lock()
			e.gasLimits[asset] = gasLimit{gas: gas, until: time.Now().Add(e.opts.GasReuse)}
			e.gasMu.Unlock()
		}
	}
	return gas, tip.ToInt(), baseFee, nil
}

// feeHistory is the part of an eth_feeHistory answer used here.
type feeHistory struct {
	BaseFee []*hexutil.Big `json:"baseFeePerGas"`
}

// baseFee is the latest block's base fee from an eth_feeHistory answer (a few bytes,
// where the latest block carries every transaction hash), or from the header when
// the node does not answer it.
func (e *EVM) baseFee(ctx context.Context, histErr error, fees feeHistory) (*big.Int, error) {
	if histErr == nil && len(fees.BaseFee) > 0 && fees.BaseFee[0] != nil {
		return fees.BaseFee[0].ToInt(), nil
	}
	head, err := e.eth.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("latest header: %w", err)
	}
	if head.BaseFee == nil {
		return nil, fmt.Errorf("latest block %v has no base fee (chain before London)", head.Number)
	}
	return head.BaseFee, nil
}

// reserveNonce signs a transaction with the relayer's next nonce and consumes that
// nonce, under the nonce lock. signed (the caller's record of the broadcast) runs
// before the nonce is consumed; when it refuses, the next send reuses the nonce.
func (e *EVM) reserveNonce(ctx context.Context, signed func(common.Hash) error, sign func(nonce uint64) (*types.Transaction, error)) (*types.Transaction, error) {
	e.nonceMu.Lock()
	defer e.nonceMu.Unlock()
	if !e.nonceKnown {
		n, err := e.eth.PendingNonceAt(ctx, e.relayer)
		if err != nil {
			return nil, fmt.Errorf("relayer nonce: %w", err)
		}
		e.nonce, e.nonceKnown = n, true
	}
	tx, err := sign(e.nonce)
	if err != nil {
		return nil, fmt.Errorf("sign transaction: %w", err)
	}
	if signed != nil {
		if err := signed(tx.Hash()); err != nil {
			return nil, err
		}
	}
	e.nonce++
	return tx, nil
}

func isRevert(err error) bool {
	var de rpc.DataError
	if errors.As(err, &de) {
		return true
	}
	return strings.Contains(err.Error(), "execution reverted")
}

func isNonceError(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "nonce too high") ||
		strings.Contains(s, "replacement transaction underpriced")
}

// Receipt implements Chain.
func (e *EVM) Receipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	rc, err := e.eth.TransactionReceipt(ctx, tx)
	if errors.Is(err, ethereum.NotFound) {
		return nil, nil
	}
	return rc, err
}

// Known implements Chain.
func (e *EVM) Known(ctx context.Context, tx common.Hash) (bool, error) {
	_, _, err := e.eth.TransactionByHash(ctx, tx)
	if errors.Is(err, ethereum.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// FindSettlement implements Chain: the AuthorizationUsed(from, nonce) log of asset
// within the lookback window.
func (e *EVM) FindSettlement(ctx context.Context, asset, from common.Address, nonce common.Hash) (common.Hash, bool, error) {
	head, err := e.eth.BlockNumber(ctx)
	if err != nil {
		return common.Hash{}, false, err
	}
	start := uint64(0)
	if head > e.opts.LookbackBlocks {
		start = head - e.opts.LookbackBlocks
	}
	logs, err := e.eth.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(start),
		Addresses: []common.Address{asset},
		Topics:    [][]common.Hash{{e.usedID}, {common.BytesToHash(from[:])}, {nonce}},
	})
	if err != nil {
		return common.Hash{}, false, err
	}
	for _, l := range logs {
		if !l.Removed {
			return l.TxHash, true, nil
		}
	}
	return common.Hash{}, false, nil
}
