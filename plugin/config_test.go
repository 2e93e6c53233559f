package plugin

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/x402"
)

func TestNew(t *testing.T) {
	valid := func() *Config {
		c := CreateConfig()
		c.Offer = "shop/weather"
		c.RoutesFile = "/nonexistent/routes.json"
		c.FacilitatorURL = "http://127.0.0.1:1"
		return c
	}
	tests := []struct {
		desc    string
		mutate  func(c *Config)
		wantErr string
	}{
		{desc: "minimal file config", mutate: func(c *Config) {}},
		{desc: "ConfigMap source with overrides", mutate: func(c *Config) {
			c.RoutesFile = ""
			c.RoutesConfigMap = "turnpike-system/turnpike-routes"
			c.KubernetesAPIURL = "https://127.0.0.1:1"
			c.KubernetesCAFile = "/nonexistent/ca.crt" // runtime condition: logged, answered 503
		}},
		{desc: "unreachable facilitator is not a New() error", mutate: func(c *Config) { c.FacilitatorURL = "https://facilitator.invalid" }},
		{desc: "missing CDP secret file is not a New() error", mutate: func(c *Config) {
			c.CDPKeyID = "k"
			c.CDPKeySecretFile = "/nonexistent/secret"
		}},
		{desc: "all options", mutate: func(c *Config) {
			c.FacilitatorHeaders = map[string]string{"X-Api-Key": "k"}
			c.MetricsAddress = "127.0.0.1:0"
			c.ResourceBaseURL = "https://api.example.com"
			c.PayerHeader = "X-Payer"
			c.MaxValiditySlackSeconds = 30
		}},
		{desc: "cors origins with spaces and a trailing comma", mutate: func(c *Config) {
			c.CORSAllowOrigins = []string{" https://app.example.com", ""}
			c.CORSMaxAgeSeconds = 30
		}},
		{desc: "cors origin with a path", mutate: func(c *Config) { c.CORSAllowOrigins = []string{"https://app.example.com/x"} }, wantErr: "corsAllowOrigins"},
		{desc: "cors max-age too large", mutate: func(c *Config) { c.CORSMaxAgeSeconds = 100000 }, wantErr: "maxAgeSeconds"},
		{desc: "offer without namespace", mutate: func(c *Config) { c.Offer = "weather" }, wantErr: "offer"},
		{desc: "offer empty", mutate: func(c *Config) { c.Offer = "" }, wantErr: "offer"},
		{desc: "offer with two slashes", mutate: func(c *Config) { c.Offer = "a/b/c" }, wantErr: "offer"},
		{desc: "no routes source", mutate: func(c *Config) { c.RoutesFile = "" }, wantErr: "one of routesFile or routesConfigMap"},
		{desc: "two routes sources", mutate: func(c *Config) { c.RoutesConfigMap = "a/b" }, wantErr: "mutually exclusive"},
		{desc: "bad ConfigMap reference", mutate: func(c *Config) { c.RoutesFile = ""; c.RoutesConfigMap = "routes" }, wantErr: "routesConfigMap"},
		{desc: "facilitator URL missing", mutate: func(c *Config) { c.FacilitatorURL = "" }, wantErr: "facilitatorURL"},
		{desc: "facilitator URL relative", mutate: func(c *Config) { c.FacilitatorURL = "/verify" }, wantErr: "facilitatorURL"},
		{desc: "facilitator URL with another scheme", mutate: func(c *Config) { c.FacilitatorURL = "ftp://x" }, wantErr: "facilitatorURL"},
		{desc: "resource base URL relative", mutate: func(c *Config) { c.ResourceBaseURL = "api.example.com" }, wantErr: "resourceBaseURL"},
		{desc: "kubernetes API URL relative", mutate: func(c *Config) { c.KubernetesAPIURL = "kubernetes" }, wantErr: "kubernetesAPIURL"},
		{desc: "metrics address without port", mutate: func(c *Config) { c.MetricsAddress = "localhost" }, wantErr: "metricsAddress"},
		{desc: "CDP key without secret", mutate: func(c *Config) { c.CDPKeyID = "k" }, wantErr: "cdpKeySecret"},
		{desc: "payer header with a colon", mutate: func(c *Config) { c.PayerHeader = "X-Payer: 1" }, wantErr: "payerHeader"},
		{desc: "upstream credential with the default header", mutate: func(c *Config) { c.UpstreamAuthValue = "sk-test" }},
		{desc: "upstream credential with header, prefix and a trailing newline", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "X-Api-Key"
			c.UpstreamAuthPrefix = "Key "
			c.UpstreamAuthValue = "sk-test\n"
		}},
		{desc: "upstream header without a value", mutate: func(c *Config) { c.UpstreamAuthHeader = "Authorization" }, wantErr: "need upstreamAuthValue"},
		{desc: "upstream prefix without a value", mutate: func(c *Config) { c.UpstreamAuthPrefix = "Bearer " }, wantErr: "need upstreamAuthValue"},
		{desc: "upstream header with a colon", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "Authorization: Bearer"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "upstreamAuthHeader \"Authorization: Bearer\" is not a header name"},
		{desc: "upstream header with a space", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "Api Key"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "is not a header name"},
		{desc: "upstream header that frames the request", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "content-length"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "frames or routes the request"},
		{desc: "upstream header that is the payment header", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "Payment-Signature"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "gate's own headers"},
		{desc: "upstream header that is the payer header in another spelling", mutate: func(c *Config) {
			c.PayerHeader = "X-Payer"
			c.UpstreamAuthHeader = "x_payer"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "gate's own headers"},
		{desc: "upstream header with too many separators", mutate: func(c *Config) {
			c.UpstreamAuthHeader = "a-b-c-d-e-f-g-h"
			c.UpstreamAuthValue = "sk-test"
		}, wantErr: "upstreamAuthHeader \"a-b-c-d-e-f-g-h\" has 7"},
		{desc: "upstream value still a Secret reference", mutate: func(c *Config) { c.UpstreamAuthValue = "urn:k8s:secret:llm-key:token" }, wantErr: "unresolved urn:k8s:secret"},
		{desc: "upstream value with a line break inside", mutate: func(c *Config) { c.UpstreamAuthValue = "sk-te\r\nX-Evil: 1" }, wantErr: "line break"},
		{desc: "negative timeout", mutate: func(c *Config) { c.VerifyTimeoutMs = -1 }, wantErr: "negative"},
		{desc: "misspelt key is named", mutate: func(c *Config) {
			c.Unknown = map[string]interface{}{"facilitatorUrll": "http://x"}
		}, wantErr: `unknown key "facilitatorUrll"`},
		{desc: "every unknown key is named, sorted", mutate: func(c *Config) {
			c.Unknown = map[string]interface{}{"zeta": 1, "alpha": true}
		}, wantErr: `unknown key "alpha", "zeta"`},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			c := valid()
			tc.mutate(c)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			h, err := New(ctx, http.NotFoundHandler(), c, "t")
			if tc.wantErr == "" {
				if err != nil || h == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
	t.Run("nil config", func(t *testing.T) {
		if _, err := New(context.Background(), http.NotFoundHandler(), nil, "t"); err == nil {
			t.Fatal("nil config accepted")
		}
	})
}

// TestUpstreamAuthErrorsHideTheValue: a configuration error about the credential never
// repeats it (Traefik logs New() errors).
func TestUpstreamAuthErrorsHideTheValue(t *testing.T) {
	c := CreateConfig()
	c.Offer = "shop/weather"
	c.RoutesFile = "/nonexistent/routes.json"
	c.FacilitatorURL = "http://127.0.0.1:1"
	c.UpstreamAuthHeader = "Bad Header"
	c.UpstreamAuthPrefix = "Bearer "
	c.UpstreamAuthValue = "sk-SECRET-1\nsk-SECRET-2"
	_, err := New(context.Background(), http.NotFoundHandler(), c, "t")
	if err == nil || !strings.Contains(err.Error(), "line break") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("error %v: want the problems named without the value", err)
	}
}

func TestCreateConfigDefaults(t *testing.T) {
	c := CreateConfig()
	if c.VerifyTimeoutMs != defaultVerifyTimeoutMs || c.SettleTimeoutMs != defaultSettleTimeoutMs || c.PollIntervalMs != defaultPollIntervalMs ||
		c.MaxBufferBytes != defaultMaxBufferBytes || c.ReplayGuardEntries != defaultReplayGuardEntries || c.FacilitatorHeaders == nil {
		t.Fatalf("defaults %+v", c)
	}
}

func TestFacilitatorUnconfiguredAuthAnswers503(t *testing.T) {
	tg := newTestGate(t, testDoc(1), func(c *Config) {
		c.CDPKeyID = "key"
		c.CDPKeySecretFile = "/nonexistent/cdp-secret"
	})
	rec := tg.do("GET", base+"/forecast/a", map[string]string{"PAYMENT-SIGNATURE": encode(t, paymentV2(requirementOf(basePayment())))})
	if rec.Code != 503 || decodeRejection(t, rec.Body.Bytes()).Reason != x402.ReasonFacilitatorUnavailable || tg.fac.verifyCalls.Load() != 0 {
		t.Fatalf("status %d body %s verify calls %d", rec.Code, rec.Body.String(), tg.fac.verifyCalls.Load())
	}
}

func TestSharedStateAcrossInstances(t *testing.T) {
	tg := newTestGate(t, testDoc(1), nil)
	c := CreateConfig()
	c.Offer = "shop/weather"
	c.RoutesFile = tg.file
	c.FacilitatorURL = tg.fac.srv.URL
	c.PollIntervalMs = 20
	ctx, cancel := context.WithCancel(context.Background())
	h, err := New(ctx, http.NotFoundHandler(), c, "second@file")
	if err != nil {
		t.Fatal(err)
	}
	g2 := h.(*Gate)
	if g2.loader != tg.g.loader {
		t.Fatal("two instances on one routes file got two loaders")
	}
	reg.mu.Lock()
	refs := g2.loader.refs
	reg.mu.Unlock()
	if refs < 2 {
		t.Fatalf("refs %d", refs)
	}
	shortGrace(t)
	cancel()
	waitFor(t, "reference released", func() bool {
		reg.mu.Lock()
		defer reg.mu.Unlock()
		return g2.loader.refs == refs-1
	})
	// The first instance still holds it: the loader keeps serving.
	if tg.g.loader.table() == nil {
		t.Fatal("loader stopped while referenced")
	}
}
