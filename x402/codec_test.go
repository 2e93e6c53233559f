package x402

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeHeader(t *testing.T) {
	payload := `{"x402Version":2,"payload":{"signature":"0xab","authorization":{"from":"0x1","to":"0x2","value":"10","validAfter":"1","validBefore":"2","nonce":"0x3"}}}`
	// "??>" in the JSON forces '+' and '/' (std) or '-' and '_' (URL) into the encoding.
	tricky := `{"x402Version":1,"scheme":"exact","network":"n??>??>"}`
	tests := []struct {
		desc    string
		value   string
		maxLen  int
		wantErr error
		wantVer int
	}{
		{desc: "standard padded", value: base64.StdEncoding.EncodeToString([]byte(payload)), wantVer: 2},
		{desc: "standard unpadded", value: base64.RawStdEncoding.EncodeToString([]byte(payload)), wantVer: 2},
		{desc: "url-safe padded", value: base64.URLEncoding.EncodeToString([]byte(tricky)), wantVer: 1},
		{desc: "url-safe unpadded", value: base64.RawURLEncoding.EncodeToString([]byte(tricky)), wantVer: 1},
		{desc: "standard with + and /", value: base64.StdEncoding.EncodeToString([]byte(tricky)), wantVer: 1},
		{desc: "surrounding spaces", value: "  " + base64.StdEncoding.EncodeToString([]byte(payload)) + " ", wantVer: 2},
		{desc: "empty", value: "", wantErr: ErrHeaderEmpty},
		{desc: "blank", value: "   ", wantErr: ErrHeaderEmpty},
		{desc: "too large", value: strings.Repeat("A", 65), maxLen: 64, wantErr: ErrHeaderTooLarge},
		{desc: "default cap", value: strings.Repeat("A", MaxHeaderBytes+1), wantErr: ErrHeaderTooLarge},
		{desc: "not base64", value: "!!!not-base64***", wantErr: ErrHeaderBase64},
		{desc: "mixed alphabets", value: "ab+c-d", wantErr: ErrHeaderBase64},
		{desc: "base64 of non-JSON", value: base64.StdEncoding.EncodeToString([]byte("hello")), wantErr: ErrHeaderJSON},
		{desc: "base64 of JSON array", value: base64.StdEncoding.EncodeToString([]byte("[1]")), wantErr: ErrHeaderJSON},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			var p PaymentPayload
			err := DecodeHeader(tc.value, tc.maxLen, &p)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if p.X402Version != tc.wantVer {
				t.Fatalf("x402Version = %d, want %d", p.X402Version, tc.wantVer)
			}
		})
	}
}

