package eip3009

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// A reference vector generated outside this code (anvil account #0 key), so a signing
// bug cannot pass by agreeing with itself.
const (
	vectorKey       = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	vectorFrom      = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
	vectorDigest    = "0x50708d3bf7216e1aeabe7bf22081b9f36c7c287530f92510318f13a03d89dc86"
	vectorSeparator = "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818"
	vectorSignature = "0xdc53a4a579de989368a0fae2ef2172ff2f474b4297013f865d171239f17ef4c3157b4b4030f1bebc53d55ace15c2377dff501a60e1e56c291f1000d6e78f082f1b"
)

func vectorDomain() Domain {
	return Domain{Name: "USDC", Version: "2", ChainID: big.NewInt(84532),
		VerifyingContract: common.HexToAddress("0x036CbD53842c5426634e7929541eC2318f3dCF7e")}
}

func vectorAuth() Authorization {
	return Authorization{
		From:        common.HexToAddress(vectorFrom),
		To:          common.HexToAddress("0x209693Bc6afc0C5328bA36FaF03C514EF312287C"),
		Value:       big.NewInt(10000),
		ValidAfter:  big.NewInt(1740672089),
		ValidBefore: big.NewInt(1740672154),
		Nonce:       common.HexToHash("0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"),
	}
}

func TestTypeHashes(t *testing.T) {
	for _, tc := range []struct {
		desc string
		got  common.Hash
		want string
	}{
		{"domain typehash", DomainTypeHash, "0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f"},
		{"transfer typehash", TransferTypeHash, "0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267"},
		{"receive typehash", ReceiveTypeHash, "0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8"},
		{"Kind.TypeHash transfer", Transfer.TypeHash(), "0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267"},
		{"Kind.TypeHash receive", Receive.TypeHash(), "0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8"},
	} {
		if tc.got.Hex() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.desc, tc.got.Hex(), tc.want)
		}
	}
}

func TestDomainSeparators(t *testing.T) {
	for _, tc := range []struct {
		desc string
		d    Domain
		want string
	}{
		{"base sepolia USDC", vectorDomain(), vectorSeparator},
		{"base mainnet USDC", Domain{Name: "USD Coin", Version: "2", ChainID: big.NewInt(8453),
			VerifyingContract: common.HexToAddress("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")},
			"0x02fa7265e7c5d81118673727957699e4d68f74cd74b7db77da710fe8a2c7834f"},
	} {
		if got := tc.d.Separator().Hex(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.desc, got, tc.want)
		}
	}
}

