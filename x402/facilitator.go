package x402

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Errors of the facilitator client, for errors.Is. Unreachable covers transport
// failures and timeouts; Response covers answers that are not a verify/settle result.
var (
	ErrFacilitatorUnreachable = errors.New("facilitator unreachable")
	ErrFacilitatorResponse    = errors.New("facilitator answered with an unusable response")
)

// maxFacilitatorBody bounds what we read from a facilitator answer.
const maxFacilitatorBody = 1 << 20

// Authenticator mints the Authorization header value for one facilitator call
// (e.g. a CDP JWT, whose claims name the method, host and path).
type Authenticator interface {
	Authorization(method, host, path string) (string, error)
}

// FacilitatorClient calls an x402 facilitator's /verify, /settle and /supported.
type FacilitatorClient struct {
	baseURL *url.URL
	http    *http.Client
	// Per-call timeouts; zero means no timeout beyond the caller's context.
	VerifyTimeout    time.Duration
	SettleTimeout    time.Duration
	SupportedTimeout time.Duration
	// Headers are sent on every call (static API keys).
	Headers http.Header
	// Auth, when set, adds a per-request Authorization header.
	Auth Authenticator
}

// NewFacilitatorClient returns a client for the facilitator at baseURL (trailing
// slashes are ignored). httpClient nil means a dedicated client with sane pooling.
func NewFacilitatorClient(baseURL string, httpClient *http.Client) (*FacilitatorClient, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("facilitator URL %q must be an absolute http(s) URL", baseURL)
	}
	if httpClient == nil {
		httpClient = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
		}}
	}
	return &FacilitatorClient{
		baseURL:          u,
		http:             httpClient,
		VerifyTimeout:    5 * time.Second,
		SettleTimeout:    30 * time.Second,
		SupportedTimeout: 5 * time.Second,
	}, nil
}

// BaseURL returns the facilitator's base URL.
func (c *FacilitatorClient) BaseURL() string { return c.baseURL.String() }

// Verify calls POST /verify. A facilitator that rejects with a non-2xx status but a
// well-formed {isValid:false} body yields that body and no error.
func (c *FacilitatorClient) Verify(ctx context.Context, req VerifyRequest) (VerifyResponse, error) {
	var out VerifyResponse
	err := c.call(ctx, http.MethodPost, "/verify", c.VerifyTimeout, req, &out, "isValid")
	return out, err
}

// Settle calls POST /settle, with the same error convention as Verify.
func (c *FacilitatorClient) Settle(ctx context.Context, req VerifyRequest) (SettleResponse, error) {
	var out SettleResponse
	err := c.call(ctx, http.MethodPost, "/settle", c.SettleTimeout, req, &out, "success")
	return out, err
}

// Supported calls GET /supported.
func (c *FacilitatorClient) Supported(ctx context.Context) (SupportedResponse, error) {
	var out SupportedResponse
	err := c.call(ctx, http.MethodGet, "/supported", c.SupportedTimeout, nil, &out, "kinds")
	return out, err
}

func (c *FacilitatorClient) call(ctx context.Context, method, path string, timeout time.Duration, in, out any, mustHave string) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("facilitator %s: encode request: %w", path, err)
		}
		body = bytes.NewReader(raw)
	}
	u := *c.baseURL
	u.Path = c.baseURL.Path + path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("facilitator %s: %w", path, err)
	}
	for k, vs := range c.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Auth != nil {
		tok, err := c.Auth.Authorization(method, u.Host, u.Path)
		if err != nil {
			return fmt.Errorf("facilitator %s: mint authorization: %w", path, err)
		}
		req.Header.Set("Authorization", tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrFacilitatorUnreachable, method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxFacilitatorBody))
	if err != nil {
		return fmt.Errorf("%w: %s %s: reading answer: %v", ErrFacilitatorUnreachable, method, path, err)
	}
	// A rejection is often sent with 400; what matters is whether the body is a
	// result object, so look for its defining field before trusting the status.
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) == nil {
		if _, ok := probe[mustHave]; ok {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("%w: %s %s: %v", ErrFacilitatorResponse, method, path, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s %s: HTTP %d: %s", ErrFacilitatorResponse, method, path, resp.StatusCode, snippet(raw))
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
