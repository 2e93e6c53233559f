package render

import (
	"encoding/json"
	"errors"
	"path"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/plugin"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

const (
	baseSepoliaUSDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
	payTo           = "0x1111111111111111111111111111111111111111"
	customToken     = "0x2222222222222222222222222222222222222222"
)

func offer(mut ...func(*v1alpha1.ServiceOffer)) *v1alpha1.ServiceOffer {
	o := &v1alpha1.ServiceOffer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "weather"},
		Spec: v1alpha1.ServiceOfferSpec{
			Upstream: v1alpha1.UpstreamSpec{Service: "weather-api", Port: 8080, HealthPath: "/health"},
			Payment: v1alpha1.PaymentSpec{
				PayTo:             payTo,
				MaxTimeoutSeconds: 120,
				Accepts: []v1alpha1.PaymentOption{{
					Scheme: "exact", Network: "eip155:84532", Amount: "10000",
					Asset: v1alpha1.AssetSpec{Address: baseSepoliaUSDC},
				}},
			},
		},
	}
	for _, m := range mut {
		m(o)
	}
	return o
}

var settings = Settings{
	PluginName:               "turnpike",
	RoutesConfigMapNamespace: "turnpike-system",
	RoutesConfigMapName:      "turnpike-routes",
	FacilitatorURL:           "https://facilitator.example",
	GateMetricsAddress:       ":9402",
	PublicBaseURL:            "https://api.example.com",
	DefaultParentRefs:        []v1alpha1.ParentRef{{Namespace: "traefik", Name: "gw"}},
	DefaultEntryPoints:       []string{"web"},
}

