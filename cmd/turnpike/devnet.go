package main

import (
	"context"
	"fmt"
	"os"

	"github.com/turnpike-x402/turnpike/devchain"
)

func init() {
	register("devnet", "local dev chain (JSON-RPC on loopback) with the dev USDC token and ERC-8004 registry", runDevnet)
}

func runDevnet(ctx context.Context, std streams, args []string) error {
	fs := newFlags("devnet", "[flags]", `
Runs an in-process go-ethereum dev chain until interrupted, with the EIP-3009 dev USDC
token and the ERC-8004 identity registry deployed and a set of funded accounts. The
chain, its contracts and its DEV-ONLY keys are printed to stdout and written to
-info-file for other tools. Nothing here has value; never reuse these keys.`)
	addr := fs.String("listen", "127.0.0.1:0", "JSON-RPC listen address (port 0 = pick a free port)")
	infoFile := fs.String("info-file", "devnet.json", "where to write chain id, RPC URL, contract addresses and DEV-ONLY keys (empty = don't)")
	chainID := fs.Uint64("chain-id", devchain.DefaultChainID, "chain id (positive)")
	accounts := fs.Int("accounts", devchain.DefaultAccounts, "number of funded dev accounts")
	tokenName := fs.String("token-name", devchain.DefaultTokenName, "token name, also its EIP-712 domain name")
	tokenVersion := fs.String("token-version", devchain.DefaultTokenVersion, "token EIP-712 domain version")
	maxDrift := fs.Duration("max-drift", devchain.DefaultMaxDrift, "how far block time (a new second per block) may run ahead of the wall clock; beyond it the chain seals one block per second holding every waiting transaction")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	// devchain reads 0 as "unset"; on the command line it is a mistake, and EIP-155
	// has no chain 0 to sign for.
	if *chainID == 0 {
		return usagef("-chain-id must be positive (EIP-155 has no chain 0); the default is %d", devchain.DefaultChainID)
	}
	if *accounts <= 0 {
		return usagef("-accounts must be positive")
	}
	logger := setupLogging(std.stderr, level, "devnet")
	c, err := devchain.Start(ctx, devchain.Options{
		Addr: *addr, ChainID: *chainID, Accounts: *accounts,
		TokenName: *tokenName, TokenVersion: *tokenVersion, InfoFile: *infoFile, MaxDrift: *maxDrift,
	})
	if err != nil {
		return err
	}
	defer c.Close()
	info := c.Info()
	logger.Info("devnet running", "network", info.Network, "rpc", info.RPCURL, "ws", info.WSURL)
	out := std.stdout
	fmt.Fprintf(out, "devnet: chain %s, JSON-RPC %s (ws %s)\n", info.Network, info.RPCURL, info.WSURL)
	fmt.Fprintf(out, "devnet: token %s %q version %q decimals %d\n", info.Token.Address.Hex(), info.Token.Name, info.Token.Version, info.Token.Decimals)
	fmt.Fprintf(out, "devnet: ERC-8004 identity registry %s (%s)\n", info.Registry.Address.Hex(), info.Registry.AgentRegistry)
	fmt.Fprintf(out, "devnet: %s\n", devchain.DevKeyWarning)
	for _, a := range info.Accounts {
		fmt.Fprintf(out, "devnet:   %-12s %s  DEV-ONLY key %s\n", a.Role, a.Address.Hex(), a.DevPrivateKey)
	}
	if *infoFile != "" {
		fmt.Fprintf(out, "devnet: wrote %s\n", *infoFile)
		defer os.Remove(*infoFile) // a stale file would point at a dead chain
	}
	<-ctx.Done()
	return nil
}
