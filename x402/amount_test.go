package x402

import (
	"errors"
	"math/big"
	"testing"
)

func TestParsePrice(t *testing.T) {
	tests := []struct {
		desc     string
		price    string
		decimals int
		want     string
		wantErr  bool
	}{
		{desc: "one cent USDC", price: "0.01", decimals: 6, want: "10000"},
		{desc: "dollar sign", price: "$0.001", decimals: 6, want: "1000"},
		{desc: "whole number", price: "3", decimals: 6, want: "3000000"},
		{desc: "leading dot", price: ".5", decimals: 6, want: "500000"},
		{desc: "trailing zeros beyond decimals are exact", price: "1.1000000000", decimals: 6, want: "1100000"},
		{desc: "smallest unit", price: "0.000001", decimals: 6, want: "1"},
		{desc: "zero", price: "0", decimals: 6, want: "0"},
		{desc: "18 decimals large", price: "123456789.123456789123456789", decimals: 18, want: "123456789123456789123456789"},
		{desc: "zero decimals", price: "42", decimals: 0, want: "42"},
		{desc: "too precise", price: "0.0000001", decimals: 6, wantErr: true},
		{desc: "negative", price: "-1", decimals: 6, wantErr: true},
		{desc: "exponent", price: "1e-6", decimals: 6, wantErr: true},
		{desc: "empty", price: "", decimals: 6, wantErr: true},
		{desc: "only dollar", price: "$", decimals: 6, wantErr: true},
		{desc: "trailing dot", price: "1.", decimals: 6, wantErr: true},
		{desc: "two dots", price: "1.2.3", decimals: 6, wantErr: true},
		{desc: "letters", price: "abc", decimals: 6, wantErr: true},
		{desc: "comma", price: "1,5", decimals: 6, wantErr: true},
		{desc: "bad decimals", price: "1", decimals: -1, wantErr: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			got, err := ParsePrice(tc.price, tc.decimals)
			if tc.wantErr {
				if !errors.Is(err, ErrAmount) {
					t.Fatalf("ParsePrice(%q) err = %v, want ErrAmount", tc.price, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePrice(%q): %v", tc.price, err)
			}
			if got.String() != tc.want {
				t.Fatalf("ParsePrice(%q) = %s, want %s", tc.price, got, tc.want)
			}
		})
	}
}

func TestParseAtomic(t *testing.T) {
	tests := []struct {
		desc    string
		in      string
		wantErr bool
	}{
		{desc: "plain", in: "10000"},
		{desc: "huge", in: "115792089237316195423570985008687907853269984665640564039457584007913129639935"},
		{desc: "empty", in: "", wantErr: true},
		{desc: "decimal point", in: "1.0", wantErr: true},
		{desc: "sign", in: "+1", wantErr: true},
		{desc: "hex", in: "0x10", wantErr: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			n, err := ParseAtomic(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseAtomic(%q) err = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err == nil && n.String() != tc.in {
				t.Fatalf("ParseAtomic(%q) = %s", tc.in, n)
			}
		})
	}
}

func TestFormatUnits(t *testing.T) {
	tests := []struct {
		desc     string
		atomic   int64
		decimals int
		want     string
	}{
		{desc: "cent", atomic: 10000, decimals: 6, want: "0.01"},
		{desc: "whole", atomic: 3000000, decimals: 6, want: "3"},
		{desc: "one unit", atomic: 1, decimals: 6, want: "0.000001"},
		{desc: "mixed", atomic: 1234567, decimals: 6, want: "1.234567"},
		{desc: "zero", atomic: 0, decimals: 6, want: "0"},
		{desc: "no decimals", atomic: 42, decimals: 0, want: "42"},
		{desc: "negative", atomic: -1500000, decimals: 6, want: "-1.5"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			if got := FormatUnits(big.NewInt(tc.atomic), tc.decimals); got != tc.want {
				t.Fatalf("FormatUnits(%d, %d) = %q, want %q", tc.atomic, tc.decimals, got, tc.want)
			}
			if tc.atomic >= 0 {
				back, err := ParsePrice(FormatUnits(big.NewInt(tc.atomic), tc.decimals), tc.decimals)
				if err != nil || back.Int64() != tc.atomic {
					t.Fatalf("round trip of %d = %v (%v)", tc.atomic, back, err)
				}
			}
		})
	}
}

