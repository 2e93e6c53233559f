package routes

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/x402"
)

func validDoc() Document {
	pay := Payment{
		Scheme: "exact", Network: "eip155:84532", Amount: "10000",
		Asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
		MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6,
	}
	return Document{Schema: Schema, Generation: 3, Offers: []Offer{{
		Namespace: "shop", Name: "weather", State: StateActive, PathPrefix: "/weather",
		Payments: []Payment{pay},
		Paths: []PathRule{
			{Pattern: "/weather/health", Free: true},
			{Pattern: "/weather/*", Methods: []string{"GET"}},
		},
	}}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(d *Document)
		want   []string // substrings the error must contain; none means valid
	}{
		{desc: "valid", mutate: func(d *Document) {}},
		{desc: "draining with end", mutate: func(d *Document) {
			d.Offers[0].State, d.Offers[0].DrainEndsAt = StateDraining, "2026-11-27T12:00:00Z"
		}},
		{desc: "wrong schema", mutate: func(d *Document) { d.Schema = "v0" }, want: []string{"schema is \"v0\""}},
		{desc: "draining without end", mutate: func(d *Document) { d.Offers[0].State = StateDraining }, want: []string{"drainEndsAt"}},
		{desc: "unknown state", mutate: func(d *Document) { d.Offers[0].State = "paused" }, want: []string{"state \"paused\""}},
		{desc: "duplicate offer", mutate: func(d *Document) { d.Offers = append(d.Offers, d.Offers[0]) }, want: []string{"duplicate offer"}},
		{desc: "cors with origins", mutate: func(d *Document) {
			d.Offers[0].CORS = &CORS{AllowOrigins: []string{"https://app.example.com"}, MaxAgeSeconds: 60}
		}},
		{desc: "cors origin with a path", mutate: func(d *Document) {
			d.Offers[0].CORS = &CORS{AllowOrigins: []string{"https://app.example.com/pay"}}
		}, want: []string{"offers[0]", "is not an origin"}},
		{desc: "cors max-age negative", mutate: func(d *Document) { d.Offers[0].CORS = &CORS{MaxAgeSeconds: -5} }, want: []string{"maxAgeSeconds -5"}},
		{desc: "no payments", mutate: func(d *Document) { d.Offers[0].Payments = nil }, want: []string{"at least one payment"}},
		{desc: "float amount", mutate: func(d *Document) { d.Offers[0].Payments[0].Amount = "0.01" }, want: []string{"amount"}},
		{desc: "zero amount", mutate: func(d *Document) { d.Offers[0].Payments[0].Amount = "0" }, want: []string{"amount is zero"}},
		{desc: "v1 network name", mutate: func(d *Document) { d.Offers[0].Payments[0].Network = "base" }, want: []string{"CAIP-2"}},
		{desc: "bad payTo", mutate: func(d *Document) { d.Offers[0].Payments[0].PayTo = "0x12" }, want: []string{"payTo"}},
		{desc: "no eip712 domain", mutate: func(d *Document) { d.Offers[0].Payments[0].EIP712Name = "" }, want: []string{"eip712Name"}},
		{desc: "pricing of a known model", mutate: func(d *Document) {
			d.Offers[0].Payments[0].Pricing = &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "0.5", ApproxTokensPerRequest: 1000}
		}},
		{desc: "pricing of an unknown model", mutate: func(d *Document) { d.Offers[0].Payments[0].Pricing = &x402.Pricing{Model: "perToken"} },
			want: []string{"pricing model \"perToken\""}},
		{desc: "bad scheme", mutate: func(d *Document) { d.Offers[0].Payments[0].Scheme = "upto" }, want: []string{"scheme \"upto\""}},
		{desc: "relative pattern", mutate: func(d *Document) { d.Offers[0].Paths[0].Pattern = "weather" }, want: []string{"must start with /"}},
		{desc: "free with payments", mutate: func(d *Document) {
			d.Offers[0].Paths[0].Payments = d.Offers[0].Payments
		}, want: []string{"free path cannot"}},
		{desc: "inference type", mutate: func(d *Document) { d.Offers[0].Type = TypeInference }},
		{desc: "agent type", mutate: func(d *Document) { d.Offers[0].Type = TypeAgent }},
		{desc: "unknown type", mutate: func(d *Document) { d.Offers[0].Type = "llm" }, want: []string{"type \"llm\""}},
		{desc: "bad settlement", mutate: func(d *Document) { d.Offers[0].Paths[1].Settlement = "later" }, want: []string{"settlement \"later\""}},
		{desc: "all problems at once", mutate: func(d *Document) {
			d.Offers[0].Payments[0].Amount = ""
			d.Offers[0].PathPrefix = "x"
		}, want: []string{"amount", "pathPrefix"}},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			d := validDoc()
			tc.mutate(&d)
			err := d.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	d := validDoc()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Generation != 3 || got.Offers[0].Key() != "shop/weather" || len(got.Offers[0].Paths) != 2 {
		t.Fatalf("parsed %+v", got)
	}
	for _, bad := range []string{"", "{", "[]", `{"schema":"` + Schema + `","offers":"x"}`, strings.Repeat(" ", MaxDocumentBytes+1)} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Parse(%.20q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	d := validDoc()
	raw, _ := json.Marshal(d)
	f.Add(raw)
	f.Add([]byte(`{"schema":"` + Schema + `","generation":1,"offers":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// Whatever parses must re-validate after a round trip: the gate never serves
		// a document that a reload would refuse.
		again, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("round trip of an accepted document fails: %v", err)
		}
	})
}

// A key the gate does not know is refused with a stable code and its name: serving
// the document would silently ignore whatever the key asked for.
func TestParseRefusesUnknownKeys(t *testing.T) {
	raw, err := json.Marshal(validDoc())
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	offer := func(m map[string]any) map[string]any { return m["offers"].([]any)[0].(map[string]any) }
	tests := []struct {
		desc    string
		mutate  func(m map[string]any)
		wantKey string
	}{
		{desc: "top level", mutate: func(m map[string]any) { m["generations"] = 4 }, wantKey: `"generations"`},
		{desc: "in an offer", mutate: func(m map[string]any) { offer(m)["pathPrefx"] = "/x" }, wantKey: `"pathPrefx"`},
		{desc: "in a payment", mutate: func(m map[string]any) {
			offer(m)["payments"].([]any)[0].(map[string]any)["amountUsd"] = "1"
		}, wantKey: `"amountUsd"`},
		{desc: "in a path rule", mutate: func(m map[string]any) {
			offer(m)["paths"].([]any)[0].(map[string]any)["methdos"] = []any{"GET"}
		}, wantKey: `"methdos"`},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			tc.mutate(m)
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(data)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), x402.ReasonRoutesUnknownKey) || !strings.Contains(err.Error(), "unknown key "+tc.wantKey) {
				t.Fatalf("err = %v, want ErrInvalid with %s naming %s", err, x402.ReasonRoutesUnknownKey, tc.wantKey)
			}
		})
	}
	t.Run("known keys in another case still match", func(t *testing.T) {
		generic["Generation"] = generic["generation"]
		delete(generic, "generation")
		data, err := json.Marshal(generic)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(data); err != nil {
			t.Fatalf("Parse: %v", err)
		}
	})
	t.Run("trailing data", func(t *testing.T) {
		if _, err := Parse(append(append([]byte{}, raw...), []byte(` {}`)...)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}
