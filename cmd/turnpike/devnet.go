package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/turnpike-x402/turnpike/devchain"
)

func init() {
	register("devnet", "local dev chain (JSON-RPC on loopback) with the dev USDC token and ERC-8004 registry", runDevnet)
}

func runDevnet(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("devnet", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:0", "JSON-RPC listen address (port 0 = pick a free port)")
	infoFile := fs.String("info-file", "devnet.json", "where to write chain id, RPC URL, contract addresses and DEV-ONLY keys (empty = don't)")
	chainID := fs.Uint64("chain-id", devchain.DefaultChainID, "chain id")
	accounts := fs.Int("accounts", devchain.DefaultAccounts, "number of funded dev accounts")
	tokenName := fs.String("token-name", devchain.DefaultTokenName, "token name, also its EIP-712 domain name")
	tokenVersion := fs.String("token-version", devchain.DefaultTokenVersion, "token EIP-712 domain version")
	maxDrift := fs.Duration("max-drift", devchain.DefaultMaxDrift, "how far block time may run ahead of the wall clock under serial load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *chainID == 0 {
		return fmt.Errorf("-chain-id must not be 0 (default %d; 84532 for a local Base Sepolia stand-in)", devchain.DefaultChainID)
	}
	c, err := devchain.Start(ctx, devchain.Options{
		Addr: *addr, ChainID: *chainID, Accounts: *accounts,
		TokenName: *tokenName, TokenVersion: *tokenVersion, InfoFile: *infoFile, MaxDrift: *maxDrift,
	})
	if err != nil {
		return err
	}
	defer c.Close()
	info := c.Info()
	fmt.Printf("devnet: chain %s, JSON-RPC %s (ws %s)\n", info.Network, info.RPCURL, info.WSURL)
	fmt.Printf("devnet: token %s %q version %q decimals %d\n", info.Token.Address.Hex(), info.Token.Name, info.Token.Version, info.Token.Decimals)
	fmt.Printf("devnet: ERC-8004 identity registry %s (%s)\n", info.Registry.Address.Hex(), info.Registry.AgentRegistry)
	fmt.Printf("devnet: %s\n", devchain.DevKeyWarning)
	for _, a := range info.Accounts {
		fmt.Printf("devnet:   %-12s %s  DEV-ONLY key %s\n", a.Role, a.Address.Hex(), a.DevPrivateKey)
	}
	if *infoFile != "" {
		fmt.Printf("devnet: wrote %s\n", *infoFile)
		defer os.Remove(*infoFile) // a stale file would point at a dead chain
	}
	<-ctx.Done()
	return nil
}
