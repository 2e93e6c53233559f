// Package devchain runs a local, in-process Ethereum chain for development and tests:
// go-ethereum's simulated chain (the same eth service, genesis and simulated beacon that
// ethclient/simulated uses, chain id 1337 by default) served over HTTP and WebSocket
// JSON-RPC on loopback, with Turnpike's dev contracts deployed and dev accounts funded.
//
// DEV ONLY: every account key is derived from a public string. Anyone can recompute it.
// Never send real funds to these addresses or reuse the keys on a real network.
//
// # Using it
//
//	c, err := devchain.Start(ctx, devchain.Options{})   // ephemeral 127.0.0.1 port
//	defer c.Close()
//	info := c.Info()          // chain id, RPC URL, token + registry addresses, accounts
//	client := c.Client()      // *ethclient.Client over the HTTP endpoint
//	buyer := c.Account(devchain.RoleBuyer)   // Address + Key (dev-only)
//
// Other processes read the same data from the JSON file written by Options.InfoFile or
// Chain.WriteInfo (see Info for the layout); `turnpike devnet` writes it.
//
// # Mining
//
// Blocks are produced on demand, like `geth --dev --dev.period 0`, but synchronously: an
// eth_sendRawTransaction over HTTP returns only once the block holding the transaction
// is the chain head, so its receipt and block are queryable as soon as the hash is
// (no polling interval to wait for). Transactions that arrive by other paths
// (WebSocket, in-process) are mined by the same sealer within milliseconds, but their
// send answers at once, as on a real node. One goroutine seals blocks; a sender only
// wakes it and waits, and each block takes every transaction the miner can include
// (group commit), so concurrent senders share blocks. A reverted transaction is mined
// with a status-0 receipt like on any chain; it does not hold back the others.
//
// Block timestamps must grow by at least one second per block. Bursts can make the
// chain run ahead of the wall clock; the sealer lets it run at most Options.MaxDrift
// (default 20 s) ahead and then waits, so authorizations with validBefore = now + 60 s
// stay valid. Under sustained load the chain therefore seals about one block per
// second, MaxDrift ahead, holding everything that arrived during that second: like a
// chain with one-second blocks, throughput is the number of settlements in flight per
// second, not one per block (make bench-devchain-load measures it through the
// facilitator at the default MaxDrift). Take "now" for on-chain time
// checks from the latest header, not the wall clock, when a test is sensitive to
// seconds. Tests and benchmarks that take all their times from the chain can set
// MaxDrift to an hour and never wait. AdvanceTime moves chain time forward on purpose
// (to expire authorizations); that offset is not counted as drift.
//
// # Deterministic layout
//
// The deployer (RoleDeployer) deploys the token with nonce 0 and the registry with nonce
// 1, so both addresses are the same on every start (TokenAddress, RegistryAddress).
// Every account starts with DefaultETH wei and DefaultTokenBalance token units.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/turnpike-x402/turnpike/contracts/identity"
	"github.com/turnpike-x402/turnpike/contracts/token"
)

// Roles of the dev accounts, in order. Accounts beyond these are named "dev-<index>".
const (
	RoleDeployer    = "deployer"    // deploys the contracts; the only token minter
	RoleFacilitator = "facilitator" // submits settlements and pays their gas
	RoleSeller      = "seller"      // receives payments (payTo)
	RoleBuyer       = "buyer"       // signs payment authorizations
	RoleController  = "controller"  // owns ERC-8004 registrations
)

var roles = []string{RoleDeployer, RoleFacilitator, RoleSeller, RoleBuyer, RoleController}

// Defaults for Options.
const (
	DefaultChainID      = 1337 // what ethclient/simulated and geth --dev use
	DefaultAccounts     = 10
	DefaultTokenName    = "USD Coin"
	DefaultTokenSymbol  = "USDC"
	DefaultTokenVersion = "2"
	TokenDecimals       = 6
	DefaultMaxDrift     = 20 * time.Second
	// KeySeed prefixes the string each dev key is hashed from. Public on purpose.
	KeySeed = "turnpike devchain DEV-ONLY key: "
	// DevKeyWarning is printed next to keys wherever they are shown or written.
	DevKeyWarning = "DEV-ONLY: these private keys are derived from public strings; never use them outside a local dev chain"
)

