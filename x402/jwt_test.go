package x402

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestCDPAuthToken(t *testing.T) {
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))

	tests := []struct {
		desc    string
		secret  string
		wantAlg string
		verify  func(msg, sig []byte) bool
	}{
		{
			desc: "ed25519 64-byte key", secret: base64.StdEncoding.EncodeToString(edPriv), wantAlg: "EdDSA",
			verify: func(msg, sig []byte) bool { return ed25519.Verify(edPub, msg, sig) },
		},
		{
			desc: "ed25519 seed", secret: base64.StdEncoding.EncodeToString(edPriv.Seed()), wantAlg: "EdDSA",
			verify: func(msg, sig []byte) bool { return ed25519.Verify(edPub, msg, sig) },
		},
		{
			desc: "P-256 PEM with escaped newlines", secret: strings.ReplaceAll(ecPEM, "\n", `\n`), wantAlg: "ES256",
			verify: func(msg, sig []byte) bool {
				d := sha256.Sum256(msg)
				return len(sig) == 64 && ecdsa.Verify(&ecKey.PublicKey, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
			},
		},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			a, err := NewCDPAuth("key-1", tc.secret)
			if err != nil {
				t.Fatal(err)
			}
			a.now = func() time.Time { return time.Unix(1_800_000_000, 0) }
			auth, err := a.Authorization("POST", "api.cdp.coinbase.com", "/platform/v2/x402/verify")
			if err != nil {
				t.Fatal(err)
			}
			tok := strings.TrimPrefix(auth, "Bearer ")
			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("token has %d parts", len(parts))
			}
			var h jwtHeader
			var c jwtClaims
			decodePart(t, parts[0], &h)
			decodePart(t, parts[1], &c)
			if h.Alg != tc.wantAlg || h.Kid != "key-1" || h.Typ != "JWT" || len(h.Nonce) != 32 {
				t.Fatalf("header = %+v", h)
			}
			if c.Sub != "key-1" || c.Iss != "cdp" || len(c.Aud) != 1 || c.Aud[0] != "cdp_service" ||
				c.Nbf != 1_800_000_000 || c.Exp != 1_800_000_120 || c.URI != "POST api.cdp.coinbase.com/platform/v2/x402/verify" {
				t.Fatalf("claims = %+v", c)
			}
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil {
				t.Fatal(err)
			}
			if !tc.verify([]byte(parts[0]+"."+parts[1]), sig) {
				t.Fatal("signature does not verify")
			}
		})
	}
}

func TestNewCDPAuthErrors(t *testing.T) {
	tests := []struct {
		desc, id, secret, want string
	}{
		{desc: "no key id", id: "", secret: "x", want: "key id is empty"},
		{desc: "garbage", id: "k", secret: "%%%", want: "neither PEM nor base64"},
		{desc: "wrong length", id: "k", secret: base64.StdEncoding.EncodeToString([]byte("short")), want: "want an Ed25519 key"},
		{desc: "bad PEM", id: "k", secret: "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----", want: "neither SEC 1 EC nor PKCS#8"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			_, err := NewCDPAuth(tc.id, tc.secret)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func decodePart(t *testing.T, s string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}
