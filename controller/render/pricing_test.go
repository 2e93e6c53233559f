package render

import (
	"errors"
	"strings"
	"testing"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

func i32(v int32) *int32 { return &v }

// option replaces the offer's only payment option.
func option(a v1alpha1.PaymentOption) func(*v1alpha1.ServiceOffer) {
	return func(o *v1alpha1.ServiceOffer) { o.Spec.Payment.Accepts = []v1alpha1.PaymentOption{a} }
}

func TestRoutesOfferPricingAndNetworks(t *testing.T) {
	tests := []struct {
		desc        string
		mut         func(*v1alpha1.ServiceOffer)
		wantNetwork string
		wantAsset   string
		wantAmount  string
		wantName    string
		wantPricing *x402.Pricing
		wantReason  string
		wantMsg     string // part of the problem's message
	}{
		{desc: "atomic amount on CAIP-2 stays as written",
			mut:         option(v1alpha1.PaymentOption{Network: "eip155:84532", Amount: "10000", Asset: v1alpha1.AssetSpec{Address: baseSepoliaUSDC}}),
			wantNetwork: "eip155:84532", wantAsset: baseSepoliaUSDC, wantAmount: "10000", wantName: "USDC"},
		{desc: "preset name without asset: CAIP-2 and the preset's USDC",
			mut:         option(v1alpha1.PaymentOption{Network: "base", Price: "0.01"}),
			wantNetwork: "eip155:8453", wantAsset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", wantAmount: "10000", wantName: "USD Coin",
			wantPricing: &x402.Pricing{Model: x402.PricingPerRequest, Price: "0.01"}},
		{desc: "base-sepolia preset: domain name USDC",
			mut:         option(v1alpha1.PaymentOption{Network: "base-sepolia", Price: "1.5"}),
			wantNetwork: "eip155:84532", wantAsset: baseSepoliaUSDC, wantAmount: "1500000", wantName: "USDC",
			wantPricing: &x402.Pricing{Model: x402.PricingPerRequest, Price: "1.5"}},
		{desc: "CAIP-2 of a preset network without asset gets its USDC",
			mut:         option(v1alpha1.PaymentOption{Network: "eip155:42161", Amount: "1"}),
			wantNetwork: "eip155:42161", wantAsset: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", wantAmount: "1", wantName: "USD Coin"},
		{desc: "perMTok: 0.50 per million × 1000 tokens = 500 atomic",
			mut: func(o *v1alpha1.ServiceOffer) {
				option(v1alpha1.PaymentOption{Network: "base-sepolia", PerMTok: "0.50"})(o)
				o.Spec.Payment.ApproxTokensPerRequest = 1000
			},
			wantNetwork: "eip155:84532", wantAsset: baseSepoliaUSDC, wantAmount: "500", wantName: "USDC",
			wantPricing: &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "0.50", ApproxTokensPerRequest: 1000}},
		{desc: "perMTok rounds up and says so",
			mut: func(o *v1alpha1.ServiceOffer) {
				option(v1alpha1.PaymentOption{Network: "base-sepolia", PerMTok: "0.15"})(o)
				o.Spec.Payment.ApproxTokensPerRequest = 1001
			},
			wantNetwork: "eip155:84532", wantAsset: baseSepoliaUSDC, wantAmount: "151", wantName: "USDC",
			wantPricing: &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "0.15", ApproxTokensPerRequest: 1001, Rounding: "up"}},
		{desc: "perMTok without approxTokensPerRequest uses the CRD default",
			mut:         option(v1alpha1.PaymentOption{Network: "base-sepolia", PerMTok: "2"}),
			wantNetwork: "eip155:84532", wantAsset: baseSepoliaUSDC, wantAmount: "2000", wantName: "USDC",
			wantPricing: &x402.Pricing{Model: x402.PricingPerMTok, PerMTok: "2", ApproxTokensPerRequest: 1000}},
		{desc: "18-decimal custom token priced in units",
			mut: option(v1alpha1.PaymentOption{Network: "eip155:1337", Price: "0.000000000000000123",
				Asset: v1alpha1.AssetSpec{Address: customToken, Decimals: i32(18), EIP712Name: "Dev", EIP712Version: "1", Symbol: "DEV"}}),
			wantNetwork: "eip155:1337", wantAsset: customToken, wantAmount: "123", wantName: "Dev",
			wantPricing: &x402.Pricing{Model: x402.PricingPerRequest, Price: "0.000000000000000123"}},
		{desc: "price finer than the smallest unit is refused",
			mut:        option(v1alpha1.PaymentOption{Network: "base", Price: "0.0000001"}),
			wantReason: ReasonInvalidPrice, wantMsg: "smallest unit 0.000001"},
		{desc: "zero price is refused",
			mut:        option(v1alpha1.PaymentOption{Network: "base", Price: "0"}),
			wantReason: ReasonInvalidPrice, wantMsg: "mark free paths"},
		{desc: "zero perMTok is refused",
			mut:        option(v1alpha1.PaymentOption{Network: "base", PerMTok: "0.0"}),
			wantReason: ReasonInvalidPrice, wantMsg: "zero"},
		{desc: "price on a token of unknown decimals",
			mut: option(v1alpha1.PaymentOption{Network: "eip155:1337", Price: "1",
				Asset: v1alpha1.AssetSpec{Address: customToken, EIP712Name: "Dev", EIP712Version: "1"}}),
			wantReason: ReasonInvalidPrice, wantMsg: "set asset.decimals"},
		{desc: "two prices at once",
			mut:        option(v1alpha1.PaymentOption{Network: "base", Price: "1", Amount: "1"}),
			wantReason: ReasonInvalidPrice, wantMsg: "exactly one of amount, price and perMTok"},
		{desc: "unknown network name says what to write",
			mut:        option(v1alpha1.PaymentOption{Network: "base-mainnet", Price: "1"}),
			wantReason: ReasonUnknownNetwork, wantMsg: "base, base-sepolia"},
		{desc: "network without a preset needs asset.address",
			mut:        option(v1alpha1.PaymentOption{Network: "eip155:1337", Amount: "1"}),
			wantReason: ReasonAssetRequired, wantMsg: "set asset.address"},
		{desc: "v1 name without preset needs asset.address",
			mut:        option(v1alpha1.PaymentOption{Network: "polygon", Amount: "1"}),
			wantReason: ReasonAssetRequired, wantMsg: "polygon has no preset token"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			e, err := RoutesOffer(offer(tc.mut), routes.StateActive, "")
			if tc.wantReason != "" {
				var p *Problem
				if !errors.As(err, &p) || p.Reason != tc.wantReason || !strings.Contains(p.Message, tc.wantMsg) {
					t.Fatalf("err = %v, want %s containing %q", err, tc.wantReason, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := e.Payments[0]
			if p.Network != tc.wantNetwork || p.Asset != tc.wantAsset || p.Amount != tc.wantAmount || p.EIP712Name != tc.wantName {
				t.Fatalf("payment %+v, want %s %s %s %s", p, tc.wantNetwork, tc.wantAsset, tc.wantAmount, tc.wantName)
			}
			if (p.Pricing == nil) != (tc.wantPricing == nil) || p.Pricing != nil && *p.Pricing != *tc.wantPricing {
				t.Fatalf("pricing %+v, want %+v", p.Pricing, tc.wantPricing)
			}
		})
	}
}

// A path rule's price is converted per option with that option's decimals.
func TestPathRulePrice(t *testing.T) {
	o := offer(func(o *v1alpha1.ServiceOffer) {
		o.Spec.Payment.Accepts = []v1alpha1.PaymentOption{
			{Network: "base-sepolia", Price: "0.01"},
			{Network: "eip155:1337", Amount: "7", Asset: v1alpha1.AssetSpec{Address: customToken, Decimals: i32(18), EIP712Name: "Dev", EIP712Version: "1"}},
		}
		o.Spec.Paths = []v1alpha1.PathRule{{Path: "/bulk/*", Price: "0.25"}}
	})
	e, err := RoutesOffer(o, routes.StateActive, "")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{e.Payments[0].Amount, e.Payments[1].Amount, e.Paths[0].Payments[0].Amount, e.Paths[0].Payments[1].Amount}
	want := []string{"10000", "7", "250000", "250000000000000000"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("amounts %v, want %v", got, want)
	}
	if pr := e.Paths[0].Payments[1].Pricing; pr == nil || pr.Price != "0.25" || pr.Model != x402.PricingPerRequest {
		t.Fatalf("path pricing %+v", pr)
	}
	o.Spec.Paths = []v1alpha1.PathRule{{Path: "/bulk/*", Price: "0.0000001"}}
	var p *Problem
	if _, err := RoutesOffer(o, routes.StateActive, ""); !errors.As(err, &p) || p.Reason != ReasonInvalidPrice || !strings.Contains(p.Message, "spec.paths[0] (/bulk/*)") {
		t.Fatalf("too fine path price: %v", err)
	}
}

func TestStatusPrice(t *testing.T) {
	tests := []struct {
		desc string
		a    v1alpha1.PaymentOption
		want string
	}{
		{desc: "atomic amount", a: v1alpha1.PaymentOption{Network: "base-sepolia", Amount: "10000"}, want: "0.01 USDC"},
		{desc: "decimal price", a: v1alpha1.PaymentOption{Network: "base", Price: "0.010"}, want: "0.01 USDC"},
		{desc: "perMTok shows the rate and the per-request amount", a: v1alpha1.PaymentOption{Network: "base", PerMTok: "0.50"},
			want: "0.5 USDC/MTok (≈0.0005 USDC/request)"},
	}
	for _, tc := range tests {
		e, err := RoutesOffer(offer(option(tc.a)), routes.StateActive, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.desc, err)
		}
		if got := StatusPrice(e); got != tc.want {
			t.Errorf("%s: StatusPrice = %q, want %q", tc.desc, got, tc.want)
		}
	}
}

func TestFacilitatorChoice(t *testing.T) {
	cdpDefault := settings
	cdpDefault.FacilitatorProvider = v1alpha1.FacilitatorCDP
	cdpDefault.DefaultCDP = v1alpha1.CDPSpec{SecretName: "cdp-default"}
	x402Default := settings
	x402Default.FacilitatorProvider = v1alpha1.FacilitatorX402Org
	x402URLDefault := settings
	x402URLDefault.FacilitatorURL = "https://x402.org/facilitator/"
	mainnet := option(v1alpha1.PaymentOption{Network: "base", Price: "0.01"})
	fac := func(f v1alpha1.FacilitatorSpec) func(*v1alpha1.ServiceOffer) {
		return func(o *v1alpha1.ServiceOffer) { o.Spec.Facilitator = &f }
	}
	tests := []struct {
		desc          string
		s             Settings
		mut           []func(*v1alpha1.ServiceOffer)
		wantURL       string
		wantKeyID     string
		wantKeySecret string
		wantReason    string
	}{
		{desc: "controller default: turnpike at -facilitator-url", s: settings, wantURL: "https://facilitator.example"},
		{desc: "offer names x402.org on a testnet", s: settings,
			mut: []func(*v1alpha1.ServiceOffer){fac(v1alpha1.FacilitatorSpec{Provider: "x402.org"})}, wantURL: X402OrgFacilitatorURL},
		{desc: "offer names x402.org on a mainnet: refused", s: settings,
			mut: []func(*v1alpha1.ServiceOffer){mainnet, fac(v1alpha1.FacilitatorSpec{Provider: "x402.org"})}, wantReason: ReasonFacilitatorTestnetOnly},
		{desc: "x402.org as the controller default on a mainnet: refused", s: x402Default,
			mut: []func(*v1alpha1.ServiceOffer){mainnet}, wantReason: ReasonFacilitatorTestnetOnly},
		{desc: "x402.org by URL on a mainnet: refused", s: x402URLDefault,
			mut: []func(*v1alpha1.ServiceOffer){mainnet}, wantReason: ReasonFacilitatorTestnetOnly},
		{desc: "x402.org on a chain not known as a testnet: refused", s: settings,
			mut: []func(*v1alpha1.ServiceOffer){
				option(v1alpha1.PaymentOption{Network: "eip155:999999", Amount: "1", Asset: v1alpha1.AssetSpec{Address: customToken, EIP712Name: "X", EIP712Version: "1"}}),
				fac(v1alpha1.FacilitatorSpec{Provider: "x402.org"})},
			wantReason: ReasonFacilitatorTestnetOnly},
		{desc: "cdp with the offer's Secret, default keys", s: settings,
			mut:     []func(*v1alpha1.ServiceOffer){mainnet, fac(v1alpha1.FacilitatorSpec{Provider: "cdp", CDP: &v1alpha1.CDPSpec{SecretName: "cdp-key"}})},
			wantURL: CDPFacilitatorURL, wantKeyID: "urn:k8s:secret:cdp-key:keyId", wantKeySecret: "urn:k8s:secret:cdp-key:keySecret"},
		{desc: "cdp with custom Secret keys and URL", s: settings,
			mut: []func(*v1alpha1.ServiceOffer){fac(v1alpha1.FacilitatorSpec{Provider: "cdp", URL: "https://cdp.proxy.example/x402",
				CDP: &v1alpha1.CDPSpec{SecretName: "k", KeyIDKey: "id", KeySecretKey: "pem"}})},
			wantURL: "https://cdp.proxy.example/x402", wantKeyID: "urn:k8s:secret:k:id", wantKeySecret: "urn:k8s:secret:k:pem"},
		{desc: "cdp as the controller default uses the default Secret", s: cdpDefault, mut: []func(*v1alpha1.ServiceOffer){mainnet},
			wantURL: CDPFacilitatorURL, wantKeyID: "urn:k8s:secret:cdp-default:keyId", wantKeySecret: "urn:k8s:secret:cdp-default:keySecret"},
		{desc: "cdp without any Secret: refused", s: settings,
			mut: []func(*v1alpha1.ServiceOffer){fac(v1alpha1.FacilitatorSpec{Provider: "cdp"})}, wantReason: ReasonFacilitatorCredentials},
		{desc: "offer URL alone overrides a cdp default and drops its key", s: cdpDefault,
			mut: []func(*v1alpha1.ServiceOffer){fac(v1alpha1.FacilitatorSpec{URL: "https://fac.other"})}, wantURL: "https://fac.other"},
		{desc: "turnpike provider named by the offer", s: x402Default,
			mut: []func(*v1alpha1.ServiceOffer){mainnet, fac(v1alpha1.FacilitatorSpec{Provider: "turnpike"})}, wantURL: "https://facilitator.example"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			o := offer(tc.mut...)
			err := CheckFacilitator(o, tc.s)
			if tc.wantReason != "" {
				var p *Problem
				if !errors.As(err, &p) || p.Reason != tc.wantReason {
					t.Fatalf("err = %v, want %s", err, tc.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := decodeLikeTraefik(t, PluginConfigMap(GateConfig(o, tc.s)))
			if c.FacilitatorURL != tc.wantURL || c.CDPKeyID != tc.wantKeyID || c.CDPKeySecret != tc.wantKeySecret {
				t.Fatalf("gate config url=%q keyID=%q keySecret=%q, want %q %q %q", c.FacilitatorURL, c.CDPKeyID, c.CDPKeySecret, tc.wantURL, tc.wantKeyID, tc.wantKeySecret)
			}
		})
	}
}
