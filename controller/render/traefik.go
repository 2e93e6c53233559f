package render

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/plugin"
)

// Kinds the controller renders, as unstructured objects (no Traefik or Gateway API Go
// module is imported).
var (
	MiddlewareGVK   = schema.GroupVersionKind{Group: "traefik.io", Version: "v1alpha1", Kind: "Middleware"}
	IngressRouteGVK = schema.GroupVersionKind{Group: "traefik.io", Version: "v1alpha1", Kind: "IngressRoute"}
	HTTPRouteGVK    = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}
)

// SecretURN is how a Traefik Middleware refers to a Secret key: the CRD provider
// resolves it in the Middleware's namespace before the plugin sees the value, so the
// secret never appears in the Middleware.
func SecretURN(ref v1alpha1.SecretKeyRef) string {
	return "urn:k8s:secret:" + ref.Name + ":" + ref.Key
}

// GateConfig is the plugin configuration for one offer, as the plugin's own Config
// type: the keys the controller renders are the plugin's field names.
func GateConfig(o *v1alpha1.ServiceOffer, s Settings) plugin.Config {
	c := plugin.Config{
		Offer:           o.Namespace + "/" + o.Name,
		RoutesConfigMap: s.RoutesConfigMapNamespace + "/" + s.RoutesConfigMapOf(o.Namespace, o.Name),
		FacilitatorURL:  s.FacilitatorURL,
		MetricsAddress:  s.GateMetricsAddress,
		ResourceBaseURL: ResourceBaseURL(o, s),
		PayerHeader:     s.PayerHeader,

		KubernetesAPIURL:    s.GateKubernetesAPIURL,
		KubernetesTokenFile: s.GateKubernetesTokenFile,
		KubernetesCAFile:    s.GateKubernetesCAFile,
	}
	if a := o.Spec.Upstream.Auth; a != nil {
		// Only the reference: Traefik's CRD provider puts the Secret's value in its
		// place when it loads the Middleware.
		c.UpstreamAuthHeader = a.Header
		if c.UpstreamAuthHeader == "" {
			c.UpstreamAuthHeader = "Authorization"
		}
		c.UpstreamAuthPrefix = a.Prefix
		c.UpstreamAuthValue = SecretURN(a.SecretRef)
	}
	f := ResolveFacilitator(o, s)
	c.FacilitatorURL = f.URL
	if f.Authorization != nil {
		c.FacilitatorHeaders = map[string]string{"Authorization": SecretURN(*f.Authorization)}
	}
	if f.CDP != nil {
		c.CDPKeyID = SecretURN(v1alpha1.SecretKeyRef{Name: f.CDP.SecretName, Key: f.CDP.KeyIDKey})
		c.CDPKeySecret = SecretURN(v1alpha1.SecretKeyRef{Name: f.CDP.SecretName, Key: f.CDP.KeySecretKey})
	}
	return c
}

// PluginConfigMap turns a plugin.Config into the map under spec.plugin.<name>: every
// field that is set, under its field name in lower camel case (Traefik matches keys
// case-insensitively). Zero values are left out so the plugin's defaults apply.
func PluginConfigMap(c plugin.Config) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		key := lowerCamel(f.Name)
		switch fv.Kind() {
		case reflect.String:
			out[key] = fv.String()
		case reflect.Int, reflect.Int32, reflect.Int64:
			out[key] = fv.Int()
		case reflect.Bool:
			out[key] = fv.Bool()
		case reflect.Map:
			m := map[string]any{}
			iter := fv.MapRange()
			for iter.Next() {
				m[iter.Key().String()] = iter.Value().Interface()
			}
			if len(m) > 0 {
				out[key] = m
			}
		default:
			panic(fmt.Sprintf("render: plugin.Config field %s has kind %s that the Middleware renderer does not know", f.Name, fv.Kind()))
		}
	}
	return out
}

// lowerCamel lower-cases a leading capital or a leading acronym: Offer → offer,
// FacilitatorURL → facilitatorURL, CDPKeyID → cdpKeyID.
func lowerCamel(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

func newObject(gvk schema.GroupVersionKind, o *v1alpha1.ServiceOffer) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(o.Namespace)
	u.SetName(ChildName(o.Name))
	u.SetLabels(map[string]string{LabelManagedBy: ManagedByValue, LabelOfferName: labelValue(o.Name)})
	return u
}

