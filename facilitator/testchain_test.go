package facilitator

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
)

// testChain is a devchain (go-ethereum simulated chain over loopback JSON-RPC, mined
// on every transaction) with the dev token deployed and dev accounts funded.
type testChain struct {
	dc       *devchain.Chain
	url      string
	deployer *ecdsa.PrivateKey
	eth      *ethclient.Client
	chainID  *big.Int
	token    common.Address
}

func startTestChain(t testing.TB) *testChain {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dc, err := devchain.Start(ctx, devchain.Options{})
	if err != nil {
		t.Fatalf("start devchain: %v", err)
	}
	t.Cleanup(func() { _ = dc.Close() })
	return &testChain{dc: dc, url: dc.RPCURL(), deployer: dc.Account(devchain.RoleDeployer).Key,
		eth: dc.Client(), chainID: dc.ChainID(), token: dc.Info().Token.Address}
}

// now is the latest block's time: on-chain time checks compare against it, and it may
// run a few seconds ahead of the wall clock (see devchain's package doc).
func (c *testChain) now(t testing.TB) time.Time {
	t.Helper()
	h, err := c.eth.HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wall := time.Now()
	if chain := time.Unix(int64(h.Time), 0); chain.After(wall) {
		return chain
	}
	return wall
}

// deployToken deploys another dev EIP-3009 token with the given EIP-712 name/version.
func (c *testChain) deployToken(t *testing.T, name, version string) common.Address {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := bind.NewKeyedTransactor(c.deployer, c.chainID)
	tok := token.NewEIP3009Token()
	addr, tx, err := bind.DeployContract(opts, common.FromHex(token.EIP3009TokenMetaData.Bin), c.eth, tok.PackConstructor(name, "USDC", version))
	if err != nil {
		t.Fatalf("deploy token: %v", err)
	}
	if _, err := bind.WaitDeployed(ctx, c.eth, tx.Hash()); err != nil {
		t.Fatalf("wait deploy: %v", err)
	}
	return addr
}

// mint mints amount of asset (deployer is the minter) to each account.
func (c *testChain) mint(t testing.TB, asset common.Address, amount int64, to ...common.Address) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := bind.NewKeyedTransactor(c.deployer, c.chainID)
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.eth, asset)
	for _, a := range to {
		tx, err := bind.Transact(inst, opts, tok.PackMint(a, big.NewInt(amount)))
		if err != nil {
			t.Fatalf("mint: %v", err)
		}
		if _, err := bind.WaitMined(ctx, c.eth, tx.Hash()); err != nil {
			t.Fatalf("wait mint: %v", err)
		}
	}
}

// transfers counts the token's Transfer events from -> to.
func (c *testChain) transfers(t *testing.T, asset, from, to common.Address) int {
	t.Helper()
	tok := token.NewEIP3009Token()
	it, err := bind.FilterEvents(tok.Instance(c.eth, asset), &bind.FilterOpts{Start: 0}, tok.UnpackTransferEvent,
		[]any{from}, []any{to})
	if err != nil {
		t.Fatalf("filter transfers: %v", err)
	}
	defer it.Close()
	n := 0
	for it.Next() {
		n++
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *testChain) balance(t *testing.T, asset, who common.Address) *big.Int {
	t.Helper()
	tok := token.NewEIP3009Token()
	b, err := bind.Call(tok.Instance(c.eth, asset), nil, tok.PackBalanceOf(who), tok.UnpackBalanceOf)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deployWallet deploys testdata/TestWallet (a minimal ERC-1271 smart wallet that
// accepts signatures by owner) and returns its address.
func (c *testChain) deployWallet(t testing.TB, owner common.Address) common.Address {
	t.Helper()
	abiJSON, err := os.ReadFile(filepath.Join("testdata", "TestWallet.abi.json"))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join("testdata", "TestWallet.bin"))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := abi.JSON(bytes.NewReader(abiJSON))
	if err != nil {
		t.Fatal(err)
	}
	ctorArgs, err := parsed.Pack("", owner)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, tx, err := bind.DeployContract(bind.NewKeyedTransactor(c.deployer, c.chainID),
		common.FromHex(strings.TrimSpace(string(bin))), c.eth, ctorArgs)
	if err != nil {
		t.Fatalf("deploy wallet: %v", err)
	}
	if _, err := bind.WaitDeployed(ctx, c.eth, tx.Hash()); err != nil {
		t.Fatalf("wait wallet deploy: %v", err)
	}
	return addr
}
