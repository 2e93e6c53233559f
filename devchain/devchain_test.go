package devchain_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/devchain/devchaintest"
)

// One chain for the package; every test uses its own accounts and nonces.
// Tests compare with chain time, so let it run ahead freely instead of
// throttling to a block per second (TestDriftIsBounded covers the limit).
var shared = devchaintest.Shared{Options: devchain.Options{MaxDrift: time.Hour}}

func chain(t *testing.T) *devchain.Chain { return shared.Chain(t) }

func TestMain(m *testing.M) { shared.Main(m) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestInfoDescribesTheChain(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	info := c.Info()
	if info.ChainID != 1337 || info.Network != "eip155:1337" {
		t.Fatalf("chain id %d network %q, want 1337 eip155:1337", info.ChainID, info.Network)
	}
	id, err := c.Client().ChainID(ctx)
	if err != nil || id.Uint64() != 1337 {
		t.Fatalf("eth_chainId over HTTP = %v, %v", id, err)
	}
	if !strings.HasPrefix(info.RPCURL, "http://127.0.0.1:") || info.RPCURL == "http://127.0.0.1:0" {
		t.Fatalf("rpc url %q is not an ephemeral loopback address", info.RPCURL)
	}
	if info.Token.Address != devchain.TokenAddress() || info.Registry.Address != devchain.RegistryAddress() {
		t.Fatalf("contract addresses %s %s are not the deterministic ones", info.Token.Address, info.Registry.Address)
	}
	if want := "eip155:1337:" + devchain.RegistryAddress().Hex(); info.Registry.AgentRegistry != want {
		t.Fatalf("agentRegistry %q, want %q", info.Registry.AgentRegistry, want)
	}
	if !strings.Contains(info.Warning, "DEV-ONLY") {
		t.Fatalf("info warning %q does not mark the keys dev-only", info.Warning)
	}
	if len(info.Accounts) != devchain.DefaultAccounts {
		t.Fatalf("%d accounts, want %d", len(info.Accounts), devchain.DefaultAccounts)
	}
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.Client(), info.Token.Address)
	for _, a := range info.Accounts {
		k, err := a.Key()
		if err != nil {
			t.Fatalf("%s key: %v", a.Role, err)
		}
		if crypto.PubkeyToAddress(k.PublicKey) != a.Address {
			t.Fatalf("%s key does not match address %s", a.Role, a.Address)
		}
		bal, err := bind.Call(inst, nil, tok.PackBalanceOf(a.Address), tok.UnpackBalanceOf)
		if err != nil || bal.Cmp(devchain.DefaultTokenBalance) < 0 {
			t.Fatalf("%s token balance %v, %v", a.Role, bal, err)
		}
		eth, err := c.Client().BalanceAt(ctx, a.Address, nil)
		if err != nil || eth.Sign() == 0 {
			t.Fatalf("%s ETH balance %v, %v", a.Role, eth, err)
		}
	}
	path := filepath.Join(t.TempDir(), "devchain.json")
	if err := c.WriteInfo(path); err != nil {
		t.Fatal(err)
	}
	back, err := devchain.ReadInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.RPCURL != info.RPCURL || back.Token != info.Token || back.Accounts[3] != info.Accounts[3] {
		t.Fatalf("info file round trip differs: %+v", back)
	}
}