// labelValue fits an offer name into a label value (63 characters).
func labelValue(name string) string {
	if len(name) <= maxK8sNameLength {
		return name
	}
	return strings.TrimPrefix(ChildName(name), ChildNamePrefix)
}

// Middleware renders the Traefik Middleware that runs the gate for the offer.
func Middleware(o *v1alpha1.ServiceOffer, s Settings) *unstructured.Unstructured {
	u := newObject(MiddlewareGVK, o)
	u.Object["spec"] = map[string]any{
		"plugin": map[string]any{
			s.PluginName: PluginConfigMap(GateConfig(o, s)),
		},
	}
	return u
}

// Route renders the HTTPRoute or IngressRoute the offer asks for.
func Route(o *v1alpha1.ServiceOffer, s Settings) *unstructured.Unstructured {
	if o.RouteKind() == v1alpha1.RouteKindIngressRoute {
		return IngressRoute(o, s)
	}
	return HTTPRoute(o, s)
}

// HTTPRoute renders a Gateway API route for the offer's path through the gate's
// Middleware (an ExtensionRef filter, which Traefik resolves in the route's
// namespace) to the upstream Service.
func HTTPRoute(o *v1alpha1.ServiceOffer, s Settings) *unstructured.Unstructured {
	u := newObject(HTTPRouteGVK, o)
	parents := o.Spec.Route.ParentRefs
	if len(parents) == 0 {
		parents = s.DefaultParentRefs
	}
	var prefs []any
	for _, p := range parents {
		ref := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": p.Name}
		if p.Namespace != "" {
			ref["namespace"] = p.Namespace
		}
		if p.SectionName != "" {
			ref["sectionName"] = p.SectionName
		}
		prefs = append(prefs, ref)
	}
	spec := map[string]any{
		"rules": []any{map[string]any{
			"matches": []any{map[string]any{
				"path": map[string]any{"type": "PathPrefix", "value": o.EffectivePath()},
			}},
			"filters": httpRouteFilters(o),
			"backendRefs": []any{map[string]any{
				"name": o.Spec.Upstream.Service,
				"port": int64(o.Spec.Upstream.Port),
			}},
		}},
	}
	if len(prefs) > 0 {
		// Without parents the route attaches nowhere, but it is still a valid object
		// (and a Gateway may adopt it later through a policy).
		spec["parentRefs"] = prefs
	}
	if len(o.Spec.Hostnames) > 0 {
		hs := make([]any, 0, len(o.Spec.Hostnames))
		for _, h := range o.Spec.Hostnames {
			hs = append(hs, h)
		}
		spec["hostnames"] = hs
	}
	u.Object["spec"] = spec
	return u
}

// httpRouteFilters runs the gate, then (with spec.upstream.basePath) replaces the
// public prefix by the base path. Traefik applies an HTTPRoute's filters in their
// order, so the gate decides on the public path and the upstream gets its own.
func httpRouteFilters(o *v1alpha1.ServiceOffer) []any {
	filters := []any{map[string]any{
		"type": "ExtensionRef",
		"extensionRef": map[string]any{
			"group": MiddlewareGVK.Group,
			"kind":  MiddlewareGVK.Kind,
			"name":  ChildName(o.Name),
		},
	}}
	if bp := o.Spec.Upstream.BasePath; bp != "" {
		filters = append(filters, map[string]any{
			"type": "URLRewrite",
			"urlRewrite": map[string]any{
				"path": map[string]any{"type": "ReplacePrefixMatch", "replacePrefixMatch": bp},
			},
		})
	}
	return filters
}

// PathRewriteName is the name of the Middleware that rewrites an IngressRoute offer's
// path. Every ChildName starts with "turnpike-", so no offer's gate can be named so.
func PathRewriteName(offerName string) string {
	n := "turnpikepath-" + offerName
	if len(n) <= maxK8sNameLength {
		return n
	}
	return strings.TrimRight(n[:maxK8sNameLength-9], ".-") + fmt.Sprintf("-%08x", fnv32(offerName))
}

