package plugin

import (
	"bytes"

	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/replay"
	"github.com/turnpike-x402/turnpike/x402"
)

func TestValiditySlackConfig(t *testing.T) {
	tests := []struct {
		desc    string
		slack   int
		want    int64
		wantErr string
	}{
		{desc: "unset takes the default", slack: 0, want: defaultValiditySlack},
		{desc: "positive is the slack", slack: 5, want: 5},
		{desc: "-1 disables the bound", slack: -1, want: -1},
		{desc: "other negatives are refused", slack: -2, wantErr: "maxValiditySlackSeconds"},
	}
	for _, tc := range tests {
		c := CreateConfig()
		c.Offer, c.RoutesFile, c.FacilitatorURL = "a/b", "/x", "http://f"
		c.MaxValiditySlackSeconds = tc.slack
		s, err := c.validate()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.desc, err, tc.wantErr)
			}
			continue
		}
		if err != nil || s.validitySlack != tc.want {
			t.Errorf("%s: slack %v (%v), want %d", tc.desc, s, err, tc.want)
		}
	}
	if CreateConfig().MaxValiditySlackSeconds != defaultValiditySlack {
		t.Error("CreateConfig does not carry the default slack")
	}
}

func TestReplayGuardSizeIsASetting(t *testing.T) {
	tests := []struct {
		desc    string
		entries []int // one gate instance per value, in this order
		wantMax int
	}{
		{desc: "one instance below the old floor gets exactly its size", entries: []int{2}, wantMax: 2},
		{desc: "several instances: the largest wins", entries: []int{3, 7, 5}, wantMax: 7},
		{desc: "unset takes the default", entries: []int{0}, wantMax: defaultReplayGuardEntries},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			saved := reg
			reg = newRegistry()
			defer func() { reg = saved }()
			var tg *testGate
			for _, n := range tc.entries {
				n := n
				tg = newTestGate(t, testDoc(1), func(c *Config) { c.ReplayGuardEntries = n })
			}
			if got := replay.Max(reg.replay); got != tc.wantMax {
				t.Fatalf("guard bound %d, want %d", got, tc.wantMax)
			}
			if tc.wantMax > 10 {
				return
			}
			// A full guard refuses (503), it never forgets live authorizations.
			tg.g.replay = reg.replay
			for i := 0; i <= tc.wantMax; i++ {
				rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: encode(t, paymentV2(requirementOf(basePayment())))})
				if i < tc.wantMax && rec.Code != 200 {
					t.Fatalf("payment %d: %d %s", i, rec.Code, rec.Body.String())
				}
				if i == tc.wantMax && (rec.Code != 503 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonReplayGuardFull) {
					t.Fatalf("payment beyond the bound: %d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}

func TestStripNames(t *testing.T) {
	got := stripNames("X-Turnpike-Payer")
	want := []string{"Payment-Signature", "Payment_signature", "X-Payment", "X_payment",
		"X-Turnpike-Payer", "X-Turnpike_payer", "X_turnpike-Payer", "X_turnpike_payer"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("stripNames = %v, want %v", got, want)
	}
	if n := len(stripNames("")); n != 4 {
		t.Fatalf("without a payer header: %d names, want 4", n)
	}
}

// TestUpstreamNeverSeesPaymentSpellings: keys as net/http's server stores them when a
// client spells the names with '_' (case canonicalized, '_' kept).
func TestUpstreamNeverSeesPaymentSpellings(t *testing.T) {
	forged := []string{"X_turnpike_payer", "X-Turnpike_payer", "X_turnpike-Payer", "Payment_signature", "X_payment"}
	tests := []struct {
		desc    string
		target  string
		paid    bool
		wantPay string
	}{
		{desc: "free route", target: base + "/free"},
		{desc: "paid route", target: base + "/forecast/a", paid: true, wantPay: testPayer},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			req := httptest.NewRequest("GET", tc.target, nil)
			req.RequestURI = req.URL.RequestURI()
			for _, k := range forged {
				req.Header[k] = []string{"0x000000000000000000000000000000000000dEaD"}
			}
			if tc.paid {
				req.Header.Set(x402.HeaderPaymentSignature, encode(t, paymentV2(requirementOf(basePayment()))))
			} else {
				req.Header.Set("X-Turnpike-Payer", "0x000000000000000000000000000000000000dEaD")
			}
			rec := httptest.NewRecorder()
			tg.g.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			for k, v := range tg.up.headers {
				switch strings.ReplaceAll(strings.ToLower(k), "_", "-") {
				case "x-turnpike-payer":
					if k != "X-Turnpike-Payer" || len(v) != 1 || v[0] != tc.wantPay {
						t.Errorf("upstream got %s: %q", k, v)
					}
				case "payment-signature", "x-payment":
					t.Errorf("upstream got %s: %q", k, v)
				}
			}
		})
	}
}

// validPayloadJSON is a v2 payload for basePayment as raw JSON with a fresh nonce.
func validPayloadJSON(t *testing.T) string {
	raw, err := json.Marshal(paymentV2(requirementOf(basePayment())))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestAmbiguousPayloadIsRefused(t *testing.T) {
	// Each edit turns a valid payload into another one; ok says whether the gate must
	// still accept it.
	tests := []struct {
		desc string
		edit func(p string) string
		ok   bool
	}{
		{desc: "valid payload", edit: func(p string) string { return p }, ok: true},
		{desc: "valid payload with whitespace and another key order", ok: true, edit: func(p string) string {
			var m map[string]json.RawMessage
			_ = json.Unmarshal([]byte(p), &m)
			return "{ \"payload\" : " + string(m["payload"]) + ",\n \"accepted\": " + string(m["accepted"]) + ", \"x402Version\": 2, \"resource\": " + string(m["resource"]) + " }"
		}},
		{desc: "unknown fields and extensions are fine", ok: true, edit: func(p string) string {
			return strings.Replace(p, `{"x402Version":2,`, `{"x402Version":2,"extensions":{"bazaar":{"info":{"q":"a:b"}}},"client":"x",`, 1)
		}},
		{desc: "escapes in a value (exact slow path) are fine", ok: true, edit: func(p string) string {
			return strings.Replace(p, `"url":"`, `"description":"rain \u0026 \"sun\"","url":"`, 1)
		}},
		{desc: "duplicate nonce, last wins in Go", edit: func(p string) string {
			return strings.Replace(p, `"nonce":"`, `"nonce":"0x`+strings.Repeat("0", 64)+`","nonce":"`, 1)
		}},
		{desc: "duplicate top-level key", edit: func(p string) string {
			return strings.Replace(p, `{"x402Version":2,`, `{"x402Version":2,"x402Version":2,`, 1)
		}},
		{desc: "duplicate inside extra", edit: func(p string) string {
			return strings.Replace(p, `"name":"USDC"`, `"name":"USDC","name":"USD Coin"`, 1)
		}},
		{desc: "duplicate inside an extension", edit: func(p string) string {
			return strings.Replace(p, `{"x402Version":2,`, `{"x402Version":2,"extensions":{"e":{"a":1,"a":2}},`, 1)
		}},
		{desc: "From beside from", edit: func(p string) string { return strings.Replace(p, `"from":"`, `"From":"`+testLocal+`","from":"`, 1) }},
		{desc: "NONCE alone", edit: func(p string) string { return strings.Replace(p, `"nonce":`, `"NONCE":`, 1) }},
		{desc: "validbefore in lower case", edit: func(p string) string { return strings.Replace(p, `"validBefore":`, `"validbefore":`, 1) }},
		{desc: "long s that Go folds to s", edit: func(p string) string { return strings.Replace(p, `"signature":`, "\"\u017fignature\":", 1) }},
		{desc: "escaped duplicate key", edit: func(p string) string {
			return strings.Replace(p, `"nonce":"`, `"\u006eonce":"0x`+strings.Repeat("0", 64)+`","nonce":"`, 1)
		}},
		{desc: "escaped case variant", edit: func(p string) string { return strings.Replace(p, `"nonce":`, `"\u004eONCE":`, 1) }},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			tg := newTestGate(t, testDoc(1), nil)
			raw := tc.edit(validPayloadJSON(t))
			if !json.Valid([]byte(raw)) {
				t.Fatalf("test payload is not JSON: %s", raw)
			}
			rec := tg.do("GET", base+"/forecast/a", map[string]string{x402.HeaderPaymentSignature: base64.StdEncoding.EncodeToString([]byte(raw))})
			if tc.ok {
				if rec.Code != 200 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
				return
			}
			rj := decodeRejection(t, rec.Body.Bytes())
			if rec.Code != 400 || rj.Reason != x402.ReasonInvalidHeader || !strings.Contains(rj.Message, "ambiguous") {
				t.Fatalf("status %d reason %s: %s", rec.Code, rj.Reason, rec.Body.String())
			}
			if n := tg.fac.verifyCalls.Load(); n != 0 {
				t.Fatalf("facilitator asked %d times", n)
			}
		})
	}
}