func TestChildName(t *testing.T) {
	long := strings.Repeat("a", 100)
	long2 := strings.Repeat("a", 99) + "b"
	cases := []struct {
		desc, in string
		want     string
	}{
		{desc: "short names keep the prefix and the name", in: "weather", want: "turnpike-weather"},
		{desc: "exactly 63 characters is kept", in: strings.Repeat("x", 63-len(ChildNamePrefix)), want: ChildNamePrefix + strings.Repeat("x", 63-len(ChildNamePrefix))},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := ChildName(c.in); got != c.want {
				t.Fatalf("ChildName(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	t.Run("long names fit 63 characters and stay distinct", func(t *testing.T) {
		a, b := ChildName(long), ChildName(long2)
		if len(a) > 63 || len(b) > 63 {
			t.Fatalf("too long: %d %d", len(a), len(b))
		}
		if a == b {
			t.Fatalf("two different offers share child name %q", a)
		}
		if ChildName(long) != a {
			t.Fatal("child name is not stable")
		}
	})
}

func TestLowerCamel(t *testing.T) {
	cases := []struct{ desc, in, want string }{
		{"single capital", "Offer", "offer"},
		{"trailing acronym", "FacilitatorURL", "facilitatorURL"},
		{"leading acronym", "CDPKeyID", "cdpKeyID"},
		{"all capitals", "URL", "url"},
		{"already lower", "offer", "offer"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := lowerCamel(c.in); got != c.want {
				t.Fatalf("lowerCamel(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// decodeLikeTraefik fills a plugin.Config from the rendered map the way Traefik's
// decoder does: keys match field names case-insensitively. An unknown key fails the
// test, so the renderer can never emit a key the plugin does not read.
func decodeLikeTraefik(t *testing.T, m map[string]any) plugin.Config {
	t.Helper()
	var c plugin.Config
	v := reflect.ValueOf(&c).Elem()
	for k, val := range m {
		found := false
		for i := 0; i < v.NumField(); i++ {
			if !strings.EqualFold(v.Type().Field(i).Name, k) {
				continue
			}
			found = true
			f := v.Field(i)
			switch f.Kind() {
			case reflect.String:
				f.SetString(val.(string))
			case reflect.Int:
				f.SetInt(val.(int64))
			case reflect.Map:
				mm := map[string]string{}
				for mk, mv := range val.(map[string]any) {
					mm[mk] = mv.(string)
				}
				f.Set(reflect.ValueOf(mm))
			default:
				t.Fatalf("field %s: kind %s not handled by the test decoder", k, f.Kind())
			}
		}
		if !found {
			t.Fatalf("rendered key %q is not a field of plugin.Config", k)
		}
	}
	return c
}

func TestMiddleware(t *testing.T) {
	cases := []struct {
		desc  string
		offer *v1alpha1.ServiceOffer
		want  plugin.Config
	}{
		{
			desc:  "defaults point the gate at the offer, the routes ConfigMap and the default facilitator",
			offer: offer(),
			want: plugin.Config{
				Offer: "shop/weather", RoutesConfigMap: "turnpike-system/turnpike-routes",
				FacilitatorURL: "https://facilitator.example", MetricsAddress: ":9402",
				ResourceBaseURL: "https://api.example.com",
			},
		},
		{
			desc: "offer facilitator with a secret reference and a hostname",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Hostnames = []string{"weather.example.com"}
				o.Spec.Facilitator = &v1alpha1.FacilitatorSpec{
					URL:                    "https://fac.other",
					AuthorizationSecretRef: &v1alpha1.SecretKeyRef{Name: "fac", Key: "token"},
				}
			}),
			want: plugin.Config{
				Offer: "shop/weather", RoutesConfigMap: "turnpike-system/turnpike-routes",
				FacilitatorURL: "https://fac.other", MetricsAddress: ":9402",
				FacilitatorHeaders: map[string]string{"Authorization": "urn:k8s:secret:fac:token"},
				ResourceBaseURL:    "https://weather.example.com",
			},
		},
		{
			desc: "upstream credential: only the Secret reference, header defaulted",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Upstream.Auth = &v1alpha1.UpstreamAuthSpec{SecretRef: v1alpha1.SecretKeyRef{Name: "llm-key", Key: "token"}, Prefix: "Bearer "}
			}),
			want: plugin.Config{
				Offer: "shop/weather", RoutesConfigMap: "turnpike-system/turnpike-routes",
				FacilitatorURL: "https://facilitator.example", MetricsAddress: ":9402",
				ResourceBaseURL:    "https://api.example.com",
				UpstreamAuthHeader: "Authorization", UpstreamAuthPrefix: "Bearer ", UpstreamAuthValue: "urn:k8s:secret:llm-key:token",
			},
		},
		{
			desc: "upstream credential in its own header, no prefix",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Upstream.Auth = &v1alpha1.UpstreamAuthSpec{Header: "X-Api-Key", SecretRef: v1alpha1.SecretKeyRef{Name: "k", Key: "v"}}
			}),
			want: plugin.Config{
				Offer: "shop/weather", RoutesConfigMap: "turnpike-system/turnpike-routes",
				FacilitatorURL: "https://facilitator.example", MetricsAddress: ":9402",
				ResourceBaseURL:    "https://api.example.com",
				UpstreamAuthHeader: "X-Api-Key", UpstreamAuthValue: "urn:k8s:secret:k:v",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			u := Middleware(c.offer, settings)
			if u.GetKind() != "Middleware" || u.GetAPIVersion() != "traefik.io/v1alpha1" {
				t.Fatalf("kind %s %s", u.GetAPIVersion(), u.GetKind())
			}
			if u.GetNamespace() != "shop" || u.GetName() != "turnpike-weather" {
				t.Fatalf("object %s/%s", u.GetNamespace(), u.GetName())
			}
			plugins, _, _ := unstructured.NestedMap(u.Object, "spec", "plugin")
			if len(plugins) != 1 {
				t.Fatalf("want exactly one plugin key (Traefik refuses more), got %v", plugins)
			}
			cfg, ok := plugins["turnpike"].(map[string]any)
			if !ok {
				t.Fatalf("spec.plugin.turnpike missing: %v", plugins)
			}
			got := decodeLikeTraefik(t, cfg)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("decoded config\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestHTTPRoute(t *testing.T) {
	cases := []struct {
		desc             string
		offer            *v1alpha1.ServiceOffer
		wantParents      []any
		wantHosts        []any
		wantPath         string
		noDefaultParents bool
	}{
		{
			desc:        "default gateway, default path, no hostnames",
			offer:       offer(),
			wantParents: []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw", "namespace": "traefik"}},
			wantPath:    "/services/weather",
		},
		{
			desc:             "no gateway anywhere: parentRefs left out (null is invalid)",
			offer:            offer(),
			noDefaultParents: true,
			wantPath:         "/services/weather",
		},
		{
			desc: "offer parents, path and hostnames",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Path = "/api/weather"
				o.Spec.Hostnames = []string{"a.example.com", "b.example.com"}
				o.Spec.Route.ParentRefs = []v1alpha1.ParentRef{{Name: "own", SectionName: "https"}}
			}),
			wantParents: []any{map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "own", "sectionName": "https"}},
			wantHosts:   []any{"a.example.com", "b.example.com"},
			wantPath:    "/api/weather",
		},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			set := settings
			if c.noDefaultParents {
				set.DefaultParentRefs = nil
			}
			u := Route(c.offer, set)
			if _, has := u.Object["spec"].(map[string]any)["parentRefs"]; has != (c.wantParents != nil) {
				t.Fatalf("parentRefs present=%v, want %v", has, c.wantParents != nil)
			}
			if u.GetKind() != "HTTPRoute" {
				t.Fatalf("kind %s", u.GetKind())
			}
			parents, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
			if !reflect.DeepEqual(parents, c.wantParents) {
				t.Fatalf("parentRefs %v, want %v", parents, c.wantParents)
			}
			hosts, _, _ := unstructured.NestedSlice(u.Object, "spec", "hostnames")
			if !reflect.DeepEqual(hosts, c.wantHosts) {
				t.Fatalf("hostnames %v, want %v", hosts, c.wantHosts)
			}
			rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
			rule := rules[0].(map[string]any)
			path := rule["matches"].([]any)[0].(map[string]any)["path"].(map[string]any)
			if path["type"] != "PathPrefix" || path["value"] != c.wantPath {
				t.Fatalf("path match %v", path)
			}
			ext := rule["filters"].([]any)[0].(map[string]any)
			if ext["type"] != "ExtensionRef" || !reflect.DeepEqual(ext["extensionRef"], map[string]any{"group": "traefik.io", "kind": "Middleware", "name": "turnpike-weather"}) {
				t.Fatalf("filter %v", ext)
			}
			be := rule["backendRefs"].([]any)[0].(map[string]any)
			if be["name"] != "weather-api" || be["port"] != int64(8080) {
				t.Fatalf("backend %v", be)
			}
		})
	}
}

