package cliflags

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		desc        string
		interleaved bool
		args        []string
		wantPos     []string
		wantErr     string // "" none; "help" flag.ErrHelp; else a UsageError containing it
		wantPrice   string
	}{
		{desc: "flags only", args: []string{"-price", "1"}, wantPrice: "1"},
		{desc: "flags only refuses a positional", args: []string{"-price", "1", "x"}, wantErr: `unexpected argument "x"`},
		{desc: "unknown flag is a usage error", args: []string{"-prise", "1"}, wantErr: "prise"},
		{desc: "help", args: []string{"-h"}, wantErr: "help"},
		{desc: "interleaved: flags after positionals", interleaved: true, args: []string{"http", "w", "-price", "2"}, wantPos: []string{"http", "w"}, wantPrice: "2"},
		{desc: "interleaved: -- ends flags", interleaved: true, args: []string{"a", "--", "-price"}, wantPos: []string{"a", "-price"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			fs := New("sell", "NAME", "Sells.")
			price := fs.String("price", "", "price")
			var out bytes.Buffer
			var pos []string
			var err error
			if c.interleaved {
				pos, err = ParseInterleaved(fs, c.args, &out)
			} else {
				err = Parse(fs, c.args, &out)
			}
			switch {
			case c.wantErr == "help":
				if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "usage: turnpike sell NAME") {
					t.Fatalf("err %v, stdout %q: want help on stdout", err, out.String())
				}
				return
			case c.wantErr != "":
				var uerr *UsageError
				if !errors.As(err, &uerr) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want a UsageError containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(pos, c.wantPos) || *price != c.wantPrice {
				t.Fatalf("got pos %q price %q err %v; want %q %q", pos, *price, err, c.wantPos, c.wantPrice)
			}
		})
	}
}
