package x402

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CDPAuth mints a short-lived JWT per facilitator call, as the Coinbase Developer
// Platform facilitator requires: EdDSA for Ed25519 keys, ES256 for P-256 keys.
type CDPAuth struct {
	KeyID string
	key   crypto.Signer
	now   func() time.Time
}

// NewCDPAuth parses the API key secret: a base64 Ed25519 key (64-byte private key or
// 32-byte seed) or a PEM P-256 key (SEC 1 or PKCS#8).
func NewCDPAuth(keyID, secret string) (*CDPAuth, error) {
	if strings.TrimSpace(keyID) == "" {
		return nil, errors.New("CDP key id is empty")
	}
	key, err := parseCDPKey(secret)
	if err != nil {
		return nil, fmt.Errorf("CDP key %s: %w", keyID, err)
	}
	return &CDPAuth{KeyID: keyID, key: key, now: time.Now}, nil
}

func parseCDPKey(secret string) (crypto.Signer, error) {
	secret = strings.TrimSpace(strings.ReplaceAll(secret, `\n`, "\n"))
	if block, _ := pem.Decode([]byte(secret)); block != nil {
		if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
			return k, nil
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM key is neither SEC 1 EC nor PKCS#8: %w", err)
		}
		switch s := k.(type) {
		case *ecdsa.PrivateKey:
			return s, nil
		case ed25519.PrivateKey:
			return s, nil
		}
		return nil, errors.New("PEM key type is not supported (want P-256 or Ed25519)")
	}
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return nil, errors.New("secret is neither PEM nor base64")
	}
	switch len(raw) {
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	}
	return nil, fmt.Errorf("base64 secret is %d bytes, want an Ed25519 key of 32 or 64", len(raw))
}

// jwtHeader and jwtClaims are marshalled as values with exported fields only (Yaegi).
type jwtHeader struct {
	Alg   string `json:"alg"`
	Typ   string `json:"typ"`
	Kid   string `json:"kid"`
	Nonce string `json:"nonce"`
}

type jwtClaims struct {
	Sub string   `json:"sub"`
	Iss string   `json:"iss"`
	Aud []string `json:"aud"`
	Nbf int64    `json:"nbf"`
	Exp int64    `json:"exp"`
	URI string   `json:"uri"`
}

// Authorization implements Authenticator.
func (a *CDPAuth) Authorization(method, host, path string) (string, error) {
	tok, err := a.Token(method, host, path)
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

// Token returns a signed JWT for one request.
func (a *CDPAuth) Token(method, host, path string) (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("jwt nonce: %w", err)
	}
	alg := "EdDSA"
	if _, ok := a.key.(*ecdsa.PrivateKey); ok {
		alg = "ES256"
	}
	now := a.now().Unix()
	h, err := json.Marshal(jwtHeader{Alg: alg, Typ: "JWT", Kid: a.KeyID, Nonce: hex.EncodeToString(nonce)})
	if err != nil {
		return "", fmt.Errorf("jwt header: %w", err)
	}
	c, err := json.Marshal(jwtClaims{
		Sub: a.KeyID, Iss: "cdp", Aud: []string{"cdp_service"},
		Nbf: now, Exp: now + 120, URI: method + " " + host + path,
	})
	if err != nil {
		return "", fmt.Errorf("jwt claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sig, err := a.sign([]byte(signing))
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

func (a *CDPAuth) sign(msg []byte) ([]byte, error) {
	switch k := a.key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, msg), nil
	case *ecdsa.PrivateKey:
		digest := sha256.Sum256(msg)
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			return nil, fmt.Errorf("jwt ES256 sign: %w", err)
		}
		// JWS wants fixed-width r||s, not ASN.1.
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	}
	return nil, errors.New("jwt: unsupported key type")
}