var (
	// DefaultETH is each dev account's starting balance: 10,000 ETH.
	DefaultETH = new(big.Int).Mul(big.NewInt(10_000), big.NewInt(params.Ether))
	// DefaultTokenBalance is each dev account's starting token balance: 1,000,000 tokens.
	DefaultTokenBalance = big.NewInt(1_000_000_000_000)
)

// Options configures Start. The zero value is a good default for tests.
type Options struct {
	// Addr is the TCP address to serve JSON-RPC on; default "127.0.0.1:0" (ephemeral).
	Addr string
	// ChainID defaults to DefaultChainID.
	ChainID uint64
	// Accounts is the number of funded dev accounts (at least the 5 roles); default 10.
	Accounts int
	// Token EIP-712 name/symbol/version; defaults "USD Coin", "USDC", "2" (USDC on Base).
	TokenName, TokenSymbol, TokenVersion string
	// MaxDrift bounds how far block time may run ahead of wall clock; default 20 s.
	MaxDrift time.Duration
	// InfoFile, when set, receives the Info JSON once the chain is ready (0600).
	InfoFile string
	// SenderMines restores the miner this package had before group commit, for
	// comparison benchmarks only: each HTTP send seals blocks itself under one lock
	// until the pool is empty, and answers only then. Under sustained load at the
	// drift limit a sender waits for other senders' blocks too.
	SenderMines bool
}

// Account is a funded dev account. Key is DEV-ONLY (see the package doc).
type Account struct {
	Role    string
	Address common.Address
	Key     *ecdsa.PrivateKey
}

// Info describes a running chain; it is also the JSON layout of the info file.
type Info struct {
	Warning  string        `json:"warning"`
	ChainID  uint64        `json:"chainId"`
	Network  string        `json:"network"` // CAIP-2, e.g. "eip155:1337"
	RPCURL   string        `json:"rpcUrl"`
	WSURL    string        `json:"wsUrl"`
	Token    TokenInfo     `json:"token"`
	Registry RegistryInfo  `json:"identityRegistry"`
	Accounts []AccountInfo `json:"accounts"`
}

// TokenInfo is what an x402 offer needs for the dev token: asset + EIP-712 extra.
type TokenInfo struct {
	Address  common.Address `json:"address"`
	Name     string         `json:"name"` // EIP-712 domain name == name()
	Symbol   string         `json:"symbol"`
	Version  string         `json:"version"` // EIP-712 domain version == version()
	Decimals uint8          `json:"decimals"`
}

// RegistryInfo locates the ERC-8004 identity registry.
type RegistryInfo struct {
	Address common.Address `json:"address"`
	// AgentRegistry is the ERC-8004 "eip155:<chainId>:<address>" identifier.
	AgentRegistry string `json:"agentRegistry"`
}

// AccountInfo is an Account in the info file. The key is hex with 0x.
type AccountInfo struct {
	Role          string         `json:"role"`
	Address       common.Address `json:"address"`
	DevPrivateKey string         `json:"devOnlyPrivateKey"`
}

