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
