package challenge

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

func testOffer() *routes.Offer {
	return &routes.Offer{Namespace: "shop", Name: "weather", State: routes.StateActive, PathPrefix: "/w",
		Payments: []routes.Payment{
			{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
				PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", MaxTimeoutSeconds: 60, EIP712Name: "USDC", EIP712Version: "2",
				AssetSymbol: "USDC", AssetDecimals: 6},
			{Scheme: "exact", Network: "eip155:31337", Amount: "2500", Asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
				PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C", MaxTimeoutSeconds: 60, EIP712Name: "Turnpike USD", EIP712Version: "1",
				AssetDecimals: 6},
		}}
}

func compileTest(t *testing.T) *Set {
	t.Helper()
	src := testOffer()
	s, err := Compile(src, src.Payments, "Weather <now>", "", metrics.NewRegistry())
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

func decodeHeader(t *testing.T, v string) x402.PaymentRequired {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("header is not base64: %v", err)
	}
	var pr x402.PaymentRequired
	if err := json.Unmarshal(raw, &pr); err != nil {
		t.Fatalf("header JSON: %v: %s", err, raw)
	}
	return pr
}

func TestCompile(t *testing.T) {
	s := compileTest(t)
	if len(s.Options) != 2 || len(s.ByJSON) != 2 || s.Summary != "0.01 USDC on eip155:84532 or 0.0025 0x5FbDB2315678afecb367f032d93F642f64180aa3 on eip155:31337" {
		t.Fatalf("options %d byJSON %d summary %q", len(s.Options), len(s.ByJSON), s.Summary)
	}
	if s.Options[0].V1Name != "base-sepolia" || s.Options[0].Series == nil || s.Options[0].Amount.Int64() != 10000 {
		t.Fatalf("first option %+v", s.Options[0])
	}
	src := testOffer()
	if _, err := Compile(src, nil, "", "", metrics.NewRegistry()); err == nil {
		t.Fatal("a set without options compiled")
	}
}

func TestRender(t *testing.T) {
	s := compileTest(t)
	tests := []struct {
		desc string
		url  string
	}{
		{desc: "plain URL", url: "https://api.example/w/today"},
		{desc: "URL with characters JSON escapes", url: "https://api.example/w/q?x=\"<&>\"\u2028"},
		{desc: "long URL", url: "https://api.example/w/" + strings.Repeat("z", 300)},
		// The quoted URL is padded to a multiple of 3 bytes before the tail's own
		// base64: every remainder must still give one valid base64 value.
		{desc: "quoted URL length 0 mod 3", url: "https://a.example/x"},
		{desc: "quoted URL length 1 mod 3", url: "https://a.example/xy"},
		{desc: "quoted URL length 2 mod 3", url: "https://a.example/xyz"},
		{desc: "escaped URL length changes the remainder", url: "https://a.example/\u003c<"},
		{desc: "2,000-character URL", url: "https://api.example/w/" + strings.Repeat("q", 1978)},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			a := Render(s, tc.url)
			pr := decodeHeader(t, a.Header[0])
			if pr.X402Version != 2 || pr.Resource.URL != tc.url || pr.Error != ErrorNoPaymentV2 || len(pr.Accepts) != 2 ||
				pr.Resource.MimeType != "application/json" || pr.Resource.Description != "Weather <now>" {
				t.Fatalf("v2 challenge %+v", pr)
			}
			// v1 lists only the options whose network has a v1 name (not eip155:31337).
			var v1 struct {
				X402Version int                   `json:"x402Version"`
				Reason      string                `json:"reason"`
				Accepts     []x402.RequirementsV1 `json:"accepts"`
			}
			if err := json.Unmarshal(a.Body, &v1); err != nil {
				t.Fatalf("v1 body: %v: %s", err, a.Body)
			}
			if v1.X402Version != 1 || v1.Reason != x402.ReasonPaymentRequired || len(v1.Accepts) != 1 || v1.Accepts[0].Resource != tc.url {
				t.Fatalf("v1 body %+v", v1)
			}
		})
	}
}

func TestWriteRefusal(t *testing.T) {
	s := compileTest(t)
	rec := httptest.NewRecorder()
	WriteRefusal(rec, s, "https://api.example/w/x", 402, Refusal{Error: "amount_mismatch", Reason: "amount_mismatch", Message: "pay exactly"})
	if rec.Code != 402 || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d headers %v", rec.Code, rec.Header())
	}
	pr := decodeHeader(t, rec.Header().Get("Payment-Required"))
	if pr.Error != "amount_mismatch" || pr.Resource.URL != "https://api.example/w/x" {
		t.Fatalf("challenge %+v", pr)
	}
	var eb Refusal
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Reason != "amount_mismatch" || eb.Message != "pay exactly" {
		t.Fatalf("body %v %s", err, rec.Body.String())
	}
}

func TestWritePaywall(t *testing.T) {
	s := compileTest(t)
	rec := httptest.NewRecorder()
	u := "https://api.example/w/<script>"
	WritePaywall(rec, s, u)
	page := rec.Body.String()
	if rec.Code != 402 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if strings.Contains(page, "w/<script>") || !strings.Contains(page, "w/&lt;script&gt;") || !strings.Contains(page, "Weather &lt;now&gt;") {
		t.Fatalf("page does not escape: %s", page)
	}
	hdr := rec.Header().Get("Payment-Required")
	if !strings.Contains(page, hdr) || decodeHeader(t, hdr).Resource.URL != u {
		t.Fatal("page lacks the PAYMENT-REQUIRED value or it names another URL")
	}
}