func TestIngressRoute(t *testing.T) {
	o := offer(func(o *v1alpha1.ServiceOffer) { o.Spec.Route.Kind = v1alpha1.RouteKindIngressRoute })
	u := Route(o, settings)
	if u.GetKind() != "IngressRoute" || u.GetAPIVersion() != "traefik.io/v1alpha1" {
		t.Fatalf("kind %s %s", u.GetAPIVersion(), u.GetKind())
	}
	eps, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "entryPoints")
	if !reflect.DeepEqual(eps, []string{"web"}) {
		t.Fatalf("entryPoints %v", eps)
	}
	routesList, _, _ := unstructured.NestedSlice(u.Object, "spec", "routes")
	r := routesList[0].(map[string]any)
	if r["match"] != "(Path(`/services/weather`) || PathPrefix(`/services/weather/`))" {
		t.Fatalf("match %v", r["match"])
	}
	if !reflect.DeepEqual(r["middlewares"], []any{map[string]any{"name": "turnpike-weather"}}) {
		t.Fatalf("middlewares %v", r["middlewares"])
	}
}

// TestPathRewrite: with spec.upstream.basePath the route runs the gate first (it
// decides on the public path), then replaces the public prefix by the base path; the
// IngressRoute's regex gives what Traefik's ReplacePrefixMatch gives.
func TestPathRewrite(t *testing.T) {
	withBase := func(kind, path, base string) *v1alpha1.ServiceOffer {
		return offer(func(o *v1alpha1.ServiceOffer) {
			o.Spec.Route.Kind = kind
			o.Spec.Path = path
			o.Spec.Upstream.BasePath = base
		})
	}
	t.Run("HTTPRoute: URLRewrite after the gate", func(t *testing.T) {
		u := Route(withBase("", "/services/llm", "/v1"), settings)
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		filters := rules[0].(map[string]any)["filters"].([]any)
		if len(filters) != 2 || filters[0].(map[string]any)["type"] != "ExtensionRef" {
			t.Fatalf("filters %v: want the gate, then the rewrite", filters)
		}
		want := map[string]any{"type": "URLRewrite", "urlRewrite": map[string]any{
			"path": map[string]any{"type": "ReplacePrefixMatch", "replacePrefixMatch": "/v1"}}}
		if !reflect.DeepEqual(filters[1], want) {
			t.Fatalf("rewrite %v, want %v", filters[1], want)
		}
		if PathRewrite(withBase("", "/services/llm", "/v1")) != nil {
			t.Fatal("an HTTPRoute offer got a rewrite Middleware")
		}
	})
	t.Run("no basePath: no rewrite anywhere", func(t *testing.T) {
		u := Route(withBase("", "/services/llm", ""), settings)
		rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
		if f := rules[0].(map[string]any)["filters"].([]any); len(f) != 1 {
			t.Fatalf("filters %v", f)
		}
		o := withBase(v1alpha1.RouteKindIngressRoute, "/services/llm", "")
		if PathRewrite(o) != nil {
			t.Fatal("rewrite Middleware without basePath")
		}
		r, _, _ := unstructured.NestedSlice(Route(o, settings).Object, "spec", "routes")
		if mws := r[0].(map[string]any)["middlewares"].([]any); len(mws) != 1 {
			t.Fatalf("middlewares %v", mws)
		}
	})
	t.Run("IngressRoute: replacePathRegex Middleware after the gate", func(t *testing.T) {
		o := withBase(v1alpha1.RouteKindIngressRoute, "/services/llm.v2", "/")
		mw := PathRewrite(o)
		if mw == nil || mw.GetName() != "turnpikepath-weather" || mw.GetNamespace() != "shop" || mw.GetKind() != "Middleware" {
			t.Fatalf("rewrite Middleware %v", mw)
		}
		if mw.GetLabels()[LabelOfferName] != "weather" {
			t.Fatalf("labels %v", mw.GetLabels())
		}
		r, _, _ := unstructured.NestedSlice(Route(o, settings).Object, "spec", "routes")
		want := []any{map[string]any{"name": "turnpike-weather"}, map[string]any{"name": "turnpikepath-weather"}}
		if mws := r[0].(map[string]any)["middlewares"]; !reflect.DeepEqual(mws, want) {
			t.Fatalf("middlewares %v, want %v", mws, want)
		}
		spec, _, _ := unstructured.NestedMap(mw.Object, "spec", "replacePathRegex")
		if spec["regex"] != `^/services/llm\.v2/?(.*)$` || spec["replacement"] != "/$1" {
			t.Fatalf("replacePathRegex %v", spec)
		}
	})
	t.Run("rewrite name never collides with a gate name", func(t *testing.T) {
		long := strings.Repeat("a", 100)
		if n := PathRewriteName(long); len(n) > 63 || strings.HasPrefix(n, ChildNamePrefix) || n == PathRewriteName(long+"b") {
			t.Fatalf("PathRewriteName = %q", n)
		}
	})
	// What Traefik's replacePathRegex does with the rendered regex, against what its
	// Gateway API URLRewrite (path.Join of base and rest, trailing slash kept) does.
	cases := []struct {
		desc, prefix, base, in, want string
	}{
		{"to the root", "/services/llm", "/", "/services/llm/v1/chat/completions", "/v1/chat/completions"},
		{"bare prefix to the root", "/services/llm", "/", "/services/llm", "/"},
		{"prefix with slash to the root", "/services/llm", "/", "/services/llm/", "/"},
		{"to a base", "/services/llm", "/api/v1", "/services/llm/chat", "/api/v1/chat"},
		{"bare prefix to a base", "/services/llm", "/api/v1", "/services/llm", "/api/v1"},
		{"trailing slash kept", "/services/llm", "/api", "/services/llm/x/", "/api/x/"},
		{"base with a trailing slash", "/services/llm", "/api/", "/services/llm/x", "/api/x"},
		{"prefix with a trailing slash", "/services/llm/", "/api", "/services/llm/x", "/api/x"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			conf := PathRewriteRegex(c.prefix, c.base)
			re := regexp.MustCompile(conf["regex"].(string))
			if !re.MatchString(c.in) {
				t.Fatalf("%s does not match %s", conf["regex"], c.in)
			}
			if got := re.ReplaceAllString(c.in, conf["replacement"].(string)); got != c.want {
				t.Fatalf("%s → %s, want %s", c.in, got, c.want)
			}
			gw := path.Join(c.base, strings.TrimPrefix(c.in, strings.TrimRight(c.prefix, "/")))
			if strings.HasSuffix(c.in, "/") && !strings.HasSuffix(gw, "/") {
				gw += "/"
			}
			if gw != c.want {
				t.Fatalf("Gateway API rewrite gives %s, the regex %s", gw, c.want)
			}
		})
	}
}

