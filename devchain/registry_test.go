package devchain_test

import (
	"crypto/ecdsa"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/identity"
	"github.com/turnpike-x402/turnpike/devchain"
)

func regTransact(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey, data []byte) *types.Receipt {
	t.Helper()
	reg := identity.NewIdentityRegistry()
	opts := bind.NewKeyedTransactor(key, c.ChainID())
	opts.Context = ctxT(t)
	tx, err := bind.Transact(reg.Instance(c.Client(), devchain.RegistryAddress()), opts, data)
	if err != nil {
		t.Fatalf("transact: %v", err)
	}
	r, err := c.Client().TransactionReceipt(ctxT(t), tx.Hash())
	if err != nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("receipt %+v, %v", r, err)
	}
	return r
}

func regCallErr(t *testing.T, c *devchain.Chain, from common.Address, data []byte) error {
	t.Helper()
	reg := identity.NewIdentityRegistry()
	_, err := bind.Call(reg.Instance(c.Client(), devchain.RegistryAddress()), &bind.CallOpts{From: from}, data,
		func([]byte) (struct{}, error) { return struct{}{}, nil })
	return err
}

func fundedKey(t *testing.T, c *devchain.Chain) *ecdsa.PrivateKey {
	t.Helper()
	k, _ := crypto.GenerateKey()
	if err := c.Fund(ctxT(t), crypto.PubkeyToAddress(k.PublicKey), big.NewInt(1e18), nil); err != nil {
		t.Fatal(err)
	}
	return k
}