// Chain is a running dev chain. Methods are safe for concurrent use.
type Chain struct {
	stack   *node.Node
	eth     *eth.Ethereum
	beacon  *catalyst.SimulatedBeacon
	rpcSrv  *rpc.Server
	httpSrv *http.Server
	ln      net.Listener
	inproc  *ethclient.Client
	client  *ethclient.Client
	info    Info
	accts   []Account
	signer  types.Signer

	maxDrift    time.Duration
	senderMines bool
	mineMu      sync.Mutex // serializes block production: the beacon is not goroutine-safe
	offset      time.Duration
	kick        chan struct{} // one slot: a sealing round is due (kickSealer)
	syncs       atomic.Uint64 // pool syncs the sealer has started (awaitMined)
	poolHead    atomic.Uint64 // the block the pool was last synced to (awaitMined)
	roundMu     sync.Mutex
	round       *round // the next announcement (awaitMined)
	fundMu      sync.Mutex
	stop        chan struct{}
	loopDone    chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// DevKey returns the DEV-ONLY key of a role, derived as keccak256(KeySeed + role).
func DevKey(role string) (*ecdsa.PrivateKey, error) {
	return crypto.ToECDSA(crypto.Keccak256([]byte(KeySeed + role)))
}

// DevAccounts returns the first n dev accounts (roles first, then "dev-<i>").
func DevAccounts(n int) ([]Account, error) {
	if n < len(roles) {
		n = len(roles)
	}
	out := make([]Account, 0, n)
	for i := 0; i < n; i++ {
		role := fmt.Sprintf("dev-%d", i)
		if i < len(roles) {
			role = roles[i]
		}
		k, err := DevKey(role)
		if err != nil {
			return nil, fmt.Errorf("derive dev key %s: %w", role, err)
		}
		out = append(out, Account{Role: role, Address: crypto.PubkeyToAddress(k.PublicKey), Key: k})
	}
	return out, nil
}

// TokenAddress and RegistryAddress are where Start deploys the contracts.
func TokenAddress() common.Address    { return deployedAt(0) }
func RegistryAddress() common.Address { return deployedAt(1) }

func deployedAt(nonce uint64) common.Address {
	k, err := DevKey(RoleDeployer)
	if err != nil {
		panic(err) // a fixed input: cannot fail
	}
	return crypto.CreateAddress(crypto.PubkeyToAddress(k.PublicKey), nonce)
}

// Start boots the chain, serves JSON-RPC, deploys the contracts and funds the dev
// accounts. ctx bounds start-up only; call Close to stop the chain.
func Start(ctx context.Context, opts Options) (*Chain, error) {
	opts = withDefaults(opts)
	accts, err := DevAccounts(opts.Accounts)
	if err != nil {
		return nil, err
	}
	alloc := core.SystemContractAllocs()
	for _, a := range accts {
		alloc[a.Address] = types.Account{Balance: new(big.Int).Set(DefaultETH)}
	}
	chainCfg := *params.AllDevChainProtocolChanges
	chainCfg.ChainID = new(big.Int).SetUint64(opts.ChainID)

	// The stack is assembled like ethclient/simulated.NewBackend does it (same node and
	// eth settings, genesis alloc, filter API, SimulatedBeacon), because a
	// simulated.Backend keeps its node and beacon private: it cannot serve our own
	// JSON-RPC handler or mine from a transaction-pool subscription.
	nodeConf := node.DefaultConfig
	nodeConf.DataDir = "" // in memory
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}
	nodeConf.HTTPHost, nodeConf.WSHost = "", "" // we serve our own handler below
	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("devchain: node: %w", err)
	}
	ethConf := ethconfig.Defaults
	ethConf.Genesis = &core.Genesis{Config: &chainCfg, GasLimit: ethconfig.Defaults.Miner.GasCeil, Alloc: alloc}
	ethConf.NetworkId = opts.ChainID
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	ethConf.LogNoHistory = true
	// Include every transaction the pool accepts, so the miner never leaves one behind.
	ethConf.Miner.GasPrice = big.NewInt(minerTip)
	ethConf.TxPool.PriceLimit = 1
	// A relayer that pipelines hundreds of settlements (the facilitator under load)
	// has them arrive in any nonce order; geth's default of 64 queued transactions per
	// account would drop the ones past a gap. Room for a few thousand in flight.
	ethConf.TxPool.AccountSlots = 4096
	ethConf.TxPool.AccountQueue = 4096
	ethConf.TxPool.GlobalSlots = 16384
	ethConf.TxPool.GlobalQueue = 16384

	c := &Chain{stack: stack, accts: accts, maxDrift: opts.MaxDrift, senderMines: opts.SenderMines,
		stop: make(chan struct{}), kick: make(chan struct{}, 1), round: &round{done: make(chan struct{})}}
	fail := func(err error) (*Chain, error) {
		_ = c.Close()
		return nil, err
	}
	c.eth, err = eth.New(stack, &ethConf)
	if err != nil {
		_ = stack.Close()
		return nil, fmt.Errorf("devchain: eth service: %w", err)
	}
	filterSystem := filters.NewFilterSystem(c.eth.APIBackend, filters.Config{})
	if err := stack.Start(); err != nil {
		return fail(fmt.Errorf("devchain: start node: %w", err))
	}
	c.beacon, err = catalyst.NewSimulatedBeacon(0, common.Address{}, c.eth)
	if err != nil {
		return fail(fmt.Errorf("devchain: beacon: %w", err))
	}
	if err := c.beacon.Fork(c.eth.BlockChain().GetCanonicalHash(0)); err != nil {
		return fail(fmt.Errorf("devchain: beacon: %w", err))
	}
	c.signer = types.LatestSignerForChainID(chainCfg.ChainID)

	// Public JSON-RPC: only the namespaces a client of a real chain would use.
	c.rpcSrv = rpc.NewServer()
	apis := append(c.eth.APIs(), rpc.API{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)},
		rpc.API{Namespace: "web3", Service: web3API{}})
	for _, api := range apis {
		switch api.Namespace {
		case "eth", "net", "web3", "txpool":
			if err := c.rpcSrv.RegisterName(api.Namespace, api.Service); err != nil {
				return fail(fmt.Errorf("devchain: register %s API: %w", api.Namespace, err))
			}
		}
	}
	c.inproc = ethclient.NewClient(rpc.DialInProc(c.rpcSrv))
	c.loopDone = make(chan struct{})
	go c.mineLoop()

	c.ln, err = net.Listen("tcp", opts.Addr)
	if err != nil {
		return fail(fmt.Errorf("devchain: listen %s: %w", opts.Addr, err))
	}
	ws := c.rpcSrv.WebsocketHandler([]string{"*"})
	c.httpSrv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				ws.ServeHTTP(w, r)
				return
			}
			c.serveHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = c.httpSrv.Serve(c.ln) }()
	rpcURL := "http://" + c.ln.Addr().String()
	c.client, err = ethclient.DialContext(ctx, rpcURL)
	if err != nil {
		return fail(fmt.Errorf("devchain: dial %s: %w", rpcURL, err))
	}

	c.info = Info{
		Warning: DevKeyWarning,
		ChainID: opts.ChainID,
		Network: fmt.Sprintf("eip155:%d", opts.ChainID),
		RPCURL:  rpcURL,
		WSURL:   "ws://" + c.ln.Addr().String(),
		Token: TokenInfo{Name: opts.TokenName, Symbol: opts.TokenSymbol, Version: opts.TokenVersion,
			Decimals: TokenDecimals},
	}
	for _, a := range accts {
		c.info.Accounts = append(c.info.Accounts, AccountInfo{Role: a.Role, Address: a.Address,
			DevPrivateKey: "0x" + common.Bytes2Hex(crypto.FromECDSA(a.Key))})
	}
	if err := c.deploy(ctx, opts); err != nil {
		return fail(err)
	}
	if opts.InfoFile != "" {
		if err := c.WriteInfo(opts.InfoFile); err != nil {
			return fail(err)
		}
	}
	return c, nil
}