// ambiguousRef is the specification, written independently of unambiguous: a
// recursive walk that reports a duplicate key in any object, or a key that
// bytes.EqualFold (the rule encoding/json matches struct fields by) finds equal to a
// payload key without being spelled exactly.
func ambiguousRef(raw []byte) (bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func() (bool, error)
	known := strings.Split(payloadKeys, "|")
	walk = func() (bool, error) {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return false, nil
		}
		amb := false
		seen := map[string]bool{}
		for dec.More() {
			if d == '{' {
				kt, err := dec.Token()
				if err != nil {
					return false, err
				}
				k := kt.(string)
				if seen[k] {
					amb = true
				}
				seen[k] = true
				for _, name := range known {
					if k != name && bytes.EqualFold([]byte(k), []byte(name)) {
						amb = true
					}
				}
			}
			a, err := walk()
			if err != nil {
				return false, err
			}
			amb = amb || a
		}
		_, err = dec.Token()
		return amb, err
	}
	amb, err := walk()
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return false, fmt.Errorf("trailing data")
		}
	}
	return amb, err
}

// FuzzUnambiguous: nothing the specification calls ambiguous gets through, and a
// payload it accepts is not refused (for JSON whose numbers fit a float64).
func FuzzUnambiguous(f *testing.F) {
	for _, s := range []string{
		`{"x402Version":2,"payload":{"authorization":{"from":"a","nonce":"b"}}}`,
		`{"a":1,"a":2}`, `{"From":1}`, `{"from":1,"FROM":2}`, "{\"\u017fcheme\":1}", `{"\u0066rom":1,"from":2}`,
		`{"x":":","to":[":",{"to":1}]}`, `{"k":"\"to\":"}`, `[{"nonce":1},{"nonce":1}]`, `{"e":{"to":{"to":1}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		amb, err := ambiguousRef(raw)
		if err != nil {
			return
		}
		got := unambiguousGeneral(raw)
		if amb && got == nil {
			t.Fatalf("ambiguous payload accepted: %q", raw)
		}
		var probe any
		if !amb && got != nil && json.Unmarshal(raw, &probe) == nil {
			t.Fatalf("unambiguous payload refused (%v): %q", got, raw)
		}
	})
}

// unambiguousSame fails the test when unambiguous (with its canonical short cut) and
// unambiguousGeneral answer raw differently; payloads the gate cannot decode never
// reach them.
func unambiguousSame(t *testing.T, raw []byte) {
	t.Helper()
	var pl x402.PaymentPayload
	if json.Unmarshal(raw, &pl) != nil {
		return
	}
	got, want := unambiguous(raw, &pl), unambiguousGeneral(raw)
	if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
		t.Fatalf("unambiguous %v, unambiguousGeneral %v: %s", got, want, raw)
	}
}

// canonicalWithExtra is the gate's own encoding of a valid v2 payload whose extra
// is the given JSON (none when it is not JSON).
func canonicalWithExtra(extra []byte) []byte {
	pl := paymentV2(requirementOf(basePayment()))
	pl.Accepted.Extra = nil
	if json.Valid(extra) {
		pl.Accepted.Extra = extra
	}
	raw, _ := json.Marshal(pl)
	return raw
}

// tsClientOrder rewrites a payload the gate encoded into the key order the official
// x402 TypeScript client writes (@x402/core x402Client.createPaymentPayload:
// x402Version, payload, resource, accepted; @x402/evm createEIP3009Payload: payload
// {authorization, signature}; v1 x402Version, scheme, network, payload), piece by
// piece from the raw members so the values stay byte for byte as encoded.
func tsClientOrder(t testing.TB, goOrder []byte) []byte {
	var m map[string]json.RawMessage
	var p map[string]json.RawMessage
	if err := json.Unmarshal(goOrder, &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m["payload"], &p); err != nil {
		t.Fatal(err)
	}
	out := `{"x402Version":` + string(m["x402Version"])
	for _, k := range []string{"scheme", "network"} {
		if v, ok := m[k]; ok {
			out += `,"` + k + `":` + string(v)
		}
	}
	out += `,"payload":{"authorization":` + string(p["authorization"]) + `,"signature":` + string(p["signature"]) + `}`
	for _, k := range []string{"resource", "accepted"} {
		if v, ok := m[k]; ok {
			out += `,"` + k + `":` + string(v)
		}
	}
	return []byte(out + "}")
}

func TestUnambiguousMatchesGeneral(t *testing.T) {
	pricing := basePayment()
	pricing.Pricing = &x402.Pricing{Model: "perMTok", PerMTok: "1.5", ApproxTokensPerRequest: 1000, Rounding: "up"}
	v2 := validPayloadJSON
	tests := []struct {
		desc string
		raw  func(t *testing.T) string
		// canonical: the short cut must accept it on its own.
		canonical bool
	}{
		{desc: "canonical v2", raw: v2, canonical: true},
		{desc: "canonical v1", canonical: true, raw: func(t *testing.T) string {
			raw, _ := json.Marshal(paymentV1("base-sepolia", "10000"))
			return string(raw)
		}},
		{desc: "canonical with pricing in extra", canonical: true, raw: func(t *testing.T) string {
			raw, _ := json.Marshal(paymentV2(requirementOf(pricing)))
			return string(raw)
		}},
		{desc: "canonical without extra", canonical: true, raw: func(t *testing.T) string { return string(canonicalWithExtra(nil)) }},
		{desc: "official TypeScript client's order, v2", canonical: true, raw: func(t *testing.T) string { return string(tsClientOrder(t, []byte(v2(t)))) }},
		{desc: "official TypeScript client's order, v1", canonical: true, raw: func(t *testing.T) string {
			raw, _ := json.Marshal(paymentV1("base-sepolia", "10000"))
			return string(tsClientOrder(t, raw))
		}},
		{desc: "official client's order, '&' and '<' literal in the resource URL", canonical: true, raw: func(t *testing.T) string {
			return strings.Replace(string(tsClientOrder(t, []byte(v2(t)))), `/today"`, `/today?a=1&b=<2>"`, 1)
		}},
		{desc: "gate's order, '&' literal in the resource URL", canonical: true, raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `/today"`, `/today?a=1&b=2"`, 1)
		}},
		{desc: "official client's order with a duplicate authorization key", raw: func(t *testing.T) string {
			return strings.Replace(string(tsClientOrder(t, []byte(v2(t)))), `"authorization":{`, `"authorization":{"nonce":"0x00",`, 1)
		}},
		{desc: "official client's order with a case variant", raw: func(t *testing.T) string {
			return strings.Replace(string(tsClientOrder(t, []byte(v2(t)))), `"signature":`, `"Signature":`, 1)
		}},
		{desc: "official client's order with a duplicate payload", raw: func(t *testing.T) string {
			ts := string(tsClientOrder(t, []byte(v2(t))))
			var m map[string]json.RawMessage
			_ = json.Unmarshal([]byte(ts), &m)
			return strings.Replace(ts, `{"x402Version":2,`, `{"x402Version":2,"payload":`+string(m["payload"])+`,`, 1)
		}},
		{desc: "duplicate inside extra", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `"name":"USDC"`, `"name":"USDC","name":"USD Coin"`, 1)
		}},
		{desc: "payload key in extra", raw: func(t *testing.T) string { return string(canonicalWithExtra([]byte(`{"amount":"1"}`))) }},
		{desc: "payload key variant in extra", raw: func(t *testing.T) string { return string(canonicalWithExtra([]byte(`{"AMOUNT":"1"}`))) }},
		{desc: "duplicate in pricing", raw: func(t *testing.T) string {
			return string(canonicalWithExtra([]byte(`{"name":"a","version":"1","pricing":{"model":"m","model":"n"}}`)))
		}},
		{desc: "extra with a nested duplicate in another key", raw: func(t *testing.T) string {
			return string(canonicalWithExtra([]byte(`{"name":"a","version":"1","x":{"to":1,"to":2}}`)))
		}},
		{desc: "extra null", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `"extra":{"name":"USDC","version":"2"}`, `"extra":null`, 1)
		}},
		{desc: "empty extensions", raw: func(t *testing.T) string { return strings.Replace(v2(t), `}}}`, `}},"extensions":{}}`, 1) }},
		{desc: "extensions with a duplicate", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `}}}`, `}},"extensions":{"e":{"a":1,"a":2}}}`, 1)
		}},
		{desc: "extensions with a key variant", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `}}}`, `}},"extensions":{"Nonce":{}}}`, 1)
		}},
		{desc: "duplicate top-level key", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `{"x402Version":2,`, `{"x402Version":2,"x402Version":2,`, 1)
		}},
		{desc: "zero omitempty field written out", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `{"x402Version":2,`, `{"x402Version":2,"scheme":"",`, 1)
		}},
		{desc: "unknown key", raw: func(t *testing.T) string {
			return strings.Replace(v2(t), `{"x402Version":2,`, `{"x402Version":2,"client":"x",`, 1)
		}},
		{desc: "whitespace", raw: func(t *testing.T) string { return " " + v2(t) }},
		{desc: "key order", raw: func(t *testing.T) string {
			var m map[string]json.RawMessage
			_ = json.Unmarshal([]byte(v2(t)), &m)
			return `{"payload":` + string(m["payload"]) + `,"x402Version":2,"resource":` + string(m["resource"]) + `,"accepted":` + string(m["accepted"]) + `}`
		}},
		{desc: "case variant", raw: func(t *testing.T) string { return strings.Replace(v2(t), `"nonce":`, `"NONCE":`, 1) }},
		{desc: "escape in a value", raw: func(t *testing.T) string { return strings.Replace(v2(t), `"url":"`, `"url":"\u0068`, 1) }},
		{desc: "HTML character literal in a value", canonical: true, raw: func(t *testing.T) string { return strings.Replace(v2(t), `"url":"`, `"url":"<`, 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			raw := []byte(tc.raw(t))
			if !json.Valid(raw) {
				t.Fatalf("test payload is not JSON: %s", raw)
			}
			var pl x402.PaymentPayload
			if err := json.Unmarshal(raw, &pl); err != nil {
				t.Fatal(err)
			}
			if got := canonicalPayload(raw, &pl); got != tc.canonical {
				t.Errorf("canonicalPayload = %v, want %v", got, tc.canonical)
			}
			unambiguousSame(t, raw)
		})
	}
}

// FuzzUnambiguousCanonical holds unambiguous to unambiguousGeneral's answers: on
// any payload, and on the gate's own encoding of a valid payload with any extra (the
// one part the canonical short cut copies as it came).
func FuzzUnambiguousCanonical(f *testing.F) {
	f.Add([]byte(`{"x402Version":1,"scheme":"exact","network":"n","payload":{"signature":"s","authorization":{"from":"a","to":"b","value":"1","validAfter":"1","validBefore":"2","nonce":"n"}}}`),
		[]byte(`{"name":"USDC","version":"2"}`))
	f.Add([]byte(`{"x402Version":2,"accepted":{"scheme":"exact","network":"n","amount":"1","asset":"a","payTo":"p","maxTimeoutSeconds":60,"extra":{"name":"USDC","version":"2","name":"x"}},"payload":{"signature":"s","authorization":{"from":"a","to":"b","value":"1","validAfter":"1","validBefore":"2","nonce":"n"}}}`),
		[]byte(`{"name":"a","version":"1","pricing":{"model":"perMTok","perMTok":"1","approxTokensPerRequest":5,"rounding":"up"}}`))
	f.Add([]byte(`{"x402Version":2,"extensions":{"a":{"b":1}}}`), []byte(`{"name":"a","version":"1","pricing":{"model":"m","Price":"1"}}`))
	f.Add([]byte(`{"x402Version":2,"payload":{"signature":"s","Signature":"t"}}`), []byte(`{"name":"a","version":"1","name":"b"}`))
	f.Fuzz(func(t *testing.T, raw, extra []byte) {
		unambiguousSame(t, raw)
		goOrder := canonicalWithExtra(extra)
		unambiguousSame(t, goOrder)
		unambiguousSame(t, tsClientOrder(t, goOrder))
	})
}