func TestIngressMatch(t *testing.T) {
	cases := []struct {
		desc  string
		hosts []string
		path  string
		want  string
	}{
		{"root path matches everything", nil, "/", "PathPrefix(`/`)"},
		{"trailing slash is not doubled", nil, "/a/", "(Path(`/a`) || PathPrefix(`/a/`))"},
		{"one host", []string{"x.example"}, "/a", "Host(`x.example`) && (Path(`/a`) || PathPrefix(`/a/`))"},
		{"hosts and a wildcard", []string{"x.example", "*.y.example"}, "/a", "(Host(`x.example`) || HostRegexp(`^[a-z0-9-]+\\.y\\.example$`)) && (Path(`/a`) || PathPrefix(`/a/`))"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := IngressMatch(c.hosts, c.path); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestRoutesOffer(t *testing.T) {
	six := int32(6)
	cases := []struct {
		desc       string
		offer      *v1alpha1.ServiceOffer
		state      string
		drainEnds  string
		wantReason string
		check      func(t *testing.T, o routes.Offer)
	}{
		{
			desc:  "known token: EIP-712 domain, symbol and decimals are filled in",
			offer: offer(), state: routes.StateActive,
			check: func(t *testing.T, o routes.Offer) {
				p := o.Payments[0]
				want := routes.Payment{Scheme: "exact", Network: "eip155:84532", Amount: "10000", Asset: baseSepoliaUSDC,
					PayTo: payTo, MaxTimeoutSeconds: 120, EIP712Name: "USDC", EIP712Version: "2", AssetSymbol: "USDC", AssetDecimals: 6}
				if !reflect.DeepEqual(p, want) {
					t.Fatalf("payment\n got %+v\nwant %+v", p, want)
				}
				if o.PathPrefix != "/services/weather" || o.State != "active" || len(o.Paths) != 0 {
					t.Fatalf("offer %+v", o)
				}
			},
		},
		{
			desc: "unknown token without an EIP-712 domain is refused",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Payment.Accepts[0].Asset.Address = customToken
			}),
			state: routes.StateActive, wantReason: ReasonUnknownToken,
		},
		{
			desc: "unknown token with its domain; per-option payTo wins",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Payment.Accepts[0].Asset = v1alpha1.AssetSpec{Address: customToken, Symbol: "TPK", Decimals: &six, EIP712Name: "Turnpike Test", EIP712Version: "1"}
				o.Spec.Payment.Accepts[0].PayTo = "0x3333333333333333333333333333333333333333"
			}),
			state: routes.StateActive,
			check: func(t *testing.T, o routes.Offer) {
				p := o.Payments[0]
				if p.EIP712Name != "Turnpike Test" || p.AssetSymbol != "TPK" || p.AssetDecimals != 6 || p.PayTo != "0x3333333333333333333333333333333333333333" {
					t.Fatalf("payment %+v", p)
				}
			},
		},
		{
			desc: "path rules: free, priced, settlement; a catch-all keeps the offer-wide price",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Settlement = v1alpha1.SettleAfterResponse
				o.Spec.Paths = []v1alpha1.PathRule{
					{Path: "/health", Free: true},
					{Path: "/stream/*", Methods: []string{"GET"}, Amount: "50000", Settlement: v1alpha1.SettleBeforeUpstream},
				}
			}),
			state: routes.StateActive,
			check: func(t *testing.T, o routes.Offer) {
				if len(o.Paths) != 3 {
					t.Fatalf("paths %+v", o.Paths)
				}
				if !o.Paths[0].Free || o.Paths[0].Pattern != "/health" {
					t.Fatalf("free rule %+v", o.Paths[0])
				}
				p1 := o.Paths[1]
				if p1.Settlement != routes.SettleBefore || len(p1.Payments) != 1 || p1.Payments[0].Amount != "50000" || p1.Payments[0].EIP712Name != "USDC" {
					t.Fatalf("priced rule %+v", p1)
				}
				if last := o.Paths[2]; last.Pattern != "/*" || last.Free || len(last.Payments) != 0 {
					t.Fatalf("catch-all %+v", last)
				}
				if o.Settlement != routes.SettleAfter {
					t.Fatalf("settlement %q", o.Settlement)
				}
			},
		},
		{
			desc: "cors is passed into the routes document",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.CORS = &v1alpha1.CORSSpec{AllowOrigins: []string{"https://app.example.com"}, MaxAgeSeconds: 120}
			}),
			state: routes.StateActive,
			check: func(t *testing.T, o routes.Offer) {
				if o.CORS == nil || len(o.CORS.AllowOrigins) != 1 || o.CORS.AllowOrigins[0] != "https://app.example.com" || o.CORS.MaxAgeSeconds != 120 {
					t.Fatalf("cors %+v", o.CORS)
				}
			},
		},
		{
			desc:  "no cors in the spec: none in the document (any origin)",
			offer: offer(),
			state: routes.StateActive,
			check: func(t *testing.T, o routes.Offer) {
				if o.CORS != nil {
					t.Fatalf("cors %+v", o.CORS)
				}
			},
		},
		{
			desc: "an origin with a path is a spec error",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.CORS = &v1alpha1.CORSSpec{AllowOrigins: []string{"https://app.example.com/"}}
			}),
			state: routes.StateActive, wantReason: ReasonInvalidSpec,
		},
		{
			desc: "a free path with an amount is a spec error",
			offer: offer(func(o *v1alpha1.ServiceOffer) {
				o.Spec.Paths = []v1alpha1.PathRule{{Path: "/x", Free: true, Amount: "5"}}
			}),
			state: routes.StateActive, wantReason: ReasonInvalidSpec,
		},
		{
			desc:  "draining carries drainEndsAt",
			offer: offer(), state: routes.StateDraining, drainEnds: "2026-01-01T00:00:00Z",
			check: func(t *testing.T, o routes.Offer) {
				if o.State != routes.StateDraining || o.DrainEndsAt != "2026-01-01T00:00:00Z" {
					t.Fatalf("offer %+v", o)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got, err := RoutesOffer(c.offer, c.state, c.drainEnds)
			if c.wantReason != "" {
				var p *Problem
				if !errors.As(err, &p) || p.Reason != c.wantReason {
					t.Fatalf("want problem %s, got %v", c.wantReason, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, got)
			// Through the gate's own parser, which refuses keys it does not know.
			raw, err := json.Marshal(Document(1, []routes.Offer{got}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := routes.Parse(raw); err != nil {
				t.Fatalf("rendered document is refused by the gate: %v", err)
			}
		})
	}
}

func TestDrainHelpers(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		desc        string
		drainAt     *metav1.Time
		grace       *metav1.Duration
		now         time.Time
		wantEnd     time.Time
		wantExpired bool
	}{
		{desc: "not draining", now: at.Time, wantEnd: time.Time{}},
		{desc: "nil grace is one hour", drainAt: &at, now: at.Add(59 * time.Minute), wantEnd: at.Add(time.Hour)},
		{desc: "one hour later it is over", drainAt: &at, now: at.Add(time.Hour), wantEnd: at.Add(time.Hour), wantExpired: true},
		{desc: "zero grace ends at drainAt", drainAt: &at, grace: &metav1.Duration{}, now: at.Time, wantEnd: at.Time, wantExpired: true},
		{desc: "30m is honoured", drainAt: &at, grace: &metav1.Duration{Duration: 30 * time.Minute}, now: at.Add(29 * time.Minute), wantEnd: at.Add(30 * time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			o := offer(func(o *v1alpha1.ServiceOffer) { o.Spec.DrainAt, o.Spec.DrainGracePeriod = c.drainAt, c.grace })
			if got := o.DrainEndsAt(); !got.Equal(c.wantEnd) {
				t.Fatalf("DrainEndsAt %v, want %v", got, c.wantEnd)
			}
			if got := o.DrainExpired(c.now); got != c.wantExpired {
				t.Fatalf("DrainExpired %v, want %v", got, c.wantExpired)
			}
		})
	}
}

// TestRoutesOfferType: the gate learns the offer type (it probes inference bodies for
// "stream": true); http, the default, is left out of the document.
func TestRoutesOfferType(t *testing.T) {
	for _, c := range []struct{ desc, typ, want string }{
		{"unset is http, left out", "", ""},
		{"http left out", v1alpha1.OfferTypeHTTP, ""},
		{"inference", v1alpha1.OfferTypeInference, routes.TypeInference},
		{"agent", v1alpha1.OfferTypeAgent, routes.TypeAgent},
	} {
		t.Run(c.desc, func(t *testing.T) {
			e, err := RoutesOffer(offer(func(o *v1alpha1.ServiceOffer) { o.Spec.Type = c.typ }), routes.StateActive, "")
			if err != nil || e.Type != c.want {
				t.Fatalf("type %q (%v), want %q", e.Type, err, c.want)
			}
			raw, _ := json.Marshal(e)
			if strings.Contains(string(raw), `"type"`) != (c.want != "") {
				t.Fatalf("encoded entry %s", raw)
			}
		})
	}
}

// TestCredentialStaysOutOfPublishedObjects: the Secret's name and key appear in the
// Middleware as a URN; the routes document carries nothing of the credential.
func TestCredentialStaysOutOfPublishedObjects(t *testing.T) {
	o := offer(func(o *v1alpha1.ServiceOffer) {
		o.Spec.Upstream.Auth = &v1alpha1.UpstreamAuthSpec{Header: "X-Api-Key", SecretRef: v1alpha1.SecretKeyRef{Name: "llm-key", Key: "token"}, Prefix: "Key "}
	})
	mw, err := json.Marshal(Middleware(o, settings).Object)
	if err != nil || !strings.Contains(string(mw), `"upstreamAuthValue":"urn:k8s:secret:llm-key:token"`) {
		t.Fatalf("Middleware %s (%v): want the value as a Secret URN", mw, err)
	}
	e, err := RoutesOffer(o, routes.StateActive, "")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(Document(1, []routes.Offer{e}))
	for _, leak := range []string{"llm-key", "X-Api-Key", "Key ", "urn:k8s"} {
		if strings.Contains(string(doc), leak) {
			t.Fatalf("routes document mentions %q: %s", leak, doc)
		}
	}
}