func TestDevKeysAreDeterministic(t *testing.T) {
	a, err := devchain.DevAccounts(7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := devchain.DevAccounts(7)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[common.Address]bool{}
	for i := range a {
		if a[i].Address != b[i].Address || a[i].Role != b[i].Role {
			t.Fatalf("account %d differs between derivations", i)
		}
		if seen[a[i].Address] {
			t.Fatalf("account %d repeats an address", i)
		}
		seen[a[i].Address] = true
	}
	if a[0].Role != devchain.RoleDeployer || a[3].Role != devchain.RoleBuyer || a[6].Role != "dev-6" {
		t.Fatalf("roles %s %s %s", a[0].Role, a[3].Role, a[6].Role)
	}
}

// A transaction sent over HTTP is mined by the time the send returns.
func TestReceiptReadyWhenSendReturns(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key, _ := crypto.GenerateKey()
	to := crypto.PubkeyToAddress(key.PublicKey)
	from := c.Account("dev-5")
	tx := signedTransfer(t, c, from.Key, to, big.NewInt(12345))
	start := time.Now()
	if err := c.Client().SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	r, err := c.Client().TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatalf("receipt right after send: %v", err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("status %d", r.Status)
	}
	t.Logf("send + receipt took %v", time.Since(start))
	bal, err := c.Client().BalanceAt(ctx, to, nil)
	if err != nil || bal.Int64() != 12345 {
		t.Fatalf("balance %v, %v", bal, err)
	}
}

// Many concurrent senders: every send returns with its transaction mined, its receipt
// queryable and its block listing it (the contract the facilitator relies on).
func TestConcurrentSendsAllMined(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	const senders, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for s := 0; s < senders; s++ {
		key, _ := crypto.GenerateKey()
		if err := c.Fund(ctx, crypto.PubkeyToAddress(key.PublicKey), big.NewInt(1e18), nil); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				tx := transferAt(t, c, key, uint64(i))
				if err := c.Client().SendTransaction(ctx, tx); err != nil {
					errs <- err
					return
				}
				if err := checkMinedNow(ctx, c.Client(), tx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Serial transactions may push block time ahead of the wall clock only by MaxDrift;
// beyond that the miner waits for the clock.
func TestDriftIsBounded(t *testing.T) {
	ctx := ctxT(t)
	const drift = time.Second
	c, err := devchain.Start(ctx, devchain.Options{MaxDrift: drift, Accounts: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 6
	start := time.Now()
	for i := 0; i < n; i++ {
		tx := signedTransfer(t, c, c.Account("dev-5").Key, common.Address{0xd1}, big.NewInt(1))
		if err := c.Client().SendTransaction(ctx, tx); err != nil {
			t.Fatal(err)
		}
		head, err := c.Client().HeaderByNumber(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Whole seconds on chain: allow one second of rounding.
		if ahead := time.Until(time.Unix(int64(head.Time), 0)); ahead > drift+time.Second {
			t.Fatalf("after tx %d chain time is %v ahead of the wall clock (limit %v)", i, ahead, drift)
		}
	}
	// n blocks need n distinct seconds; at most drift+1 of them may be in the future.
	if floor := time.Duration(n-3) * time.Second; time.Since(start) < floor {
		t.Fatalf("%d serial blocks took %v, faster than the drift limit allows (%v)", n, time.Since(start), floor)
	}
}

func TestFundAndAdvanceTime(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	if err := c.Fund(ctx, addr, big.NewInt(7), big.NewInt(42)); err != nil {
		t.Fatal(err)
	}
	tok := token.NewEIP3009Token()
	bal, err := bind.Call(tok.Instance(c.Client(), devchain.TokenAddress()), nil, tok.PackBalanceOf(addr), tok.UnpackBalanceOf)
	if err != nil || bal.Int64() != 42 {
		t.Fatalf("token balance %v, %v", bal, err)
	}
	before, err := c.Client().HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AdvanceTime(time.Hour); err != nil {
		t.Fatal(err)
	}
	after, err := c.Client().HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Time < before.Time+3600 {
		t.Fatalf("time moved %d s, want >= 3600", after.Time-before.Time)
	}
	if err := c.AdvanceTime(time.Millisecond); err == nil {
		t.Fatal("sub-second AdvanceTime accepted")
	}
	// Mining still works right after the jump (the offset is not counted as drift).
	start := time.Now()
	tx := signedTransfer(t, c, c.Account("dev-6").Key, addr, big.NewInt(1))
	if err := c.Client().SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client().TransactionReceipt(ctx, tx.Hash()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("mining after AdvanceTime took %v", d)
	}
}

func TestStartOptions(t *testing.T) {
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "info.json")
	c, err := devchain.Start(ctx, devchain.Options{ChainID: 31337, Accounts: 6, TokenName: "USDC", InfoFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := devchain.ReadInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.ChainID != 31337 || len(info.Accounts) != 6 || info.Token.Name != "USDC" {
		t.Fatalf("info %+v", info)
	}
	id, err := c.Client().ChainID(ctx)
	if err != nil || id.Int64() != 31337 {
		t.Fatalf("chain id %v, %v", id, err)
	}
	tok := token.NewEIP3009Token()
	name, err := bind.Call(tok.Instance(c.Client(), info.Token.Address), nil, tok.PackName(), tok.UnpackName)
	if err != nil || name != "USDC" {
		t.Fatalf("name() = %q, %v", name, err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := c.Client().ChainID(ctx); err == nil {
		t.Fatal("the endpoint still answers after Close")
	}
}

func TestOnlyPublicNamespaces(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	// An unknown namespace is not exposed even though geth has it in process.
	var out any
	err := c.Client().Client().CallContext(ctx, &out, "admin_nodeInfo")
	if err == nil {
		t.Fatal("admin_nodeInfo answered over the public endpoint")
	}
	var v string
	if err := c.Client().Client().CallContext(ctx, &v, "web3_clientVersion"); err != nil || !strings.Contains(v, "turnpike-devchain") {
		t.Fatalf("web3_clientVersion = %q, %v", v, err)
	}
}

func signedTransfer(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey, to common.Address, wei *big.Int) *types.Transaction {
	t.Helper()
	ctx := ctxT(t)
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := c.Client().PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := c.Client().SuggestGasTipCap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.Client().HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(c.ChainID()), &types.DynamicFeeTx{
		ChainID: c.ChainID(), Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: 21000, To: &to, Value: wei,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestStartErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		desc string
		opts devchain.Options
		want string
	}{
		{desc: "port in use", opts: devchain.Options{Addr: busy.Addr().String()}, want: "listen"},
		{desc: "malformed address", opts: devchain.Options{Addr: "127.0.0.1:notaport"}, want: "listen"},
		{desc: "info file in a missing folder", opts: devchain.Options{InfoFile: filepath.Join(t.TempDir(), "no", "such", "info.json")}, want: "write info"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c, err := devchain.Start(ctxT(t), tc.opts)
			if err == nil {
				c.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}
	if _, err := devchain.ReadInfo(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("ReadInfo of a missing file succeeded")
	}
}
