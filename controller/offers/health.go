package offers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
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
	resp, err := h.get(ctx, svc, port, path, "turnpike-controller/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s answered %d", path, resp.StatusCode)
	}
	return nil
}

// get sends one GET to the upstream, bounded by the checker's timeout. The caller
// closes the body.
func (h *HTTPHealth) get(ctx context.Context, svc *corev1.Service, port int32, path, agent string) (*http.Response, error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	base := "http://" + svc.Name + "." + svc.Namespace + ".svc:" + strconv.Itoa(int(port))
	if h.BaseURL != nil {
		base = h.BaseURL(svc, port)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("request %s: %w", path, err)
	}
	req.Header.Set("User-Agent", agent)
	c := h.Client
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the request's timeout when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// ModelLister reads the names of the models an inference upstream serves.
type ModelLister interface {
	ListModels(ctx context.Context, svc *corev1.Service, port int32, runtime string) ([]string, error)
}

// ErrUnauthorized is a model list answered 401 or 403.
var ErrUnauthorized = errors.New("the model list wants a credential")

// modelListLimit bounds the model list read from an upstream.
const modelListLimit = 4 << 20

// ModelsPath is where a runtime lists its models: Ollama's own tags listing, or the
// OpenAI-compatible listing vLLM, TGI and the others serve.
func ModelsPath(runtime string) string {
	if runtime == v1alpha1.RuntimeOllama {
		return "/api/tags"
	}
	return "/v1/models"
}

// ListModels implements ModelLister with one GET, bounded by the same timeout as the
// health check. Ollama lists models[].name (and models[].model); the
// OpenAI-compatible listing has data[].id.
func (h *HTTPHealth) ListModels(ctx context.Context, svc *corev1.Service, port int32, runtime string) ([]string, error) {
	path := ModelsPath(runtime)
	resp, err := h.get(ctx, svc, port, path, "turnpike-controller/models")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, modelListLimit))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", path, err)
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, fmt.Errorf("GET %s answered %d: %w", path, resp.StatusCode, ErrUnauthorized)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("GET %s answered %d", path, resp.StatusCode)
	}
	var list struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("GET %s: not a model list: %w", path, err)
	}
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, m := range list.Models {
		add(m.Name)
		add(m.Model)
	}
	for _, m := range list.Data {
		add(m.ID)
	}
	return names, nil
}