// The registry follows the ERC-8004 interface: three register overloads, events in the
// reference order, agentWallet set to the owner, metadata rules, setAgentWallet proofs.
func TestIdentityRegistry(t *testing.T) {
	c := chain(t)
	reg := identity.NewIdentityRegistry()
	inst := reg.Instance(c.Client(), devchain.RegistryAddress())
	ownerKey := fundedKey(t, c)
	owner := crypto.PubkeyToAddress(ownerKey.PublicKey)

	var ids []*big.Int
	for _, tc := range []struct {
		desc     string
		data     []byte
		uri      string
		metadata int
	}{
		{desc: "register()", data: reg.PackRegister()},
		{desc: "register(agentURI)", data: reg.PackRegister1("https://a.example/agent.json"), uri: "https://a.example/agent.json"},
		{desc: "register(agentURI, metadata)", data: reg.PackRegister0("ipfs://cid", []identity.IdentityRegistryMetadataEntry{
			{MetadataKey: "x402", MetadataValue: []byte("yes")}}), uri: "ipfs://cid", metadata: 1},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := regTransact(t, c, ownerKey, tc.data)
			var names []string
			var registered *identity.IdentityRegistryRegistered
			for _, l := range r.Logs {
				switch {
				case l.Topics[0] == reg.GetABI().Events["Transfer"].ID:
					names = append(names, "Transfer")
				case l.Topics[0] == reg.GetABI().Events["Registered"].ID:
					names = append(names, "Registered")
					registered, _ = reg.UnpackRegisteredEvent(l)
				case l.Topics[0] == reg.GetABI().Events["MetadataSet"].ID:
					ev, err := reg.UnpackMetadataSetEvent(l)
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, "MetadataSet:"+ev.MetadataKey)
				}
			}
			want := []string{"Transfer", "Registered", "MetadataSet:agentWallet"}
			if tc.metadata == 1 {
				want = append(want, "MetadataSet:x402")
			}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("events %v, want %v", names, want)
			}
			if registered.Owner != owner || registered.AgentURI != tc.uri {
				t.Fatalf("Registered %+v", registered)
			}
			if len(ids) > 0 && registered.AgentId.Cmp(new(big.Int).Add(ids[len(ids)-1], big.NewInt(1))) != 0 {
				t.Fatalf("agent id %s does not follow %s", registered.AgentId, ids[len(ids)-1])
			}
			ids = append(ids, registered.AgentId)
			wallet, err := bind.Call(inst, nil, reg.PackGetAgentWallet(registered.AgentId), reg.UnpackGetAgentWallet)
			if err != nil || wallet != owner {
				t.Fatalf("getAgentWallet = %s, %v", wallet, err)
			}
			raw, err := bind.Call(inst, nil, reg.PackGetMetadata(registered.AgentId, "agentWallet"), reg.UnpackGetMetadata)
			if err != nil || len(raw) != 20 || common.BytesToAddress(raw) != owner {
				t.Fatalf("agentWallet metadata %x, %v", raw, err)
			}
		})
	}
	if len(ids) != 3 {
		t.Fatal("registrations failed")
	}
	id := ids[1]
	stranger := c.Account("dev-8")

	t.Run("metadata rules", func(t *testing.T) {
		for _, tc := range []struct {
			desc string
			from common.Address
			data []byte
			want string
		}{
			{desc: "reserved key", from: owner, data: reg.PackSetMetadata(id, "agentWallet", []byte{1}), want: "reserved key"},
			{desc: "reserved key at register", from: owner, data: reg.PackRegister0("u", []identity.IdentityRegistryMetadataEntry{{MetadataKey: "agentWallet", MetadataValue: []byte{1}}}), want: "reserved key"},
			{desc: "stranger sets metadata", from: stranger.Address, data: reg.PackSetMetadata(id, "k", []byte{1}), want: "Not authorized"},
			{desc: "stranger sets the URI", from: stranger.Address, data: reg.PackSetAgentURI(id, "x"), want: "Not authorized"},
			{desc: "unknown agent", from: owner, data: reg.PackSetAgentURI(big.NewInt(1_000_000), "x"), want: "execution reverted"},
		} {
			t.Run(tc.desc, func(t *testing.T) {
				if err := regCallErr(t, c, tc.from, tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
			})
		}
		regTransact(t, c, ownerKey, reg.PackSetMetadata(id, "k", []byte("v")))
		got, err := bind.Call(inst, nil, reg.PackGetMetadata(id, "k"), reg.UnpackGetMetadata)
		if err != nil || string(got) != "v" {
			t.Fatalf("getMetadata = %q, %v", got, err)
		}
	})

	t.Run("setAgentWallet needs the new wallet's EIP-712 proof", func(t *testing.T) {
		walletKey, _ := crypto.GenerateKey()
		wallet := crypto.PubkeyToAddress(walletKey.PublicKey)
		head, err := c.Client().HeaderByNumber(ctxT(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		deadline := new(big.Int).SetUint64(head.Time + 120)
		sep := crypto.Keccak256(domainTypehash, crypto.Keccak256([]byte("ERC8004IdentityRegistry")), crypto.Keccak256([]byte("1")),
			word(c.ChainID()), word(devchain.RegistryAddress()))
		typehash := crypto.Keccak256([]byte("AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)"))
		digest := crypto.Keccak256([]byte{0x19, 0x01}, sep, crypto.Keccak256(typehash, word(id), word(wallet), word(owner), word(deadline)))
		if err := regCallErr(t, c, owner, reg.PackSetAgentWallet(id, wallet, deadline, sign(ownerKey, digest))); err == nil ||
			!strings.Contains(err.Error(), "invalid wallet sig") {
			t.Fatalf("proof signed by the owner instead of the wallet: %v", err)
		}
		far := new(big.Int).SetUint64(head.Time + 3600)
		if err := regCallErr(t, c, owner, reg.PackSetAgentWallet(id, wallet, far, sign(walletKey, digest))); err == nil ||
			!strings.Contains(err.Error(), "deadline too far") {
			t.Fatalf("deadline an hour out: %v", err)
		}
		regTransact(t, c, ownerKey, reg.PackSetAgentWallet(id, wallet, deadline, sign(walletKey, digest)))
		got, err := bind.Call(inst, nil, reg.PackGetAgentWallet(id), reg.UnpackGetAgentWallet)
		if err != nil || got != wallet {
			t.Fatalf("getAgentWallet = %s, %v", got, err)
		}
	})

	t.Run("a transfer clears the agent wallet", func(t *testing.T) {
		regTransact(t, c, ownerKey, reg.PackTransferFrom(owner, stranger.Address, ids[0]))
		got, err := bind.Call(inst, nil, reg.PackGetAgentWallet(ids[0]), reg.UnpackGetAgentWallet)
		if err != nil || got != (common.Address{}) {
			t.Fatalf("getAgentWallet after transfer = %s, %v", got, err)
		}
	})
}