func TestVectorDigestSignRecover(t *testing.T) {
	key, err := crypto.HexToECDSA(vectorKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := crypto.PubkeyToAddress(key.PublicKey).Hex(); got != vectorFrom {
		t.Fatalf("key address %s, want %s", got, vectorFrom)
	}
	if got := Digest(vectorDomain(), Transfer, vectorAuth()).Hex(); got != vectorDigest {
		t.Fatalf("digest %s, want %s", got, vectorDigest)
	}
	sig, err := Sign(key, vectorDomain(), Transfer, vectorAuth())
	if err != nil {
		t.Fatal(err)
	}
	if got := hexutil.Encode(sig); got != vectorSignature {
		t.Fatalf("signature %s, want %s", got, vectorSignature)
	}
	who, err := Recover(vectorDomain(), Transfer, vectorAuth(), sig)
	if err != nil || who.Hex() != vectorFrom {
		t.Fatalf("recover = %s, %v; want %s", who.Hex(), err, vectorFrom)
	}
	if err := Verify(vectorDomain(), Transfer, vectorAuth(), sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// TestMatchesAPITypes cross-checks the hand-written hashing against go-ethereum's
// generic EIP-712 encoder for both primary types.
func TestMatchesAPITypes(t *testing.T) {
	fields := []apitypes.Type{
		{Name: "from", Type: "address"}, {Name: "to", Type: "address"},
		{Name: "value", Type: "uint256"}, {Name: "validAfter", Type: "uint256"},
		{Name: "validBefore", Type: "uint256"}, {Name: "nonce", Type: "bytes32"},
	}
	a := vectorAuth()
	a.Value, _ = new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	d := vectorDomain()
	d.Name = "A longer token name with ünïcode"
	for _, k := range []Kind{Transfer, Receive} {
		td := apitypes.TypedData{
			Types: apitypes.Types{
				"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"},
					{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
				k.String(): fields,
			},
			PrimaryType: k.String(),
			Domain: apitypes.TypedDataDomain{Name: d.Name, Version: d.Version,
				ChainId: (*math.HexOrDecimal256)(d.ChainID), VerifyingContract: d.VerifyingContract.Hex()},
			Message: apitypes.TypedDataMessage{
				"from": a.From.Hex(), "to": a.To.Hex(), "value": a.Value.String(),
				"validAfter": a.ValidAfter.String(), "validBefore": a.ValidBefore.String(),
				"nonce": a.Nonce.Hex(),
			},
		}
		want, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatalf("%s: apitypes: %v", k, err)
		}
		if got := Digest(d, k, a); !bytes.Equal(got[:], want) {
			t.Errorf("%s: digest %s, apitypes %x", k, got.Hex(), want)
		}
	}
}

func TestRecoverRejects(t *testing.T) {
	good := hexutil.MustDecode(vectorSignature)
	n := crypto.S256().Params().N
	highS := func() []byte {
		s := new(big.Int).SetBytes(good[32:64])
		s.Sub(n, s)
		out := append([]byte(nil), good...)
		copy(out[32:64], common.LeftPadBytes(s.Bytes(), 32))
		out[64] = 55 - good[64] // negating s flips the recovery id: 27 <-> 28
		return out
	}()
	withV := func(v byte) []byte {
		out := append([]byte(nil), good...)
		out[64] = v
		return out
	}
	zeroR := append([]byte(nil), good...)
	copy(zeroR[:32], make([]byte, 32))
	for _, tc := range []struct {
		desc    string
		sig     []byte
		wantErr error
		wantOK  bool
	}{
		{desc: "valid v=27", sig: good, wantOK: true},
		{desc: "valid v=0 accepted", sig: withV(0), wantOK: true},
		{desc: "short", sig: good[:64], wantErr: ErrSignatureLength},
		{desc: "long", sig: append(append([]byte(nil), good...), 0), wantErr: ErrSignatureLength},
		{desc: "v=29", sig: withV(29), wantErr: ErrSignatureV},
		{desc: "v=2", sig: withV(2), wantErr: ErrSignatureV},
		{desc: "high s (malleated twin)", sig: highS, wantErr: ErrSignatureHighS},
		{desc: "zero r", sig: zeroR, wantErr: ErrSignatureRange},
	} {
		got, err := Recover(vectorDomain(), Transfer, vectorAuth(), tc.sig)
		if tc.wantOK {
			if err != nil || got.Hex() != vectorFrom {
				t.Errorf("%s: got %s, %v; want %s", tc.desc, got.Hex(), err, vectorFrom)
			}
			continue
		}
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: err %v, want %v", tc.desc, err, tc.wantErr)
		}
	}
}

func TestVerifyWrongSigner(t *testing.T) {
	sig := hexutil.MustDecode(vectorSignature)
	for _, tc := range []struct {
		desc   string
		mutate func(d *Domain, k *Kind, a *Authorization)
	}{
		{"other value", func(d *Domain, k *Kind, a *Authorization) { a.Value = big.NewInt(10001) }},
		{"other payee", func(d *Domain, k *Kind, a *Authorization) { a.To = common.Address{1} }},
		{"other chain", func(d *Domain, k *Kind, a *Authorization) { d.ChainID = big.NewInt(8453) }},
		{"other token name", func(d *Domain, k *Kind, a *Authorization) { d.Name = "USD Coin" }},
		{"receive instead of transfer", func(d *Domain, k *Kind, a *Authorization) { *k = Receive }},
		{"other nonce", func(d *Domain, k *Kind, a *Authorization) { a.Nonce[0] ^= 1 }},
	} {
		d, k, a := vectorDomain(), Transfer, vectorAuth()
		tc.mutate(&d, &k, &a)
		if err := Verify(d, k, a, sig); err == nil {
			t.Errorf("%s: verify succeeded, want a signer mismatch", tc.desc)
		}
	}
}

func TestSignRoundTripAndSplit(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := RandomNonce()
	if err != nil {
		t.Fatal(err)
	}
	a := vectorAuth()
	a.From = crypto.PubkeyToAddress(key.PublicKey)
	a.Nonce = nonce
	for _, k := range []Kind{Transfer, Receive} {
		sig, err := Sign(key, vectorDomain(), k, a)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(vectorDomain(), k, a, sig); err != nil {
			t.Errorf("%s: %v", k, err)
		}
		v, r, s, err := SplitSignature(sig)
		if err != nil || (v != 27 && v != 28) || !bytes.Equal(r[:], sig[:32]) || !bytes.Equal(s[:], sig[32:64]) {
			t.Errorf("%s: split = %d %x %x %v", k, v, r, s, err)
		}
	}
	if _, err := Sign(key, vectorDomain(), Transfer, Authorization{From: a.From}); err == nil {
		t.Error("sign with missing value succeeded")
	}
	neg := a
	neg.Value = big.NewInt(-1)
	if _, err := Sign(key, vectorDomain(), Transfer, neg); err == nil {
		t.Error("sign with negative value succeeded")
	}
}

func TestParsers(t *testing.T) {
	for _, tc := range []struct {
		desc string
		in   string
		want string
		ok   bool
	}{
		{"decimal", "10000", "10000", true},
		{"hex", "0x2710", "10000", true},
		{"zero", "0", "0", true},
		{"max uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639935", "", true},
		{"over uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639936", "", false},
		{"empty", "", "", false},
		{"negative", "-1", "", false},
		{"plus sign", "+1", "", false},
		{"float", "1.5", "", false},
		{"exponent", "1e6", "", false},
	} {
		v, err := ParseUint("value", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.desc, err, tc.ok)
			continue
		}
		if tc.ok && tc.want != "" && v.String() != tc.want {
			t.Errorf("%s: got %s, want %s", tc.desc, v, tc.want)
		}
	}
	if _, err := ParseAddress("payTo", "0x209693bc6afc0c5328ba36faf03c514ef312287c"); err != nil {
		t.Errorf("lower-case address: %v", err)
	}
	for _, bad := range []string{"209693bc6afc0c5328ba36faf03c514ef312287c", "0x1234", "0xzz9693bc6afc0c5328ba36faf03c514ef312287c"} {
		if _, err := ParseAddress("payTo", bad); err == nil {
			t.Errorf("address %q accepted", bad)
		}
	}
	if _, err := ParseNonce("0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"); err != nil {
		t.Errorf("nonce: %v", err)
	}
	for _, bad := range []string{"f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480", "0x01", "0xzz746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"} {
		if _, err := ParseNonce(bad); err == nil {
			t.Errorf("nonce %q accepted", bad)
		}
	}
	if _, err := ParseSignature("0xabc"); err == nil {
		t.Error("odd-length signature accepted")
	}
}