// PathRewrite renders the Middleware an IngressRoute offer with spec.upstream.basePath
// needs: a replacePathRegex with the same result as the Gateway API's
// ReplacePrefixMatch (/pub → base, /pub/x → base/x, a trailing slash kept). nil when
// the offer needs none (no basePath, or an HTTPRoute, which rewrites with a filter).
func PathRewrite(o *v1alpha1.ServiceOffer) *unstructured.Unstructured {
	bp := o.Spec.Upstream.BasePath
	if bp == "" || o.RouteKind() != v1alpha1.RouteKindIngressRoute {
		return nil
	}
	u := newObject(MiddlewareGVK, o)
	u.SetName(PathRewriteName(o.Name))
	u.Object["spec"] = map[string]any{"replacePathRegex": PathRewriteRegex(o.EffectivePath(), bp)}
	return u
}

// PathRewriteRegex is the replacePathRegex configuration (regex, replacement) that
// replaces the prefix by basePath. Traefik matches it against the escaped path; the
// CRD's patterns allow no character that escaping changes.
func PathRewriteRegex(prefix, basePath string) map[string]any {
	p := regexp.QuoteMeta(strings.TrimRight(prefix, "/"))
	b := strings.TrimRight(basePath, "/")
	if b == "" {
		// To the root: the bare prefix and the prefix with a slash become "/".
		return map[string]any{"regex": "^" + p + "/?(.*)$", "replacement": "/$1"}
	}
	return map[string]any{"regex": "^" + p + "(/.*)?$", "replacement": b + "$1"}
}

// IngressRoute renders Traefik's own route kind for the offer.
func IngressRoute(o *v1alpha1.ServiceOffer, s Settings) *unstructured.Unstructured {
	u := newObject(IngressRouteGVK, o)
	eps := o.Spec.Route.EntryPoints
	if len(eps) == 0 {
		eps = s.DefaultEntryPoints
	}
	route := map[string]any{
		"kind":        "Rule",
		"match":       IngressMatch(o.Spec.Hostnames, o.EffectivePath()),
		"middlewares": ingressMiddlewares(o),
		"services": []any{map[string]any{
			"name": o.Spec.Upstream.Service,
			"port": int64(o.Spec.Upstream.Port),
		}},
	}
	spec := map[string]any{"routes": []any{route}}
	if len(eps) > 0 {
		list := make([]any, 0, len(eps))
		for _, e := range eps {
			list = append(list, e)
		}
		spec["entryPoints"] = list
	}
	u.Object["spec"] = spec
	return u
}

// ingressMiddlewares runs the gate, then the path rewrite when the offer has one: a
// route's middlewares run in their order, so the gate decides on the public path.
func ingressMiddlewares(o *v1alpha1.ServiceOffer) []any {
	mws := []any{map[string]any{"name": ChildName(o.Name)}}
	if PathRewrite(o) != nil {
		mws = append(mws, map[string]any{"name": PathRewriteName(o.Name)})
	}
	return mws
}

// IngressMatch is the Traefik rule for a path prefix on some hosts, with the same
// element-wise prefix semantics as a Gateway API PathPrefix match: /a matches /a and
// /a/b but not /ab.
func IngressMatch(hostnames []string, path string) string {
	var pathRule string
	p := strings.TrimRight(path, "/")
	if p == "" {
		pathRule = "PathPrefix(`/`)"
	} else {
		pathRule = fmt.Sprintf("(Path(`%s`) || PathPrefix(`%s/`))", p, p)
	}
	if len(hostnames) == 0 {
		return pathRule
	}
	var hosts []string
	for _, h := range hostnames {
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			hosts = append(hosts, fmt.Sprintf("HostRegexp(`^[a-z0-9-]+\\.%s$`)", regexp.QuoteMeta(rest)))
		} else {
			hosts = append(hosts, fmt.Sprintf("Host(`%s`)", h))
		}
	}
	hostRule := strings.Join(hosts, " || ")
	if len(hosts) > 1 {
		hostRule = "(" + hostRule + ")"
	}
	return hostRule + " && " + pathRule
}