func TestEncodeHeaderRoundTrip(t *testing.T) {
	in := SettleResponse{Success: true, Transaction: "0xabc", Network: "eip155:8453", Payer: "0x1"}
	s, err := EncodeHeader(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		t.Fatalf("encoded header is not standard padded base64: %v", err)
	}
	var out SettleResponse
	if err := DecodeHeader(s, 0, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

// A v2 PAYMENT-SIGNATURE generated outside this code must decode to its inputs.
func TestDecodeHeaderSpecVector(t *testing.T) {
	const vector = "eyJ4NDAyVmVyc2lvbiI6MiwicmVzb3VyY2UiOnsidXJsIjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vcHJlbWl1bS1kYXRhIiwiZGVzY3JpcHRpb24iOiJBY2Nlc3MgdG8gcHJlbWl1bSBtYXJrZXQgZGF0YSIsIm1pbWVUeXBlIjoiYXBwbGljYXRpb24vanNvbiJ9LCJhY2NlcHRlZCI6eyJzY2hlbWUiOiJleGFjdCIsIm5ldHdvcmsiOiJlaXAxNTU6ODQ1MzIiLCJhbW91bnQiOiIxMDAwMCIsImFzc2V0IjoiMHgwMzZDYkQ1Mzg0MmM1NDI2NjM0ZTc5Mjk1NDFlQzIzMThmM2RDRjdlIiwicGF5VG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJtYXhUaW1lb3V0U2Vjb25kcyI6NjAsImV4dHJhIjp7Im5hbWUiOiJVU0RDIiwidmVyc2lvbiI6IjIifX0sInBheWxvYWQiOnsic2lnbmF0dXJlIjoiMHhkYzUzYTRhNTc5ZGU5ODkzNjhhMGZhZTJlZjIxNzJmZjJmNDc0YjQyOTcwMTNmODY1ZDE3MTIzOWYxN2VmNGMzMTU3YjRiNDAzMGYxYmViYzUzZDU1YWNlMTVjMjM3N2RmZjUwMWE2MGUxZTU2YzI5MWYxMDAwZDZlNzhmMDgyZjFiIiwiYXV0aG9yaXphdGlvbiI6eyJmcm9tIjoiMHhmMzlGZDZlNTFhYWQ4OEY2RjRjZTZhQjg4MjcyNzljZmZGYjkyMjY2IiwidG8iOiIweDIwOTY5M0JjNmFmYzBDNTMyOGJBMzZGYUYwM0M1MTRFRjMxMjI4N0MiLCJ2YWx1ZSI6IjEwMDAwIiwidmFsaWRBZnRlciI6IjE3NDA2NzIwODkiLCJ2YWxpZEJlZm9yZSI6IjE3NDA2NzIxNTQiLCJub25jZSI6IjB4ZjM3NDY2MTNjMmQ5MjBiNWZkYWJjMDg1NmYyYWViMmQ0Zjg4ZWU2MDM3YjhjYzVkMDRhNzFhNDQ2MmYxMzQ4MCJ9fX0="
	var p PaymentPayload
	if err := DecodeHeader(vector, 0, &p); err != nil {
		t.Fatal(err)
	}
	if p.X402Version != 2 || p.Accepted == nil || p.Resource == nil {
		t.Fatalf("decoded %+v: want a v2 payload with accepted and resource", p)
	}
	if p.Accepted.Amount != "10000" || p.Accepted.Network != "eip155:84532" || p.Accepted.MaxTimeoutSeconds != 60 {
		t.Fatalf("accepted = %+v", *p.Accepted)
	}
	var extra EIP712Extra
	if err := json.Unmarshal(p.Accepted.Extra, &extra); err != nil || extra.Name != "USDC" || extra.Version != "2" {
		t.Fatalf("extra = %s (%v)", p.Accepted.Extra, err)
	}
	a := p.Payload.Authorization
	if a.From != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" || a.Value != "10000" || a.ValidBefore != "1740672154" {
		t.Fatalf("authorization = %+v", a)
	}
	if !strings.HasPrefix(p.Payload.Signature, "0xdc53a4a5") {
		t.Fatalf("signature = %s", p.Payload.Signature)
	}
}

// decodeHeaderReference is DecodeHeaderBytes before its short cut for padded standard
// base64, kept to hold the short cut to the same answers.
func decodeHeaderReference(value string, maxLen int) ([]byte, error) {
	if maxLen <= 0 {
		maxLen = MaxHeaderBytes
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, ErrHeaderEmpty
	}
	if len(value) > maxLen {
		return nil, tooLarge(len(value), maxLen)
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(value, "-_") {
		enc = base64.RawURLEncoding
	}
	raw, err := enc.DecodeString(strings.TrimRight(value, "="))
	if err != nil {
		return nil, notBase64(err)
	}
	return raw, nil
}

// sameDecode fails t when DecodeHeaderBytes and the reference differ on value: the
// bytes, or the error's text.
func sameDecode(t *testing.T, value string, maxLen int) {
	t.Helper()
	got, gotErr := DecodeHeaderBytes(value, maxLen)
	want, wantErr := decodeHeaderReference(value, maxLen)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) || string(got) != string(want) {
		t.Fatalf("DecodeHeaderBytes(%q, %d) = %q, %v; reference %q, %v", value, maxLen, got, gotErr, want, wantErr)
	}
}

func TestDecodeHeaderBytesMatchesReference(t *testing.T) {
	std := base64.StdEncoding.EncodeToString([]byte(`{"x402Version":2,"accepted":{"scheme":"exact"}}`))
	tests := []struct {
		desc   string
		value  string
		maxLen int
	}{
		{desc: "padded standard", value: std},
		{desc: "padded standard, one pad", value: base64.StdEncoding.EncodeToString([]byte("ab"))},
		{desc: "padded standard, two pads", value: base64.StdEncoding.EncodeToString([]byte("a"))},
		{desc: "empty", value: ""},
		{desc: "four newlines", value: "\n\n\n\n"},
		{desc: "eight CRs", value: "\r\r\r\r\r\r\r\r"},
		{desc: "newline inside the padding", value: "YWI=\n=AA"},
		{desc: "newline before the padding", value: "YW\n="},
		{desc: "newlines inside, length a multiple of four", value: "YW\nJj\nZGVm\n\n"},
		{desc: "newline at the end", value: std[:len(std)-3] + "\n"},
		{desc: "leading space", value: " " + std[:len(std)-1]},
		{desc: "padding only", value: "===="},
		{desc: "padding first", value: "=YWJj"[:4]},
		{desc: "url-safe characters", value: "-_-_"},
		{desc: "over maxLen", value: std, maxLen: 8},
		{desc: "at maxLen", value: std, maxLen: len(std)},
		{desc: "over the default cap", value: strings.Repeat("QUFB", MaxHeaderBytes/4+1)},
		{desc: "over the default cap, higher maxLen", value: strings.Repeat("QUFB", MaxHeaderBytes/4+1), maxLen: MaxHeaderBytes * 2},
		{desc: "unicode space around", value: "\u00a0" + std + "\u3000"},
		{desc: "non-zero trailing bits", value: "YR=="},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) { sameDecode(t, tc.value, tc.maxLen) })
	}
}

func FuzzDecodeHeader(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"x402Version":2,"accepted":{"scheme":"exact"}}`)))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"x402Version":1,"scheme":"exact","network":"base"}`)))
	f.Add("")
	f.Add("====")
	f.Add("eyJ4")
	f.Add("YWI=\n=AA")
	f.Add("\n\n\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		sameDecode(t, s, 0)
		sameDecode(t, s, 8)
		var p PaymentPayload
		err := DecodeHeader(s, 0, &p)
		if err == nil && len(s) > MaxHeaderBytes+64 {
			t.Fatalf("accepted a %d-byte header over the cap", len(s))
		}
		if err != nil && !errors.Is(err, ErrHeaderEmpty) && !errors.Is(err, ErrHeaderTooLarge) &&
			!errors.Is(err, ErrHeaderBase64) && !errors.Is(err, ErrHeaderJSON) {
			t.Fatalf("error %v is not one of the codec's sentinels", err)
		}
	})
}