func withDefaults(o Options) Options {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.ChainID == 0 {
		o.ChainID = DefaultChainID
	}
	if o.Accounts == 0 {
		o.Accounts = DefaultAccounts
	}
	if o.TokenName == "" {
		o.TokenName = DefaultTokenName
	}
	if o.TokenSymbol == "" {
		o.TokenSymbol = DefaultTokenSymbol
	}
	if o.TokenVersion == "" {
		o.TokenVersion = DefaultTokenVersion
	}
	if o.MaxDrift <= 0 {
		o.MaxDrift = DefaultMaxDrift
	}
	return o
}

// deploy puts the token (deployer nonce 0) and the registry (nonce 1) on chain and
// mints the starting token balance to every account.
func (c *Chain) deploy(ctx context.Context, opts Options) error {
	deployer := c.accts[0]
	tok := token.NewEIP3009Token()
	var txs []*types.Transaction
	// Deployments get a generous gas limit, mints 1M (200k is not enough on this
	// fork's storage pricing), so that with hundreds of accounts (load tests) they
	// still fit a few blocks and start-up does not spend the drift allowance.
	send := func(to *common.Address, data []byte, what string) error {
		gas := uint64(5_000_000)
		if to != nil {
			gas = 1_000_000
		}
		tx, err := c.signTx(deployer.Key, uint64(len(txs)), to, nil, data, gas)
		if err != nil {
			return fmt.Errorf("devchain: %s: %w", what, err)
		}
		if err := c.inproc.SendTransaction(ctx, tx); err != nil {
			return fmt.Errorf("devchain: %s: %w", what, err)
		}
		txs = append(txs, tx)
		return nil
	}
	tokenInit := append(common.FromHex(token.EIP3009TokenMetaData.Bin),
		tok.PackConstructor(opts.TokenName, opts.TokenSymbol, opts.TokenVersion)...)
	if err := send(nil, tokenInit, "deploy token"); err != nil {
		return err
	}
	if err := send(nil, common.FromHex(identity.IdentityRegistryMetaData.Bin), "deploy registry"); err != nil {
		return err
	}
	tokenAddr := TokenAddress()
	for _, a := range c.accts {
		if err := send(&tokenAddr, tok.PackMint(a.Address, DefaultTokenBalance), "mint to "+a.Role); err != nil {
			return err
		}
	}
	c.awaitMined(ctx, hashes(txs))
	for i, tx := range txs {
		r, err := c.inproc.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			return fmt.Errorf("devchain: set-up transaction %d: %w", i, err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			return fmt.Errorf("devchain: set-up transaction %d reverted (gas used %d of %d)", i, r.GasUsed, tx.Gas())
		}
	}
	c.info.Token.Address = tokenAddr
	c.info.Registry = RegistryInfo{Address: RegistryAddress(),
		AgentRegistry: fmt.Sprintf("eip155:%d:%s", opts.ChainID, RegistryAddress().Hex())}
	return nil
}

