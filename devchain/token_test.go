package devchain_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/turnpike-x402/turnpike/contracts/testwallet"
	"github.com/turnpike-x402/turnpike/contracts/token"
	"github.com/turnpike-x402/turnpike/devchain"
)

// EIP-712 pieces written out from the EIP-3009 text, independent of the contract.
var (
	domainTypehash   = crypto.Keccak256([]byte("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"))
	transferTypehash = crypto.Keccak256([]byte("TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"))
	receiveTypehash  = crypto.Keccak256([]byte("ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"))
	cancelTypehash   = crypto.Keccak256([]byte("CancelAuthorization(address authorizer,bytes32 nonce)"))
	secp256k1N, _    = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
)

func word(v any) []byte {
	switch x := v.(type) {
	case common.Address:
		return common.LeftPadBytes(x.Bytes(), 32)
	case *big.Int:
		return common.LeftPadBytes(x.Bytes(), 32)
	case [32]byte:
		return x[:]
	case []byte:
		return x
	}
	panic("word: unsupported type")
}

func eip712Digest(c *devchain.Chain, parts ...any) []byte {
	info := c.Info()
	sep := crypto.Keccak256(domainTypehash, crypto.Keccak256([]byte(info.Token.Name)),
		crypto.Keccak256([]byte(info.Token.Version)), word(c.ChainID()), word(info.Token.Address))
	var enc []byte
	for _, p := range parts {
		enc = append(enc, word(p)...)
	}
	return crypto.Keccak256([]byte{0x19, 0x01}, sep, crypto.Keccak256(enc))
}

// sign returns r||s||v with v in {27, 28}.
func sign(key *ecdsa.PrivateKey, digest []byte) []byte {
	sig, err := crypto.Sign(digest, key)
	if err != nil {
		panic(err) // only for a digest that is not 32 bytes
	}
	sig[64] += 27
	return sig
}

type auth struct {
	from, to             common.Address
	value, after, before *big.Int
	nonce                [32]byte
	typehash             []byte
	sig                  []byte
	useBytes             bool
	receive              bool
	caller               common.Address
	cancel               bool
}

func (a *auth) calldata(tok *token.EIP3009Token) []byte {
	var r, s [32]byte
	var v byte
	if len(a.sig) == 65 {
		copy(r[:], a.sig[:32])
		copy(s[:], a.sig[32:64])
		v = a.sig[64]
	}
	switch {
	case a.cancel && a.useBytes:
		return tok.PackCancelAuthorization0(a.from, a.nonce, a.sig)
	case a.cancel:
		return tok.PackCancelAuthorization(a.from, a.nonce, v, r, s)
	case a.receive && a.useBytes:
		return tok.PackReceiveWithAuthorization(a.from, a.to, a.value, a.after, a.before, a.nonce, a.sig)
	case a.receive:
		return tok.PackReceiveWithAuthorization0(a.from, a.to, a.value, a.after, a.before, a.nonce, v, r, s)
	case a.useBytes:
		return tok.PackTransferWithAuthorization(a.from, a.to, a.value, a.after, a.before, a.nonce, a.sig)
	default:
		return tok.PackTransferWithAuthorization0(a.from, a.to, a.value, a.after, a.before, a.nonce, v, r, s)
	}
}

func newAuth(t *testing.T, c *devchain.Chain, payer *ecdsa.PrivateKey, to common.Address, value int64) *auth {
	t.Helper()
	head, err := c.Client().HeaderByNumber(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &auth{
		from: crypto.PubkeyToAddress(payer.PublicKey), to: to, value: big.NewInt(value),
		after: new(big.Int).SetUint64(head.Time - 600), before: new(big.Int).SetUint64(head.Time + 3600),
		typehash: transferTypehash, caller: c.Account(devchain.RoleFacilitator).Address,
	}
	_, _ = rand.Read(a.nonce[:])
	return a
}

func (a *auth) signWith(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey) *auth {
	if a.cancel {
		a.sig = sign(key, eip712Digest(c, cancelTypehash, a.from, a.nonce))
	} else {
		a.sig = sign(key, eip712Digest(c, a.typehash, a.from, a.to, a.value, a.after, a.before, a.nonce))
	}
	return a
}

func callErr(t *testing.T, c *devchain.Chain, from common.Address, data []byte) error {
	t.Helper()
	to := devchain.TokenAddress()
	_, err := c.Client().CallContract(ctxT(t), ethereum.CallMsg{From: from, To: &to, Data: data}, nil)
	return err
}

func transact(t *testing.T, c *devchain.Chain, key *ecdsa.PrivateKey, data []byte) *types.Receipt {
	t.Helper()
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.Client(), devchain.TokenAddress())
	opts := bind.NewKeyedTransactor(key, c.ChainID())
	opts.Context = ctxT(t)
	tx, err := bind.Transact(inst, opts, data)
	if err != nil {
		t.Fatalf("transact: %v", err)
	}
	r, err := c.Client().TransactionReceipt(ctxT(t), tx.Hash())
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	return r
}

