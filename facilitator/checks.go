package facilitator

import (
	"errors"
	"math/big"
	"time"

	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// checkSignature recovers the EIP-712 signer (low-s, v 27/28 or 0/1) and compares it
// with authorization.from.
func checkSignature(p *payment) *Rejection {
	signer, err := eip3009.Recover(p.domain(), eip3009.Transfer, p.Auth, p.Signature)
	if err != nil {
		if errors.Is(err, eip3009.ErrSignatureLength) || errors.Is(err, eip3009.ErrSignatureV) ||
			errors.Is(err, eip3009.ErrSignatureHighS) || errors.Is(err, eip3009.ErrSignatureRange) {
			return reject(x402.ReasonEVMSignatureFormat, "%v", err)
		}
		return reject(x402.ReasonEVMSignature, "%v", err)
	}
	if signer != p.Auth.From {
		return reject(x402.ReasonEVMSignature, "signature is by %s, not by from %s", signer.Hex(), p.Auth.From.Hex())
	}
	return nil
}

// checkTerms: the authorization pays what the requirements ask, now.
func checkTerms(p *payment, now time.Time) *Rejection {
	if p.Auth.To != p.PayTo {
		return reject(x402.ReasonEVMRecipientMismatch, "authorization pays %s, requirements payTo is %s", p.Auth.To.Hex(), p.PayTo.Hex())
	}
	if r := checkWindow(p, now); r != nil {
		return r
	}
	if p.Auth.Value.Cmp(p.Amount) != 0 {
		return reject(x402.ReasonEVMValueMismatch, "authorization value %s differs from the required amount %s", p.Auth.Value, p.Amount)
	}
	return nil
}

// checkWindow: validBefore >= now + margin and validAfter <= now. The token itself
// wants validAfter < block.timestamp < validBefore; the margin covers mining time.
func checkWindow(p *payment, now time.Time) *Rejection {
	unix := big.NewInt(now.Unix())
	earliest := new(big.Int).Add(unix, big.NewInt(x402.ClockSkewMarginSeconds))
	if p.Auth.ValidBefore.Cmp(earliest) < 0 {
		return reject(x402.ReasonEVMValidBefore, "authorization expires at %s, needs at least %s (now + %d s)", p.Auth.ValidBefore, earliest, x402.ClockSkewMarginSeconds)
	}
	if p.Auth.ValidAfter.Cmp(unix) > 0 {
		return reject(x402.ReasonEVMValidAfter, "authorization is valid only after %s (now %s)", p.Auth.ValidAfter, unix)
	}
	return nil
}
