package offers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// HealthChecker asks an upstream whether it can serve.
type HealthChecker interface {
	Check(ctx context.Context, svc *corev1.Service, port int32, path string) error
}

// HTTPHealth GETs the health path through the Service's cluster DNS name. Only a 2xx
// answer is healthy: a redirect to a login page or a 404 from the wrong port is not.
type HTTPHealth struct {
	Client  *http.Client
	Timeout time.Duration
	// BaseURL maps a Service and port to a base URL. Default:
	// http://<name>.<namespace>.svc:<port>.
	BaseURL func(svc *corev1.Service, port int32) string
}

// Check implements HealthChecker.
func (h *HTTPHealth) Check(ctx context.Context, svc *corev1.Service, port int32, path string) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := "http://" + svc.Name + "." + svc.Namespace + ".svc:" + strconv.Itoa(int(port))
	if h.BaseURL != nil {
		base = h.BaseURL(svc, port)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return fmt.Errorf("health request: %w", err)
	}
	req.Header.Set("User-Agent", "turnpike-controller/health")
	c := h.Client
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s answered %d", path, resp.StatusCode)
	}
	return nil
}
