package challenge

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

func paywallPage(t *testing.T, s *Set, u string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	WritePaywall(rec, s, u)
	return rec.Body.String()
}

// The page goes out on every unpaid browser request, so its size is watched.
func TestPaywallBudget(t *testing.T) {
	src := testOffer()
	one, err := Compile(src, src.Payments[:1], "Weather", "", metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc   string
		set    *Set
		budget int
	}{
		{desc: "one payment option", set: one, budget: PaywallBudget},
		{desc: "two payment options", set: compileTest(t), budget: PaywallBudget + 1024},
	} {
		tc := tc // Yaegi keeps one loop variable for all iterations
		t.Run(tc.desc, func(t *testing.T) {
			parts := htmlParts(tc.set)
			fixed := len(parts[0]) + len(parts[1]) + len(parts[2])
			t.Logf("paywall: %d bytes around the URL and header", fixed)
			if fixed > tc.budget {
				t.Fatalf("paywall is %d bytes, budget %d", fixed, tc.budget)
			}
		})
	}
}

func TestPaywallContent(t *testing.T) {
	page := paywallPage(t, compileTest(t), "https://api.example/w/today")
	for _, tc := range []struct {
		desc, want string
	}{
		{desc: "network name from the table", want: "Base Sepolia <small><code>eip155:84532</code>"},
		{desc: "unknown-to-people dev chain named", want: "Local dev chain"},
		{desc: "price per request", want: "<strong>0.01 USDC</strong> per request"},
		{desc: "pay panel hidden until the script runs", want: "<section id=\"pay\" hidden>"},
		{desc: "a chooser when there are two options", want: "<select id=\"opt\">"},
		{desc: "static state without script", want: "data-state=\"static\""},
		{desc: "advice without script", want: "<noscript>"},
		{desc: "every state the script can show", want: "\"insufficient\""},
		{desc: "the v2 header name the gate reads", want: "\"PAYMENT-SIGNATURE\""},
		{desc: "the typed data primary type", want: "primaryType:\"TransferWithAuthorization\""},
		{desc: "random nonce from the browser", want: "crypto.getRandomValues"},
	} {
		tc := tc // Yaegi keeps one loop variable for all iterations
		t.Run(tc.desc, func(t *testing.T) {
			if !strings.Contains(page, tc.want) {
				t.Fatalf("page lacks %q", tc.want)
			}
		})
	}
	for _, st := range []string{"no-wallet", "wrong-chain", "rejected", "insufficient", "refused", "paid"} {
		if !strings.Contains(paywallJS, "\""+st+"\"") {
			t.Errorf("script never enters state %q", st)
		}
	}
}

// Nothing on the page may load from elsewhere: the payment flow stays in the gate's
// own answer.
func TestPaywallSelfContained(t *testing.T) {
	page := paywallPage(t, compileTest(t), "https://api.example/w/today")
	for _, tc := range []struct {
		desc string
		re   string
	}{
		{desc: "no external script", re: `<script[^>]*\ssrc=`},
		{desc: "no stylesheet link", re: `<link\b`},
		{desc: "no CSS import or url()", re: `@import|url\(`},
		{desc: "no image or frame from elsewhere", re: `<(img|iframe)[^>]*\ssrc="?https?:`},
	} {
		tc := tc // Yaegi keeps one loop variable for all iterations
		t.Run(tc.desc, func(t *testing.T) {
			if m := regexp.MustCompile(tc.re).FindString(page); m != "" {
				t.Fatalf("page has %q", m)
			}
		})
	}
}

func TestPaywallConfig(t *testing.T) {
	src := testOffer()
	// A scheme the browser cannot pay with stays in the table but not in the script.
	src.Payments = append(src.Payments, routes.Payment{Scheme: "upto", Network: "eip155:8453", Amount: "5",
		Asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", PayTo: "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
		MaxTimeoutSeconds: 60, EIP712Name: "USD Coin", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6})
	s, err := Compile(src, src.Payments, "</script><b>", "", metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	page := paywallPage(t, s, "https://api.example/w/today")
	m := regexp.MustCompile(`<script type="application/json" id="x402-cfg">([^<]*)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page has no payment config")
	}
	var cfg []struct {
		I        int    `json:"i"`
		ChainID  int64  `json:"chainId"`
		Name     string `json:"name"`
		RPC      string `json:"rpc"`
		Explorer string `json:"explorer"`
		Price    string `json:"price"`
		Dec      int    `json:"dec"`
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config: %v: %s", err, m[1])
	}
	want := []struct {
		i       int
		chainID int64
		name    string
		price   string
	}{{0, 84532, "Base Sepolia", "0.01 USDC"}, {1, 31337, "Local dev chain", "0.0025 token"}}
	if len(cfg) != len(want) {
		t.Fatalf("config has %d options, want %d: %s", len(cfg), len(want), m[1])
	}
	for k, w := range want {
		c := cfg[k]
		if c.I != w.i || c.ChainID != w.chainID || c.Name != w.name || c.Price != w.price || c.Dec != 6 {
			t.Errorf("option %d: %+v, want %+v", k, c, w)
		}
	}
	if cfg[0].RPC == "" || cfg[0].Explorer == "" {
		t.Errorf("Base Sepolia lacks the RPC or explorer a wallet needs to add it: %+v", cfg[0])
	}
	// Two script elements (config and code): the description must not add a third end.
	if n := strings.Count(page, "</script"); n != 2 {
		t.Errorf("page has %d script ends, want 2", n)
	}
}

func TestLookupNetwork(t *testing.T) {
	for _, tc := range []struct {
		desc, network, name string
		id                  int64
		ok                  bool
	}{
		{desc: "known testnet", network: "eip155:84532", name: "Base Sepolia", id: 84532, ok: true},
		{desc: "known mainnet", network: "eip155:8453", name: "Base", id: 8453, ok: true},
		{desc: "v1 name", network: "base-sepolia", name: "Base Sepolia", id: 84532, ok: true},
		{desc: "unknown chain keeps its id", network: "eip155:999999", name: "chain 999999", id: 999999},
		{desc: "not EVM", network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", name: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"},
		{desc: "bad chain id", network: "eip155:x", name: "eip155:x"},
	} {
		tc := tc // Yaegi keeps one loop variable for all iterations
		t.Run(tc.desc, func(t *testing.T) {
			n, id, ok := LookupNetwork(tc.network)
			if n.Name != tc.name || id != tc.id || ok != tc.ok {
				t.Fatalf("LookupNetwork(%q) = %q %d %v, want %q %d %v", tc.network, n.Name, id, ok, tc.name, tc.id, tc.ok)
			}
		})
	}
}
