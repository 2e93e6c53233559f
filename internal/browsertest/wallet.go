package browsertest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/eip3009"
)

// EIP-1193 error codes a page can react to.
const (
	CodeUserRejected = 4001 // the person declined in the wallet
	CodeUnknownChain = 4902 // wallet_switchEthereumChain to a chain the wallet has not added
	codeUnsupported  = 4200
	codeInvalid      = -32602
)

// Wallet is the Go side of the EIP-1193 provider a Page injects: it holds a dev key,
// the chain it is on and the chains it knows, and answers the page's requests the
// way a browser wallet does (signing in Go with the repo's EIP-3009 code). Its
// behaviour can be changed between clicks.
type Wallet struct {
	key    *ecdsa.PrivateKey
	rpcURL string

	mu         sync.Mutex
	chainID    int64
	known      map[int64]bool
	rejectSign bool
	calls      []string
	signed     []eip3009.Authorization
}

// NewWallet makes a wallet for key on chainID that reads the chain through rpcURL
// (eth_call); it knows only chainID until told otherwise.
func NewWallet(key *ecdsa.PrivateKey, rpcURL string, chainID int64) *Wallet {
	return &Wallet{key: key, rpcURL: rpcURL, chainID: chainID, known: map[int64]bool{chainID: true}}
}

// Address is the wallet's account.
func (w *Wallet) Address() common.Address { return crypto.PubkeyToAddress(w.key.PublicKey) }

// SetChain puts the wallet on a chain (as if the person switched by hand) and makes
// it known.
func (w *Wallet) SetChain(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.chainID = id
	w.known[id] = true
}

// ChainID is the chain the wallet is on now.
func (w *Wallet) ChainID() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.chainID
}

// Forget removes a chain, so switching to it needs wallet_addEthereumChain first.
func (w *Wallet) Forget(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.known, id)
}

// RejectSignatures makes eth_signTypedData_v4 fail as when the person presses "Reject".
func (w *Wallet) RejectSignatures(reject bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rejectSign = reject
}

// Calls lists the methods the page requested, in order.
func (w *Wallet) Calls() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

// Signed lists the authorizations the wallet signed.
func (w *Wallet) Signed() []eip3009.Authorization {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]eip3009.Authorization(nil), w.signed...)
}

// RPCError is an EIP-1193 ProviderRpcError.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type request struct {
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type reply struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  *RPCError       `json:"error,omitempty"`
}

func fail(code int, format string, args ...any) (reply, error) {
	return reply{Error: &RPCError{Code: code, Message: fmt.Sprintf(format, args...)}}, nil
}

func ok(v any) (reply, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return reply{}, fmt.Errorf("encode wallet result: %w", err)
	}
	return reply{Result: b}, nil
}

// handle answers one request from the page.
func (w *Wallet) handle(ctx context.Context, r request) (reply, error) {
	w.mu.Lock()
	w.calls = append(w.calls, r.Method)
	chain, reject := w.chainID, w.rejectSign
	w.mu.Unlock()
	switch r.Method {
	case "eth_requestAccounts", "eth_accounts":
		return ok([]string{strings.ToLower(w.Address().Hex())})
	case "eth_chainId":
		return ok("0x" + strconv.FormatInt(chain, 16))
	case "wallet_switchEthereumChain", "wallet_addEthereumChain":
		return w.switchChain(r)
	case "eth_call":
		return w.forward(ctx, r)
	case "eth_signTypedData_v4":
		if reject {
			return fail(CodeUserRejected, "User rejected the request.")
		}
		return w.signTypedData(r, chain)
	}
	return fail(codeUnsupported, "method %s is not supported by the test wallet", r.Method)
}

