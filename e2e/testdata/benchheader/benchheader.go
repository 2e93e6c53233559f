// Package benchheader is the smallest useful Yaegi middleware: it sets one response
// header. The benchmark runs it to measure what any interpreted plugin costs, so the
// gate's own cost can be read above that floor.
package benchheader

import (
	"context"
	"net/http"
)

// Config holds the header value.
type Config struct {
	Value string
}

// CreateConfig returns the default configuration.
func CreateConfig() *Config { return &Config{Value: "1"} }

type handler struct {
	next  http.Handler
	value string
}

// New builds the middleware.
func New(_ context.Context, next http.Handler, cfg *Config, _ string) (http.Handler, error) {
	return &handler{next: next, value: cfg.Value}, nil
}

func (h *handler) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	rw.Header().Set("X-Bench", h.value)
	h.next.ServeHTTP(rw, req)
}
