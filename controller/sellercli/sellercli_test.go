package sellercli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/turnpike-x402/turnpike/plugin/metrics"
	"github.com/turnpike-x402/turnpike/x402"
)

const payTo = "0x1111111111111111111111111111111111111111"

// Every mistake on the command line is a UsageError naming what to fix, found before
// anything connects to a cluster.
func TestSellUsageErrors(t *testing.T) {
	base := []string{"--upstream", "weather:8080", "--price", "0.01", "--network", "base-sepolia", "--pay-to", payTo, "-n", "shop"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	cases := []struct {
		desc string
		args []string
		want string
	}{
		{"no type or name", base, "want TYPE and NAME"},
		{"unknown type", with("api", "x"), `type "api"`},
		{"bad name", with("http", "Weather_1"), `name "Weather_1"`},
		{"missing upstream", []string{"http", "x", "--price", "0.01", "--network", "base", "--pay-to", payTo}, "--upstream is required"},
		{"upstream without port", []string{"http", "x", "--upstream", "weather", "--price", "0.01", "--network", "base", "--pay-to", payTo}, "want SERVICE:PORT"},
		{"upstream port out of range", []string{"http", "x", "--upstream", "weather:70000", "--price", "0.01", "--network", "base", "--pay-to", payTo}, "1 to 65535"},
		{"https upstream", []string{"http", "x", "--upstream", "https://weather:443", "--price", "0.01", "--network", "base", "--pay-to", payTo}, "plain HTTP"},
		{"upstream in another namespace", []string{"http", "x", "--upstream", "http://weather.other.svc:80", "--price", "0.01", "--network", "base", "--pay-to", payTo, "-n", "shop"}, `offer's namespace "shop"`},
		{"upstream base path twice", []string{"http", "x", "--upstream", "http://weather:80/v1", "--base-path", "/v2", "--price", "0.01", "--network", "base", "--pay-to", payTo}, "give it once"},
		{"two prices", with("http", "x", "--amount", "10000"), "exactly one of --price, --per-mtok and --amount"},
		{"no price", []string{"http", "x", "--upstream", "w:1", "--network", "base", "--pay-to", payTo}, "exactly one of"},
		{"negative price", []string{"http", "x", "--upstream", "w:1", "--price", "-1", "--network", "base", "--pay-to", payTo}, `--price "-1"`},
		{"zero price", []string{"http", "x", "--upstream", "w:1", "--price", "0.000", "--network", "base", "--pay-to", payTo}, "zero is not a price"},
		{"amount with decimals", []string{"http", "x", "--upstream", "w:1", "--amount", "1.5", "--network", "base", "--pay-to", payTo}, `--amount "1.5"`},
		{"tokens per request without per-mtok", with("http", "x", "--tokens-per-request", "10"), "--tokens-per-request applies"},
		{"unknown network", []string{"http", "x", "--upstream", "w:1", "--price", "1", "--network", "basee", "--pay-to", payTo}, `--network "basee"`},
		{"missing network", []string{"http", "x", "--upstream", "w:1", "--price", "1", "--pay-to", payTo}, "--network is required"},
		{"short pay-to", []string{"http", "x", "--upstream", "w:1", "--price", "1", "--network", "base", "--pay-to", "0x12"}, `--pay-to "0x12"`},
		{"inference without model", with("inference", "llm"), "needs --model"},
		{"model on an http offer", with("http", "x", "--model", "m"), "--model applies to inference"},
		{"unknown runtime", with("inference", "llm", "--model", "m", "--runtime", "llama.cpp"), `--runtime "llama.cpp"`},
		{"secret without key", with("http", "x", "--upstream-secret", "api-key"), "want SECRET:KEY"},
		{"prefix without secret", with("http", "x", "--upstream-secret-prefix", "Bearer "), "need --upstream-secret"},
		{"unknown facilitator", with("http", "x", "--facilitator", "coinbase"), `--facilitator "coinbase"`},
		{"cdp secret without cdp", with("http", "x", "--cdp-secret", "k"), "--cdp-secret goes with --facilitator cdp"},
		{"bad path", with("http", "x", "--path", "services/x"), `--path "services/x"`},
		{"bad output", with("http", "x", "-o", "table"), "yaml or json"},
		{"unknown flag", with("http", "x", "--prise", "1"), "prise"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			_, err := parseSell(c.args, io.Discard)
			var uerr *UsageError
			if !errors.As(err, &uerr) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a usage error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestSellParsesUpstreamForms(t *testing.T) {
	cases := []struct {
		desc, upstream, basePath string
		wantSvc                  string
		wantPort                 int32
		wantBase                 string
	}{
		{desc: "service:port", upstream: "weather:8080", wantSvc: "weather", wantPort: 8080},
		{desc: "URL with default port", upstream: "http://weather", wantSvc: "weather", wantPort: 80},
		{desc: "URL with namespace and base path", upstream: "http://ollama.shop.svc.cluster.local:11434/", wantSvc: "ollama", wantPort: 11434, wantBase: "/"},
		{desc: "URL and the same --base-path", upstream: "http://llm:8000/v1", basePath: "/v1", wantSvc: "llm", wantPort: 8000, wantBase: "/v1"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			args := []string{"http", "x", "--upstream", c.upstream, "--price", "0.01", "--network", "base", "--pay-to", payTo, "-n", "shop"}
			if c.basePath != "" {
				args = append(args, "--base-path", c.basePath)
			}
			cmd, err := parseSell(args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o := cmd.opts; o.Service != c.wantSvc || o.Port != c.wantPort || o.BasePath != c.wantBase {
				t.Fatalf("got %s:%d base %q", o.Service, o.Port, o.BasePath)
			}
		})
	}
}

func TestOtherUsageErrors(t *testing.T) {
	cases := []struct {
		desc  string
		parse func([]string, io.Writer) error
		args  []string
		want  string
	}{
		{"offers -A with -n", func(a []string, w io.Writer) error { _, err := parseOffers(a, w); return err }, []string{"-A", "-n", "x"}, "-A and -n"},
		{"offers stray argument", func(a []string, w io.Writer) error { _, err := parseOffers(a, w); return err }, []string{"weather"}, `unexpected argument "weather"`},
		{"offers metrics URL without scheme", func(a []string, w io.Writer) error { _, err := parseOffers(a, w); return err }, []string{"--metrics-url", "127.0.0.1:9402"}, "--metrics-url"},
		{"offers -o yaml", func(a []string, w io.Writer) error { _, err := parseOffers(a, w); return err }, []string{"-o", "yaml"}, "must be json"},
		{"drain without name", func(a []string, w io.Writer) error { _, err := parseDrain(a, w); return err }, []string{"--now"}, "want the offer's NAME"},
		{"drain --now and --grace", func(a []string, w io.Writer) error { _, err := parseDrain(a, w); return err }, []string{"x", "--now", "--grace", "1h"}, "exclude each other"},
		{"drain --cancel and --now", func(a []string, w io.Writer) error { _, err := parseDrain(a, w); return err }, []string{"x", "--cancel", "--now"}, "exclude each other"},
		{"drain bad grace", func(a []string, w io.Writer) error { _, err := parseDrain(a, w); return err }, []string{"x", "--grace", "an hour"}, `--grace "an hour"`},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			err := c.parse(c.args, io.Discard)
			var uerr *UsageError
			if !errors.As(err, &uerr) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a usage error containing %q, got %v", c.want, err)
			}
		})
	}
}

// -h prints the description and flags on stdout and returns flag.ErrHelp (exit 0).
func TestHelp(t *testing.T) {
	cases := []struct {
		desc  string
		parse func([]string, io.Writer) error
		want  []string
	}{
		{"sell", func(a []string, w io.Writer) error { _, err := parseSell(a, w); return err }, []string{"usage: turnpike sell", "server-side apply", "-per-mtok", "-upstream-secret"}},
		{"offers", func(a []string, w io.Writer) error { _, err := parseOffers(a, w); return err }, []string{"usage: turnpike offers", "turnpike_charged_amount_total", "-metrics-url"}},
		{"drain", func(a []string, w io.Writer) error { _, err := parseDrain(a, w); return err }, []string{"usage: turnpike drain", "pre-signed", "-cancel"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			var out bytes.Buffer
			if err := c.parse([]string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("want flag.ErrHelp, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("help lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// parseRevenue reads what the gate's registry really writes, summing exactly.
func TestParseRevenueFromGateExposition(t *testing.T) {
	reg := metrics.NewRegistry("invalid_signature")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := reg.Series("shop", "weather", "eip155:84532", "USDC")
	for i := 0; i < 3; i++ {
		metrics.Charge(w, big.NewInt(10000), 6, now)
	}
	metrics.Charge(reg.Series("shop", "weather", "eip155:8453", "USDC"), big.NewInt(1), 6, now)
	reg.Series("shop", "idle", "eip155:84532", "USDC")
	metrics.Charge(reg.Series(`we"ird`, "x", "eip155:1", ""), big.NewInt(7), 0, now)
	var b bytes.Buffer
	if err := reg.Write(&b); err != nil {
		t.Fatal(err)
	}
	rev, err := parseRevenue(&b)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc string
		key  revenueKey
		want []Revenue
	}{
		{"two chains of one offer", revenueKey{"shop", "weather"}, []Revenue{
			{Chain: "eip155:8453", Symbol: "USDC", Amount: "0.000001", Requests: 1},
			{Chain: "eip155:84532", Symbol: "USDC", Amount: "0.03", Requests: 3},
		}},
		{"offer with nothing charged", revenueKey{"shop", "idle"}, []Revenue{{Chain: "eip155:84532", Symbol: "USDC", Amount: "0", Requests: 0}}},
		{"escaped label, unknown symbol", revenueKey{`we"ird`, "x"}, []Revenue{{Chain: "eip155:1", Symbol: "unknown", Amount: "7", Requests: 1}}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got := rev[c.key]
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("got %+v, want %+v", got[i], c.want[i])
				}
			}
		})
	}
	if _, err := parseRevenue(strings.NewReader("turnpike_charged_amount_total{offer_name=\"x\" 1\n")); err == nil {
		t.Error("malformed labels were accepted")
	}
}

func TestRevenueText(t *testing.T) {
	cases := []struct {
		desc string
		in   []Revenue
		want string
	}{
		{"metrics not read", nil, "-"},
		{"nothing charged yet", []Revenue{}, "0"},
		{"one asset", []Revenue{{Chain: "eip155:8453", Symbol: "USDC", Amount: "1.5", Requests: 150}}, "1.5 USDC (150 req)"},
		{"unknown symbol", []Revenue{{Chain: "eip155:1337", Symbol: "unknown", Amount: "7", Requests: 7}}, "7 units (7 req)"},
		{"same token on two chains", []Revenue{{Chain: "eip155:8453", Symbol: "USDC", Amount: "1", Requests: 1}, {Chain: "eip155:84532", Symbol: "USDC", Amount: "2", Requests: 2}},
			"1 USDC@eip155:8453 (1 req), 2 USDC@eip155:84532 (2 req)"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := revenueText(c.in); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

// Every preset the controller resolves is accepted, including those without a v1
// network name (arbitrum, optimism), and so are CAIP-2 ids.
func TestSellAcceptsEveryPresetNetwork(t *testing.T) {
	networks := append(x402.PresetNames(), "eip155:8453", "eip155:31337")
	for _, n := range networks {
		t.Run(n, func(t *testing.T) {
			args := []string{"http", "x", "--upstream", "w:1", "--price", "1", "--network", n, "--pay-to", payTo}
			if _, err := parseSell(args, io.Discard); err != nil {
				t.Fatalf("--network %s refused: %v", n, err)
			}
		})
	}
}
