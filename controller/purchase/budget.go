package purchase

import (
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// Window is the rolling period maxSpendPerDay applies to.
const Window = 24 * time.Hour

// Caps bound what may ever be signed for one PurchaseRequest. Every authorization is
// worth Price, so signing is spending as far as the caps are concerned: the buyer
// holding the pool could spend all of it.
type Caps struct {
	// PoolSize (spec.count) is the most unspent authorizations the pool may hold.
	PoolSize int
	// MaxTotal caps authorizations ever signed; 0 means no cap.
	MaxTotal int
	// MaxSpendPerWindow caps the value signed in any rolling Window; nil means no cap.
	MaxSpendPerWindow *big.Int
	// Price of one authorization in atomic units (> 0).
	Price *big.Int
}

// Ledger is the signing history. It is stored next to the authorizations it counts,
// in the same ConfigMap, so one optimistic-concurrency write records both or neither.
type Ledger struct {
	TotalSigned int       `json:"totalSigned"`
	Signings    []Signing `json:"signings,omitempty"` // within the last Window only
}

// Signing is one batch of signed authorizations.
type Signing struct {
	At     time.Time `json:"at"`
	Count  int       `json:"count"`
	Amount string    `json:"amount"` // Count × Price, atomic units
}

// SignedSince returns the value signed after t.
func (l Ledger) SignedSince(t time.Time) *big.Int {
	sum := new(big.Int)
	for _, s := range l.Signings {
		if s.At.After(t) {
			if a, ok := new(big.Int).SetString(s.Amount, 10); ok {
				sum.Add(sum, a)
			}
		}
	}
	return sum
}

// Allowance returns how many authorizations may be signed now, at most want, given
// remaining unspent ones in the pool: never more than the pool size, the total cap or
// the rolling spend cap allow. The reason names the cap that bound it ("" when want
// fits).
func Allowance(c Caps, l Ledger, remaining, want int, now time.Time) (int, string) {
	n, why := want, ""
	limit := func(max int, reason string) {
		if max < 0 {
			max = 0
		}
		if max < n {
			n, why = max, reason
		}
	}
	limit(c.PoolSize-remaining, "PoolFull")
	if c.MaxTotal > 0 {
		limit(c.MaxTotal-l.TotalSigned, "MaxTotalReached")
	}
	if c.MaxSpendPerWindow != nil && c.Price != nil && c.Price.Sign() > 0 {
		left := new(big.Int).Sub(c.MaxSpendPerWindow, l.SignedSince(now.Add(-Window)))
		if left.Sign() <= 0 {
			limit(0, "MaxSpendPerDayReached")
		} else {
			q := new(big.Int).Quo(left, c.Price)
			if q.IsInt64() && q.Int64() < int64(n) {
				limit(int(q.Int64()), "MaxSpendPerDayReached")
			}
		}
	}
	return n, why
}

// Record adds a signing of n authorizations at now and forgets signings older than
// the window.
func (l *Ledger) Record(now time.Time, n int, price *big.Int) {
	if n <= 0 {
		return
	}
	l.TotalSigned += n
	kept := l.Signings[:0]
	for _, s := range l.Signings {
		if s.At.After(now.Add(-Window)) {
			kept = append(kept, s)
		}
	}
	amount := new(big.Int).Mul(big.NewInt(int64(n)), price)
	l.Signings = append(kept, Signing{At: now.UTC(), Count: n, Amount: amount.String()})
}

// ParseLedger reads a stored ledger; empty input is a fresh ledger.
func ParseLedger(s string) (Ledger, error) {
	var l Ledger
	if s == "" {
		return l, nil
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return l, fmt.Errorf("signing ledger does not parse: %w", err)
	}
	return l, nil
}

// String encodes the ledger for storage.
func (l Ledger) String() string {
	raw, _ := json.Marshal(l)
	return string(raw)
}
