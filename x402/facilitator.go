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
	base    string // baseURL rendered once
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
		base:             u.String(),
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
	err := facilitatorCall(c, ctx, http.MethodPost, "/verify", c.VerifyTimeout, req, &out, "isValid")
	return out, err
}

// Settle calls POST /settle, with the same error convention as Verify.
func (c *FacilitatorClient) Settle(ctx context.Context, req VerifyRequest) (SettleResponse, error) {
	var out SettleResponse
	err := facilitatorCall(c, ctx, http.MethodPost, "/settle", c.SettleTimeout, req, &out, "success")
	return out, err
}

// VerifyEncoded is Verify for a request the caller encoded itself (the JSON of a
// VerifyRequest): the gate splices it once for both calls instead of marshalling it
// twice. A plain function: cheaper than a method under Yaegi.
func VerifyEncoded(c *FacilitatorClient, ctx context.Context, body []byte) (VerifyResponse, error) {
	var out VerifyResponse
	err := facilitatorCall(c, ctx, http.MethodPost, "/verify", c.VerifyTimeout, body, &out, "isValid")
	return out, err
}

// SettleEncoded is Settle for a request the caller encoded itself, as VerifyEncoded.
func SettleEncoded(c *FacilitatorClient, ctx context.Context, body []byte) (SettleResponse, error) {
	var out SettleResponse
	err := facilitatorCall(c, ctx, http.MethodPost, "/settle", c.SettleTimeout, body, &out, "success")
	return out, err
}

// VerifyEncodedWith is VerifyEncoded with headers for this one call (nil: none), e.g.
// the turnpike-claim attempt id. Plain functions: cheaper than methods under Yaegi.
func VerifyEncodedWith(c *FacilitatorClient, ctx context.Context, body []byte, hdr http.Header) (VerifyResponse, error) {
	var out VerifyResponse
	err := postEncoded(c, ctx, "/verify", c.VerifyTimeout, body, &out, "isValid", prefixIsValid, hdr)
	return out, err
}

// SettleEncodedWith is SettleEncoded with headers for this one call (nil: none).
func SettleEncodedWith(c *FacilitatorClient, ctx context.Context, body []byte, hdr http.Header) (SettleResponse, error) {
	var out SettleResponse
	err := postEncoded(c, ctx, "/settle", c.SettleTimeout, body, &out, "success", prefixSuccess, hdr)
	return out, err
}

// VerifyInto is VerifyEncodedWith decoding into out, which the caller owns: under
// Yaegi a result struct returned by value is one more copy per call.
func VerifyInto(c *FacilitatorClient, ctx context.Context, body []byte, hdr http.Header, out *VerifyResponse) error {
	return postEncoded(c, ctx, "/verify", c.VerifyTimeout, body, out, "isValid", prefixIsValid, hdr)
}

// SettleInto is SettleEncodedWith decoding into out, as VerifyInto.
func SettleInto(c *FacilitatorClient, ctx context.Context, body []byte, hdr http.Header, out *SettleResponse) error {
	return postEncoded(c, ctx, "/settle", c.SettleTimeout, body, out, "success", prefixSuccess, hdr)
}

// ReleaseEncoded calls POST /release of the turnpike-claim extension with the body
// sent to /verify and the attempt's headers, bounded by the verify timeout: it drops
// the claim so the buyer may use the authorization again.
func ReleaseEncoded(c *FacilitatorClient, ctx context.Context, body []byte, hdr http.Header) (ReleaseResponse, error) {
	var out ReleaseResponse
	err := facilitatorCallWith(c, ctx, http.MethodPost, "/release", c.VerifyTimeout, body, &out, "released", hdr)
	return out, err
}

// Supported calls GET /supported.
func (c *FacilitatorClient) Supported(ctx context.Context) (SupportedResponse, error) {
	var out SupportedResponse
	err := facilitatorCall(c, ctx, http.MethodGet, "/supported", c.SupportedTimeout, nil, &out, "kinds")
	return out, err
}

var jsonContentType = []string{"application/json"}

// facilitatorCall does one facilitator round trip; in is nil, the encoded body
// ([]byte) or a value to encode. It is a plain function with the error wording in
// small helpers because the gate runs it under Yaegi, where methods of interpreted
// types are slow to call, every call allocates all of its function's value slots,
// used or not, and a defer costs more allocations (so the timeout's cancel is called
// on each way out instead).
func facilitatorCall(c *FacilitatorClient, ctx context.Context, method, path string, timeout time.Duration, in, out any, mustHave string) error {
	return facilitatorCallWith(c, ctx, method, path, timeout, in, out, mustHave, nil)
}