func TestTokenLooksLikeUSDC(t *testing.T) {
	c := chain(t)
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.Client(), devchain.TokenAddress())
	info := c.Info()
	name, err := bind.Call(inst, nil, tok.PackName(), tok.UnpackName)
	if err != nil || name != "USD Coin" || info.Token.Name != name {
		t.Fatalf("name() = %q, %v", name, err)
	}
	version, err := bind.Call(inst, nil, tok.PackVersion(), tok.UnpackVersion)
	if err != nil || version != "2" {
		t.Fatalf("version() = %q, %v", version, err)
	}
	decimals, err := bind.Call(inst, nil, tok.PackDecimals(), tok.UnpackDecimals)
	if err != nil || decimals != 6 {
		t.Fatalf("decimals() = %d, %v", decimals, err)
	}
	sep, err := bind.Call(inst, nil, tok.PackDOMAINSEPARATOR(), tok.UnpackDOMAINSEPARATOR)
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.Keccak256(domainTypehash, crypto.Keccak256([]byte("USD Coin")), crypto.Keccak256([]byte("2")),
		word(big.NewInt(1337)), word(devchain.TokenAddress()))
	if common.BytesToHash(want) != common.Hash(sep) {
		t.Fatalf("DOMAIN_SEPARATOR %x, want %x", sep, want)
	}
	th, err := bind.Call(inst, nil, tok.PackTRANSFERWITHAUTHORIZATIONTYPEHASH(), tok.UnpackTRANSFERWITHAUTHORIZATIONTYPEHASH)
	if err != nil || common.Hash(th) != common.HexToHash("0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267") {
		t.Fatalf("TRANSFER_WITH_AUTHORIZATION_TYPEHASH %x, %v", th, err)
	}
}

func TestTransferWithAuthorizationSettles(t *testing.T) {
	c := chain(t)
	tok := token.NewEIP3009Token()
	inst := tok.Instance(c.Client(), devchain.TokenAddress())
	buyer := c.Account(devchain.RoleBuyer)
	facilitator := c.Account(devchain.RoleFacilitator)
	for _, tc := range []struct {
		desc     string
		useBytes bool
	}{
		{desc: "v,r,s overload", useBytes: false},
		{desc: "bytes signature overload", useBytes: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			payee, _ := crypto.GenerateKey()
			to := crypto.PubkeyToAddress(payee.PublicKey)
			a := newAuth(t, c, buyer.Key, to, 10_000)
			a.useBytes = tc.useBytes
			a.signWith(t, c, buyer.Key)
			r := transact(t, c, facilitator.Key, a.calldata(tok))
			if r.Status != types.ReceiptStatusSuccessful {
				t.Fatalf("status %d", r.Status)
			}
			if len(r.Logs) != 2 {
				t.Fatalf("%d logs, want AuthorizationUsed + Transfer", len(r.Logs))
			}
			used, err := tok.UnpackAuthorizationUsedEvent(r.Logs[0])
			if err != nil || used.Authorizer != buyer.Address || used.Nonce != a.nonce {
				t.Fatalf("first log is not AuthorizationUsed(buyer, nonce): %+v %v", used, err)
			}
			if _, err := tok.UnpackTransferEvent(r.Logs[1]); err != nil {
				t.Fatalf("second log is not Transfer: %v", err)
			}
			bal, err := bind.Call(inst, nil, tok.PackBalanceOf(to), tok.UnpackBalanceOf)
			if err != nil || bal.Int64() != 10_000 {
				t.Fatalf("payee balance %v, %v", bal, err)
			}
			state, err := bind.Call(inst, nil, tok.PackAuthorizationState(buyer.Address, a.nonce), tok.UnpackAuthorizationState)
			if err != nil || !state {
				t.Fatalf("authorizationState = %v, %v", state, err)
			}
			if err := callErr(t, c, facilitator.Address, a.calldata(tok)); err == nil ||
				!strings.Contains(err.Error(), "FiatTokenV2: authorization is used or canceled") {
				t.Fatalf("replay: %v", err)
			}
		})
	}
}

