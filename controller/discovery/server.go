package discovery

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// Handler serves the documents from the offers a reader (the manager's cache) holds.
// Every replica serves them, leader or not, so discovery survives a leader change.
type Handler struct {
	Reader   client.Reader
	Settings render.Settings
	Agent    Agent
	Now      func() time.Time
}

func (h *Handler) catalog(ctx context.Context) (Catalog, error) {
	var list v1alpha1.ServiceOfferList
	if err := h.Reader.List(ctx, &list); err != nil {
		return Catalog{}, err
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	return Catalog{Offers: list.Items, Now: now, Settings: h.Settings, Agent: h.Agent}, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD")
		return
	}
	switch r.URL.Path {
	case PathSkill, PathServices, PathRegistration:
	default:
		writeError(w, http.StatusNotFound, "not_found", "no such document")
		return
	}
	c, err := h.catalog(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "catalog_unavailable", "offers cannot be read yet")
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=30")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch r.URL.Path {
	case PathSkill:
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = w.Write([]byte(c.Skill()))
	case PathServices:
		writeJSON(w, c.Services())
	case PathRegistration:
		writeJSON(w, c.Registration())
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode_failed", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(data, '\n'))
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	data, _ := json.Marshal(map[string]string{"error": reason, "message": msg})
	_, _ = w.Write(append(data, '\n'))
}

// RouteSettings say where the discovery route goes.
type RouteSettings struct {
	Namespace   string
	Name        string
	Hostnames   []string
	ParentRefs  []v1alpha1.ParentRef
	ServiceName string
	ServicePort int32
}

// Route renders the HTTPRoute that exposes exactly the three documents on the
// configured hostnames. Nothing else of the controller (metrics, health) is routed.
// It returns nil without hostnames: a route without hostnames would answer on every
// host the Gateway serves.
func Route(s RouteSettings) *unstructured.Unstructured {
	if len(s.Hostnames) == 0 {
		return nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(render.HTTPRouteGVK)
	u.SetNamespace(s.Namespace)
	u.SetName(s.Name)
	u.SetLabels(map[string]string{render.LabelManagedBy: render.ManagedByValue})
	var parents []any
	for _, p := range s.ParentRefs {
		ref := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": p.Name}
		if p.Namespace != "" {
			ref["namespace"] = p.Namespace
		}
		if p.SectionName != "" {
			ref["sectionName"] = p.SectionName
		}
		parents = append(parents, ref)
	}
	var matches []any
	for _, p := range []string{PathSkill, PathServices, PathRegistration} {
		matches = append(matches, map[string]any{"path": map[string]any{"type": "Exact", "value": p}})
	}
	hosts := make([]any, 0, len(s.Hostnames))
	for _, h := range s.Hostnames {
		hosts = append(hosts, h)
	}
	spec := map[string]any{
		"hostnames": hosts,
		"rules": []any{map[string]any{
			"matches": matches,
			"backendRefs": []any{map[string]any{
				"name": s.ServiceName,
				"port": int64(s.ServicePort),
			}},
		}},
	}
	if len(parents) > 0 {
		spec["parentRefs"] = parents
	}
	u.Object["spec"] = spec
	return u
}