// facilitatorCallWith is facilitatorCall plus per-call headers (hdr, nil: none), set
// by direct map assignment: the keys must be canonical.
func facilitatorCallWith(c *FacilitatorClient, ctx context.Context, method, path string, timeout time.Duration, in, out any, mustHave string, hdr http.Header) error {
	var body io.Reader
	if in != nil {
		raw, ok := in.([]byte)
		if !ok {
			var err error
			if raw, err = json.Marshal(in); err != nil {
				return callError(path, "encode request", err)
			}
		}
		body = bytes.NewReader(raw)
	}
	cancel := noCancel
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		cancel()
		return callError(path, "build request", err)
	}
	if len(c.Headers) > 0 || c.Auth != nil {
		if err := addCallHeaders(c, req, method, path); err != nil {
			cancel()
			return err
		}
	}
	if in != nil {
		req.Header["Content-Type"] = jsonContentType
	}
	req.Header["Accept"] = jsonContentType
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return unreachable(method, path, "", err)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxFacilitatorBody))
	resp.Body.Close()
	cancel()
	if err != nil {
		return unreachable(method, path, "reading answer: ", err)
	}
	return decodeResult(raw, out, mustHave, method, path, resp.StatusCode)
}

// CallHeader returns the headers of the calls of one attempt (verify, settle,
// release): the JSON content type and accept, and X-Turnpike-Attempt. Passed to the
// *EncodedWith functions it becomes the request's header map as it is, without a
// copy: it must not be changed once in use.
func CallHeader(attempt string) http.Header {
	return http.Header{"Content-Type": jsonContentType, "Accept": jsonContentType, HeaderAttempt: []string{attempt}}
}

// The start of a result body whose defining field comes first (as encoding/json and
// JSON.stringify write the x402 results): such a body has that key at the top
// level, so it needs no probe.
var (
	prefixIsValid = []byte(`{"isValid":`)
	prefixSuccess = []byte(`{"success":`)
)

// postEncoded is facilitatorCallWith for the gate's paid path, in fewer interpreted
// statements: a POST of an encoded body, a timeout, and per-call headers that already
// hold Content-Type and Accept (CallHeader), so they serve as the request's header map
// as they are; no static headers or Authenticator. Anything else takes
// facilitatorCallWith, whose result it equals: hdr's values override the two defaults
// there, and a body that begins with prefix (`{"mustHave":`) is a JSON object with that
// key at the top level whenever it decodes, which is what the probe establishes.
func postEncoded(c *FacilitatorClient, ctx context.Context, path string, timeout time.Duration, body []byte, out any, mustHave string, prefix []byte, hdr http.Header) error {
	if timeout <= 0 || len(c.Headers) > 0 || c.Auth != nil || hdr["Content-Type"] == nil || hdr["Accept"] == nil {
		return facilitatorCallWith(c, ctx, http.MethodPost, path, timeout, body, out, mustHave, hdr)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		cancel()
		return callError(path, "build request", err)
	}
	req.Header = hdr
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return unreachable(http.MethodPost, path, "", err)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxFacilitatorBody))
	resp.Body.Close()
	cancel()
	if err != nil {
		return unreachable(http.MethodPost, path, "reading answer: ", err)
	}
	if bytes.HasPrefix(raw, prefix) && json.Unmarshal(raw, out) == nil {
		return nil
	}
	return decodeResult(raw, out, mustHave, http.MethodPost, path, resp.StatusCode)
}

// noCancel stands in for a timeout's cancel when there is no timeout.
func noCancel() {}

// addCallHeaders adds the static headers and the per-call Authorization.
func addCallHeaders(c *FacilitatorClient, req *http.Request, method, path string) error {
	for k, vs := range c.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.Auth != nil {
		tok, err := c.Auth.Authorization(method, c.baseURL.Host, c.baseURL.Path+path)
		if err != nil {
			return callError(path, "mint authorization", err)
		}
		req.Header.Set("Authorization", tok)
	}
	return nil
}

// decodeResult accepts any answer whose body is a result object: a rejection is
// often sent with 400, so the defining field counts, not the status.
func decodeResult(raw []byte, out any, mustHave, method, path string, status int) error {
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) == nil {
		if _, ok := probe[mustHave]; ok {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("%w: %s %s: %v", ErrFacilitatorResponse, method, path, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s %s: HTTP %d: %s", ErrFacilitatorResponse, method, path, status, snippet(raw))
}

func callError(path, what string, err error) error {
	return fmt.Errorf("facilitator %s: %s: %w", path, what, err)
}

func unreachable(method, path, what string, err error) error {
	return fmt.Errorf("%w: %s %s: %s%v", ErrFacilitatorUnreachable, method, path, what, err)
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