func TestAuthorizationRejections(t *testing.T) {
	c := chain(t)
	tok := token.NewEIP3009Token()
	buyer := c.Account(devchain.RoleBuyer)
	seller := c.Account(devchain.RoleSeller)
	facilitator := c.Account(devchain.RoleFacilitator)
	other := c.Account("dev-7")
	head, err := c.Client().HeaderByNumber(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := new(big.Int).SetUint64(head.Time)
	for _, tc := range []struct {
		desc   string
		build  func(a *auth) // adjusts a before signing
		after  func(a *auth) // tampers after signing
		caller common.Address
		want   string
	}{
		{desc: "validAfter equal to block time is not yet valid", build: func(a *auth) { a.after = now; a.before = new(big.Int).Add(now, big.NewInt(10)) },
			want: "FiatTokenV2: authorization is not yet valid"},
		{desc: "validBefore equal to block time is expired", build: func(a *auth) { a.before = now },
			want: "FiatTokenV2: authorization is expired"},
		{desc: "signed by someone else", after: func(a *auth) {
			a.sig = sign(other.Key, eip712Digest(c, a.typehash, a.from, a.to, a.value, a.after, a.before, a.nonce))
		},
			want: "FiatTokenV2: invalid signature"},
		{desc: "value changed after signing", after: func(a *auth) { a.value = big.NewInt(10_001) },
			want: "FiatTokenV2: invalid signature"},
		{desc: "v of 0/1 as crypto.Sign returns it", after: func(a *auth) { a.sig[64] -= 27 },
			want: "ECRecover: invalid signature 'v' value"},
		{desc: "high-s twin of a valid signature", after: func(a *auth) {
			s := new(big.Int).SetBytes(a.sig[32:64])
			copy(a.sig[32:64], common.LeftPadBytes(new(big.Int).Sub(secp256k1N, s).Bytes(), 32))
			a.sig[64] ^= 1 // 27 <-> 28
		}, want: "ECRecover: invalid signature 's' value"},
		{desc: "bytes signature of 64 bytes", after: func(a *auth) { a.useBytes = true; a.sig = a.sig[:64] },
			want: "ECRecover: invalid signature length"},
		{desc: "receive called by someone other than the payee", build: func(a *auth) { a.receive = true; a.typehash = receiveTypehash },
			caller: facilitator.Address, want: "FiatTokenV2: caller must be the payee"},
		{desc: "receive signed with the transfer typehash", build: func(a *auth) { a.receive = true },
			caller: seller.Address, want: "FiatTokenV2: invalid signature"},
		{desc: "more than the balance", build: func(a *auth) { a.value = new(big.Int).Mul(devchain.DefaultTokenBalance, big.NewInt(1000)) },
			want: "ERC20InsufficientBalance"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a := newAuth(t, c, buyer.Key, seller.Address, 10_000)
			if tc.build != nil {
				tc.build(a)
			}
			a.signWith(t, c, buyer.Key)
			if tc.after != nil {
				tc.after(a)
			}
			caller := tc.caller
			if caller == (common.Address{}) {
				caller = facilitator.Address
			}
			err := callErr(t, c, caller, a.calldata(tok))
			if err == nil {
				t.Fatalf("accepted; want revert %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) && !(tc.want == "ERC20InsufficientBalance" && strings.Contains(err.Error(), "execution reverted")) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}
}

func TestReceiveAndCancel(t *testing.T) {
	c := chain(t)
	tok := token.NewEIP3009Token()
	buyer := c.Account(devchain.RoleBuyer)
	seller := c.Account(devchain.RoleSeller)
	facilitator := c.Account(devchain.RoleFacilitator)

	t.Run("receive by the payee", func(t *testing.T) {
		a := newAuth(t, c, buyer.Key, seller.Address, 5)
		a.receive, a.typehash = true, receiveTypehash
		a.signWith(t, c, buyer.Key)
		if r := transact(t, c, seller.Key, a.calldata(tok)); r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("status %d", r.Status)
		}
	})
	for _, useBytes := range []bool{false, true} {
		t.Run("cancel then transfer fails, bytes="+map[bool]string{false: "no", true: "yes"}[useBytes], func(t *testing.T) {
			a := newAuth(t, c, buyer.Key, seller.Address, 5).signWith(t, c, buyer.Key)
			cancel := &auth{from: buyer.Address, nonce: a.nonce, cancel: true, useBytes: useBytes}
			cancel.signWith(t, c, buyer.Key)
			r := transact(t, c, facilitator.Key, cancel.calldata(tok))
			if r.Status != types.ReceiptStatusSuccessful || len(r.Logs) != 1 {
				t.Fatalf("cancel status %d logs %d", r.Status, len(r.Logs))
			}
			if ev, err := tok.UnpackAuthorizationCanceledEvent(r.Logs[0]); err != nil || ev.Nonce != a.nonce {
				t.Fatalf("AuthorizationCanceled %+v %v", ev, err)
			}
			if err := callErr(t, c, facilitator.Address, a.calldata(tok)); err == nil ||
				!strings.Contains(err.Error(), "authorization is used or canceled") {
				t.Fatalf("transfer after cancel: %v", err)
			}
		})
	}
	t.Run("mint is for the deployer only", func(t *testing.T) {
		err := callErr(t, c, buyer.Address, tok.PackMint(buyer.Address, big.NewInt(1)))
		if err == nil || !strings.Contains(err.Error(), "caller is not the minter") {
			t.Fatalf("mint by buyer: %v", err)
		}
	})
}

// A contract wallet pays through ERC-1271 with a signature longer than 65 bytes, as
// smart wallets do; the token asks the wallet instead of running ecrecover.
func TestContractWalletPaysThroughERC1271(t *testing.T) {
	c := chain(t)
	ctx := ctxT(t)
	tok := token.NewEIP3009Token()
	owner := c.Account("dev-9")
	facilitator := c.Account(devchain.RoleFacilitator)
	seller := c.Account(devchain.RoleSeller)

	opts := bind.NewKeyedTransactor(owner.Key, c.ChainID())
	opts.Context = ctx
	w := testwallet.NewERC1271Wallet()
	walletAddr, tx, err := bind.DeployContract(opts, common.FromHex(testwallet.ERC1271WalletMetaData.Bin), c.Client(), w.PackConstructor(owner.Address))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bind.WaitDeployed(ctx, c.Client(), tx.Hash()); err != nil {
		t.Fatal(err)
	}
	if err := c.Fund(ctx, walletAddr, nil, big.NewInt(1_000)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc    string
		signer  *ecdsa.PrivateKey
		extra   []byte
		vrs     bool
		wantErr string
	}{
		{desc: "owner signature plus wallet data, bytes overload", signer: owner.Key, extra: []byte{0xde, 0xad, 0xbe, 0xef}},
		{desc: "owner signature of exactly 65 bytes, v,r,s overload", signer: owner.Key, vrs: true},
		{desc: "someone else's signature", signer: c.Account("dev-8").Key, extra: []byte{1}, wantErr: "FiatTokenV2: invalid signature"},
		{desc: "too short for the wallet", signer: owner.Key, extra: nil, wantErr: "FiatTokenV2: invalid signature"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a := newAuth(t, c, owner.Key, seller.Address, 10)
			a.from = walletAddr
			a.signWith(t, c, tc.signer)
			a.useBytes = !tc.vrs
			if !tc.vrs {
				a.sig = append(a.sig, tc.extra...)
				if tc.extra == nil {
					a.sig = a.sig[:64]
				}
			}
			err := callErr(t, c, facilitator.Address, a.calldata(tok))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("simulation: %v", err)
			}
			r := transact(t, c, facilitator.Key, a.calldata(tok))
			if r.Status != types.ReceiptStatusSuccessful {
				t.Fatalf("status %d", r.Status)
			}
			used, err := tok.UnpackAuthorizationUsedEvent(r.Logs[0])
			if err != nil || used.Authorizer != walletAddr {
				t.Fatalf("AuthorizationUsed %+v, %v", used, err)
			}
		})
	}
}
