//go:build e2e || bench

package e2e

// dynConfig builds the file provider's dynamic configuration.
type dynConfig struct {
	routers     map[string]any
	services    map[string]any
	middlewares map[string]any
}

func newDyn() *dynConfig {
	return &dynConfig{routers: map[string]any{}, services: map[string]any{}, middlewares: map[string]any{}}
}

// Router adds a router on the web entry point. priority 0 leaves Traefik's default
// (rule length).
func (d *dynConfig) Router(name, rule, service string, priority int, middlewares ...string) *dynConfig {
	r := map[string]any{"rule": rule, "service": service, "entryPoints": []string{"web"}}
	if priority != 0 {
		r["priority"] = priority
	}
	if len(middlewares) > 0 {
		r["middlewares"] = middlewares
	}
	d.routers[name] = r
	return d
}

// Service adds a load-balanced service with one server.
func (d *dynConfig) Service(name, url string) *dynConfig {
	// Traefik's defaults on purpose (no responseForwarding.flushInterval): the SSE
	// check proves streams pass through as a user would configure them.
	d.services[name] = map[string]any{"loadBalancer": map[string]any{
		"servers": []map[string]any{{"url": url}},
	}}
	return d
}

// Plugin adds a plugin middleware.
func (d *dynConfig) Plugin(name, plugin string, conf map[string]any) *dynConfig {
	d.middlewares[name] = map[string]any{"plugin": map[string]any{plugin: conf}}
	return d
}

// Middleware adds any other middleware definition (e.g. forwardAuth).
func (d *dynConfig) Middleware(name string, def map[string]any) *dynConfig {
	d.middlewares[name] = def
	return d
}

// Map is the document to write.
func (d *dynConfig) Map() map[string]any {
	// Empty sections are left out: Traefik's decoder refuses `routers: {}`.
	http := map[string]any{}
	if len(d.routers) > 0 {
		http["routers"] = d.routers
	}
	if len(d.services) > 0 {
		http["services"] = d.services
	}
	if len(d.middlewares) > 0 {
		http["middlewares"] = d.middlewares
	}
	return map[string]any{"http": http}
}
