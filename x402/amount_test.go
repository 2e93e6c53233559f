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