// signTx builds and signs a dynamic-fee transaction with generous fees for the dev chain.
func (c *Chain) signTx(key *ecdsa.PrivateKey, nonce uint64, to *common.Address, value *big.Int, data []byte, gas uint64) (*types.Transaction, error) {
	head := c.eth.BlockChain().CurrentBlock()
	feeCap := new(big.Int).Mul(head.BaseFee, big.NewInt(2))
	feeCap.Add(feeCap, big.NewInt(params.GWei))
	if value == nil {
		value = new(big.Int)
	}
	return types.SignNewTx(key, c.signer, &types.DynamicFeeTx{
		ChainID: c.signer.ChainID(), Nonce: nonce, GasTipCap: big.NewInt(params.GWei), GasFeeCap: feeCap,
		Gas: gas, To: to, Value: value, Data: data,
	})
}

// RPCURL is the HTTP JSON-RPC endpoint, e.g. "http://127.0.0.1:38211".
func (c *Chain) RPCURL() string { return c.info.RPCURL }

// Info returns a copy of the chain description.
func (c *Chain) Info() Info {
	i := c.info
	i.Accounts = append([]AccountInfo(nil), c.info.Accounts...)
	return i
}

// Client is an ethclient connected over the HTTP endpoint (the path other processes
// use). It is closed by Close; do not close it yourself.
func (c *Chain) Client() *ethclient.Client { return c.client }

// ChainID returns the chain id as a big.Int (for signers and bind.NewKeyedTransactor).
func (c *Chain) ChainID() *big.Int { return new(big.Int).SetUint64(c.info.ChainID) }

// Accounts returns the funded dev accounts (DEV-ONLY keys).
func (c *Chain) Accounts() []Account { return append([]Account(nil), c.accts...) }

// Account returns the dev account with the given role; it panics on an unknown role,
// which is a programming error in a test or the demo.
func (c *Chain) Account(role string) Account {
	for _, a := range c.accts {
		if a.Role == role {
			return a
		}
	}
	panic("devchain: no dev account with role " + role)
}