func (w *Wallet) switchChain(r request) (reply, error) {
	var p struct {
		ChainID string `json:"chainId"`
	}
	if len(r.Params) != 1 || json.Unmarshal(r.Params[0], &p) != nil {
		return fail(codeInvalid, "%s takes one object with chainId", r.Method)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(p.ChainID, "0x"), 16, 64)
	if err != nil || !strings.HasPrefix(p.ChainID, "0x") {
		return fail(codeInvalid, "chainId %q is not 0x hex", p.ChainID)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.Method == "wallet_addEthereumChain" {
		// Real wallets switch to a chain right after adding it.
		w.known[id] = true
	}
	if !w.known[id] {
		return reply{Error: &RPCError{Code: CodeUnknownChain, Message: fmt.Sprintf("Unrecognized chain ID %q. Try adding the chain using wallet_addEthereumChain first.", p.ChainID)}}, nil
	}
	w.chainID = id
	return reply{Result: json.RawMessage("null")}, nil
}

// forward sends a read to the chain, as wallets do with their own RPC endpoint.
func (w *Wallet) forward(ctx context.Context, r request) (reply, error) {
	if w.rpcURL == "" {
		return fail(codeUnsupported, "the test wallet has no RPC URL")
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": r.Method, "params": r.Params})
	if err != nil {
		return reply{}, fmt.Errorf("encode %s: %w", r.Method, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.rpcURL, bytes.NewReader(body))
	if err != nil {
		return reply{}, fmt.Errorf("%s request: %w", r.Method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail(-32603, "RPC %s: %v", r.Method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail(-32603, "RPC %s: %v", r.Method, err)
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *RPCError       `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fail(-32603, "RPC %s answered %q", r.Method, raw)
	}
	if out.Error != nil {
		return reply{Error: out.Error}, nil
	}
	return reply{Result: out.Result}, nil
}

// typedData is the part of an EIP-712 request the wallet checks and signs.
type typedData struct {
	PrimaryType string `json:"primaryType"`
	Domain      struct {
		Name              string          `json:"name"`
		Version           string          `json:"version"`
		ChainID           json.RawMessage `json:"chainId"`
		VerifyingContract string          `json:"verifyingContract"`
	} `json:"domain"`
	Message struct {
		From        string          `json:"from"`
		To          string          `json:"to"`
		Value       json.RawMessage `json:"value"`
		ValidAfter  json.RawMessage `json:"validAfter"`
		ValidBefore json.RawMessage `json:"validBefore"`
		Nonce       string          `json:"nonce"`
	} `json:"message"`
}

// unquote accepts a uint256 as a JSON number or string, as wallets do.
func unquote(raw json.RawMessage) string { return strings.Trim(string(raw), "\"") }

func (w *Wallet) signTypedData(r request, chain int64) (reply, error) {
	var from, doc string
	if len(r.Params) != 2 || json.Unmarshal(r.Params[0], &from) != nil || json.Unmarshal(r.Params[1], &doc) != nil {
		return fail(codeInvalid, "eth_signTypedData_v4 takes [address, typed data JSON string]")
	}
	if !strings.EqualFold(from, w.Address().Hex()) {
		return fail(codeInvalid, "the wallet cannot sign for %s", from)
	}
	var td typedData
	if err := json.Unmarshal([]byte(doc), &td); err != nil {
		return fail(codeInvalid, "typed data: %v", err)
	}
	kind := eip3009.Transfer
	switch td.PrimaryType {
	case "TransferWithAuthorization":
	case "ReceiveWithAuthorization":
		kind = eip3009.Receive
	default:
		return fail(codeInvalid, "the test wallet signs EIP-3009 authorizations only, not %q", td.PrimaryType)
	}
	domChain, err := eip3009.ParseUint("domain.chainId", unquote(td.Domain.ChainID))
	if err != nil {
		return fail(codeInvalid, "%v", err)
	}
	// Wallets refuse typed data for another chain than the active one.
	if domChain.Cmp(big.NewInt(chain)) != 0 {
		return fail(codeInvalid, "Provided chainId %s must match the active chainId %d", domChain, chain)
	}
	d := eip3009.Domain{Name: td.Domain.Name, Version: td.Domain.Version, ChainID: domChain}
	var a eip3009.Authorization
	var errs []error
	addr := func(field, s string) common.Address {
		v, err := eip3009.ParseAddress(field, s)
		errs = append(errs, err)
		return v
	}
	num := func(field string, raw json.RawMessage) *big.Int {
		v, err := eip3009.ParseUint(field, unquote(raw))
		errs = append(errs, err)
		return v
	}
	d.VerifyingContract = addr("domain.verifyingContract", td.Domain.VerifyingContract)
	a.From = addr("message.from", td.Message.From)
	a.To = addr("message.to", td.Message.To)
	a.Value = num("message.value", td.Message.Value)
	a.ValidAfter = num("message.validAfter", td.Message.ValidAfter)
	a.ValidBefore = num("message.validBefore", td.Message.ValidBefore)
	a.Nonce, err = eip3009.ParseNonce(td.Message.Nonce)
	errs = append(errs, err)
	for _, err := range errs {
		if err != nil {
			return fail(codeInvalid, "typed data: %v", err)
		}
	}
	if a.From != w.Address() {
		return fail(codeInvalid, "message.from %s is not the signing account", a.From.Hex())
	}
	sig, err := eip3009.Sign(w.key, d, kind, a)
	if err != nil {
		return fail(codeInvalid, "sign: %v", err)
	}
	w.mu.Lock()
	w.signed = append(w.signed, a)
	w.mu.Unlock()
	return ok(hexutil.Encode(sig))
}