func TestPerMTokAmount(t *testing.T) {
	tests := []struct {
		desc      string
		perMTok   string
		tokens    int64
		decimals  int
		want      string
		wantRound bool
		wantErr   bool
	}{
		{desc: "0.50 USDC per MTok, 1000 tokens: exact", perMTok: "0.50", tokens: 1000, decimals: 6, want: "500"},
		{desc: "2 USDC per MTok, 1 token: exact 2 units", perMTok: "2", tokens: 1, decimals: 6, want: "2"},
		{desc: "below one unit rounds up to one, never zero", perMTok: "0.5", tokens: 1, decimals: 6, want: "1", wantRound: true},
		{desc: "fraction of a unit rounds up", perMTok: "0.15", tokens: 1001, decimals: 6, want: "151", wantRound: true},
		{desc: "perMTok finer than the smallest unit is fine", perMTok: "0.0000005", tokens: 4000000, decimals: 6, want: "2"},
		{desc: "leading dot", perMTok: ".5", tokens: 1000, decimals: 6, want: "500"},
		{desc: "18-decimal token", perMTok: "0.003", tokens: 1500, decimals: 18, want: "4500000000000"},
		{desc: "huge values stay exact", perMTok: "123456789012345678901234567890.123456789", tokens: 100000000, decimals: 18,
			want: "12345678901234567890123456789012345678900000000000"},
		{desc: "zero is not a price", perMTok: "0", tokens: 1000, decimals: 6, wantErr: true},
		{desc: "zero with decimals is not a price", perMTok: "0.000", tokens: 1000, decimals: 6, wantErr: true},
		{desc: "trailing dot", perMTok: "1.", tokens: 1000, decimals: 6, wantErr: true},
		{desc: "negative", perMTok: "-1", tokens: 1000, decimals: 6, wantErr: true},
		{desc: "exponent", perMTok: "1e3", tokens: 1000, decimals: 6, wantErr: true},
		{desc: "tokens must be positive", perMTok: "1", tokens: 0, decimals: 6, wantErr: true},
		{desc: "decimals out of range", perMTok: "1", tokens: 1, decimals: 37, wantErr: true},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			got, rounded, err := PerMTokAmount(tc.perMTok, tc.tokens, tc.decimals)
			if tc.wantErr {
				if !errors.Is(err, ErrAmount) {
					t.Fatalf("PerMTokAmount(%q) err = %v, want ErrAmount", tc.perMTok, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("PerMTokAmount(%q): %v", tc.perMTok, err)
			}
			if got.String() != tc.want || rounded != tc.wantRound {
				t.Fatalf("PerMTokAmount(%q, %d, %d) = %s rounded=%v, want %s rounded=%v", tc.perMTok, tc.tokens, tc.decimals, got, rounded, tc.want, tc.wantRound)
			}
		})
	}
}

func TestParsePriceHuge(t *testing.T) {
	// 78 digits, the CRD's amount limit, through the 18-decimal path.
	whole := "999999999999999999999999999999999999999999999999999999999999"
	got, err := ParsePrice(whole+".123456789012345678", 18)
	if err != nil {
		t.Fatal(err)
	}
	if want := whole + "123456789012345678"; got.String() != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestCanonicalDecimal(t *testing.T) {
	for _, tc := range []struct{ desc, in, want string }{
		{desc: "trailing zero", in: "0.50", want: "0.5"},
		{desc: "whole", in: "3", want: "3"},
		{desc: "leading zeros", in: "007.10", want: "7.1"},
		{desc: "leading dot", in: ".25", want: "0.25"},
		{desc: "not a number stays", in: "abc", want: "abc"},
	} {
		if got := CanonicalDecimal(tc.in); got != tc.want {
			t.Errorf("%s: CanonicalDecimal(%q) = %q, want %q", tc.desc, tc.in, got, tc.want)
		}
	}
}