// Fund sends wei (may be nil or zero) and mints tokenAmount (may be nil or zero) to
// addr, and returns once both are mined. Useful for fresh keys in tests.
func (c *Chain) Fund(ctx context.Context, addr common.Address, wei, tokenAmount *big.Int) error {
	deployer := c.accts[0]
	// The pool's nonce counts a transaction only once it is promoted, so each Fund
	// keeps the deployer's nonce to itself until its transactions are mined.
	c.fundMu.Lock()
	defer c.fundMu.Unlock()
	nonce := c.eth.TxPool().PoolNonce(deployer.Address)
	var txs []*types.Transaction
	if wei != nil && wei.Sign() > 0 {
		tx, err := c.signTx(deployer.Key, nonce, &addr, wei, nil, 21_000)
		if err != nil {
			return fmt.Errorf("devchain: fund: %w", err)
		}
		txs = append(txs, tx)
		nonce++
	}
	if tokenAmount != nil && tokenAmount.Sign() > 0 {
		tokenAddr := c.info.Token.Address
		tx, err := c.signTx(deployer.Key, nonce, &tokenAddr, nil, token.NewEIP3009Token().PackMint(addr, tokenAmount), 1_000_000)
		if err != nil {
			return fmt.Errorf("devchain: fund: %w", err)
		}
		txs = append(txs, tx)
	}
	for _, tx := range txs {
		if err := c.inproc.SendTransaction(ctx, tx); err != nil {
			return fmt.Errorf("devchain: fund: %w", err)
		}
	}
	c.awaitMined(ctx, hashes(txs))
	for _, tx := range txs {
		r, err := c.inproc.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			return fmt.Errorf("devchain: fund receipt: %w", err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			return errors.New("devchain: fund transaction reverted")
		}
	}
	return nil
}

func hashes(txs []*types.Transaction) []common.Hash {
	out := make([]common.Hash, len(txs))
	for i, tx := range txs {
		out[i] = tx.Hash()
	}
	return out
}

// AdvanceTime seals a block whose timestamp is d (whole seconds) after the latest one,
// e.g. to expire an EIP-3009 authorization. Pending transactions are mined first.
func (c *Chain) AdvanceTime(d time.Duration) error {
	if d < time.Second {
		return errors.New("devchain: AdvanceTime needs at least one second")
	}
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	var err error
	for i := 0; i < 10; i++ {
		c.sealLocked()
		if err = c.beacon.AdjustTime(d); err == nil {
			c.offset += d
			return nil
		}
	}
	return fmt.Errorf("devchain: advance time: %w", err)
}

// WriteInfo writes Info as JSON to path (mode 0600, created atomically).
func (c *Chain) WriteInfo(path string) error {
	b, err := json.MarshalIndent(c.Info(), "", "  ")
	if err != nil {
		return fmt.Errorf("devchain: encode info: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".devchain-info-*")
	if err != nil {
		return fmt.Errorf("devchain: write info: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("devchain: write info: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("devchain: write info: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("devchain: write info: %w", err)
	}
	return nil
}

// ReadInfo reads a file written by WriteInfo (for processes other than the chain's).
func ReadInfo(path string) (Info, error) {
	var i Info
	b, err := os.ReadFile(path)
	if err != nil {
		return i, fmt.Errorf("devchain: read info: %w", err)
	}
	if err := json.Unmarshal(b, &i); err != nil {
		return i, fmt.Errorf("devchain: decode info %s: %w", path, err)
	}
	return i, nil
}

// Key returns the DEV-ONLY private key of an account in the info file.
func (a AccountInfo) Key() (*ecdsa.PrivateKey, error) {
	return crypto.HexToECDSA(strings.TrimPrefix(a.DevPrivateKey, "0x"))
}

// Close stops serving and shuts the chain down. It is safe to call more than once.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.httpSrv != nil {
			// Let in-flight calls finish briefly, then cut the rest: clients keep spare
			// connections that never send a request, and Shutdown would wait on them.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := c.httpSrv.Shutdown(ctx); err != nil {
				_ = c.httpSrv.Close()
			}
			cancel()
		} else if c.ln != nil {
			errs = append(errs, c.ln.Close())
		}
		if c.client != nil {
			c.client.Close()
		}
		close(c.stop)
		if c.loopDone != nil {
			<-c.loopDone
		}
		if c.inproc != nil {
			c.inproc.Close()
		}
		if c.rpcSrv != nil {
			c.rpcSrv.Stop()
		}
		if c.beacon != nil {
			errs = append(errs, c.beacon.Stop())
		}
		errs = append(errs, c.stack.Close())
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// web3API is the tiny web3_ namespace (client version) some tools probe first.
type web3API struct{}

func (web3API) ClientVersion() string { return "turnpike-devchain/go-ethereum-v1.17.10" }

// bindBackend asserts at compile time that the HTTP client works with bind/v2.
var _ bind.ContractBackend = (*ethclient.Client)(nil)
