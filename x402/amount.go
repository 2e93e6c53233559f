package x402

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrAmount marks an unusable price or amount.
var ErrAmount = errors.New("invalid amount")

// ParsePrice converts a decimal price in token units ("0.01", "$0.01", "1") to atomic
// units for a token with the given decimals, exactly: a price with more fractional
// digits than the token has is refused rather than rounded, because rounding a price
// silently changes what the seller charges.
func ParsePrice(price string, decimals int) (*big.Int, error) {
	s := strings.TrimSpace(price)
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return nil, fmt.Errorf("%w: price is empty", ErrAmount)
	}
	if decimals < 0 || decimals > 36 {
		return nil, fmt.Errorf("%w: token decimals %d out of range", ErrAmount, decimals)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || whole == "" && frac == "" {
		return nil, fmt.Errorf("%w: %q is not a decimal number", ErrAmount, price)
	}
	if !allDigits(whole) || !allDigits(frac) {
		return nil, fmt.Errorf("%w: %q is not a non-negative decimal number", ErrAmount, price)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > decimals {
		return nil, fmt.Errorf("%w: %q has %d decimal places, the token has only %d", ErrAmount, price, len(frac), decimals)
	}
	digits := whole + frac + strings.Repeat("0", decimals-len(frac))
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrAmount, price)
	}
	return n, nil
}

// ParseAtomic parses a non-negative integer amount in atomic units.
func ParseAtomic(s string) (*big.Int, error) {
	if s == "" || !allDigits(s) {
		return nil, fmt.Errorf("%w: %q is not a non-negative integer", ErrAmount, s)
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrAmount, s)
	}
	return n, nil
}

// FormatUnits renders an atomic amount in token units ("10000", 6 → "0.01").
func FormatUnits(atomic *big.Int, decimals int) string {
	if atomic == nil {
		return "0"
	}
	neg := atomic.Sign() < 0
	s := new(big.Int).Abs(atomic).String()
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		whole, frac := s[:len(s)-decimals], strings.TrimRight(s[len(s)-decimals:], "0")
		s = whole
		if frac != "" {
			s += "." + frac
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}

// allDigits reports whether s holds only ASCII digits. It runs when prices load, not
// per request.
func allDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// PerMTokAmount converts a price per million tokens ("0.50" in the token's units) into
// the atomic amount of one request that is taken to use tokensPerRequest tokens:
// perMTok × tokensPerRequest / 1,000,000, exactly in integers, rounded UP to the
// token's smallest unit, so a seller is never paid less than the declared rate and a
// positive price never becomes a free request. roundedUp tells whether rounding
// happened (the buyer pays a fraction of a unit more than the exact product).
func PerMTokAmount(perMTok string, tokensPerRequest int64, decimals int) (amount *big.Int, roundedUp bool, err error) {
	if tokensPerRequest <= 0 {
		return nil, false, fmt.Errorf("%w: approxTokensPerRequest %d must be positive", ErrAmount, tokensPerRequest)
	}
	if decimals < 0 || decimals > 36 {
		return nil, false, fmt.Errorf("%w: token decimals %d out of range", ErrAmount, decimals)
	}
	digits, scale, err := parseDecimal(perMTok)
	if err != nil {
		return nil, false, err
	}
	if digits.Sign() == 0 {
		return nil, false, fmt.Errorf("%w: perMTok %q is zero: mark free paths in spec.paths instead", ErrAmount, perMTok)
	}
	// digits / 10^scale token units per 10^6 tokens, times 10^decimals atomic units per
	// token unit, times tokensPerRequest tokens.
	num := new(big.Int).Mul(digits, pow10(decimals))
	num.Mul(num, big.NewInt(tokensPerRequest))
	den := pow10(scale + 6)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
		roundedUp = true
	}
	return q, roundedUp, nil
}

// parseDecimal reads a non-negative decimal ("0.50", "12", ".5") as digits × 10^-scale.
func parseDecimal(s string) (*big.Int, int, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || whole == "" && frac == "" {
		return nil, 0, fmt.Errorf("%w: %q is not a decimal number", ErrAmount, s)
	}
	if !allDigits(whole) || !allDigits(frac) {
		return nil, 0, fmt.Errorf("%w: %q is not a non-negative decimal number", ErrAmount, s)
	}
	frac = strings.TrimRight(frac, "0")
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", ErrAmount, s)
	}
	// A separate variable: Yaegi v0.16.1 panics on len() as a non-first result of a
	// multi-value return.
	scale := len(frac)
	return n, scale, nil
}

// CanonicalDecimal writes a decimal the way FormatUnits would ("0.50" → "0.5",
// "007" → "7"), or returns s unchanged when it is not a decimal.
func CanonicalDecimal(s string) string {
	n, scale, err := parseDecimal(s)
	if err != nil {
		return s
	}
	return FormatUnits(n, scale)
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}
