package x402

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type staticAuth struct{ calls []string }

func (a *staticAuth) Authorization(method, host, path string) (string, error) {
	a.calls = append(a.calls, method+" "+path)
	return "Bearer test-" + path, nil
}

func TestFacilitatorClient(t *testing.T) {
	tests := []struct {
		desc       string
		handler    http.HandlerFunc
		call       string
		wantErr    error
		wantValid  bool
		wantReason string
	}{
		{
			desc: "verify valid",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"isValid":true,"payer":"0xabc"}`)
			},
			call: "verify", wantValid: true,
		},
		{
			desc: "verify rejected with 400 and a result body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"isValid":false,"invalidReason":"insufficient_funds"}`)
			},
			call: "verify", wantReason: "insufficient_funds",
		},
		{
			desc: "verify answered with HTML error page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, `<html>bad gateway</html>`)
			},
			call: "verify", wantErr: ErrFacilitatorResponse,
		},
		{
			desc: "verify answered with JSON lacking isValid",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"error":"boom"}`)
			},
			call: "verify", wantErr: ErrFacilitatorResponse,
		},
		{
			desc: "settle success",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"success":true,"transaction":"0xtx","network":"eip155:1337"}`)
			},
			call: "settle", wantValid: true,
		},
		{
			desc: "settle pending",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"success":false,"errorReason":"settlement_pending","transaction":"0xtx","network":"eip155:1337"}`)
			},
			call: "settle", wantReason: ReasonSettlementPending,
		},
		{
			desc: "settle timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
			},
			call: "settle", wantErr: ErrFacilitatorUnreachable,
		},
		{
			desc: "supported",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, `{"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:1337"}]}`)
			},
			call: "supported", wantValid: true,
		},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			var gotPath, gotKey, gotAuth string
			var gotBody VerifyRequest
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// One assignment each: Yaegi v0.16.1 drops tuple assignments to
				// variables captured by a closure.
				gotPath = r.URL.Path
				gotKey = r.Header.Get("X-Api-Key")
				gotAuth = r.Header.Get("Authorization")
				if r.Method == http.MethodPost {
					_ = json.NewDecoder(r.Body).Decode(&gotBody)
				}
				tc.handler(w, r)
			}))
			defer srv.Close()
			c, err := NewFacilitatorClient(srv.URL+"/base/", nil)
			if err != nil {
				t.Fatal(err)
			}
			c.SettleTimeout = 100 * time.Millisecond
			c.Headers = http.Header{"X-Api-Key": {"k1"}}
			auth := &staticAuth{}
			c.Auth = auth
			req := VerifyRequest{X402Version: 2, PaymentPayload: json.RawMessage(`{"x402Version":2}`), PaymentRequirements: json.RawMessage(`{"scheme":"exact"}`)}
			var valid bool
			var reason string
			switch tc.call {
			case "verify":
				var r VerifyResponse
				r, err = c.Verify(context.Background(), req)
				valid, reason = r.IsValid, r.InvalidReason
			case "settle":
				var r SettleResponse
				r, err = c.Settle(context.Background(), req)
				valid, reason = r.Success, r.ErrorReason
			case "supported":
				var r SupportedResponse
				r, err = c.Supported(context.Background())
				valid = err == nil && len(r.Kinds) == 1
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if valid != tc.wantValid || reason != tc.wantReason {
				t.Fatalf("valid=%v reason=%q, want %v %q", valid, reason, tc.wantValid, tc.wantReason)
			}
			if gotPath != "/base/"+tc.call {
				t.Fatalf("path = %q, want /base/%s", gotPath, tc.call)
			}
			if gotKey != "k1" || gotAuth != "Bearer test-/base/"+tc.call {
				t.Fatalf("headers: key=%q auth=%q", gotKey, gotAuth)
			}
			if tc.call != "supported" && (gotBody.X402Version != 2 || string(gotBody.PaymentRequirements) != `{"scheme":"exact"}`) {
				t.Fatalf("body = %+v", gotBody)
			}
		})
	}
}

func TestFacilitatorUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := NewFacilitatorClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Verify(context.Background(), VerifyRequest{}); !errors.Is(err, ErrFacilitatorUnreachable) {
		t.Fatalf("err = %v, want ErrFacilitatorUnreachable", err)
	}
}

func TestNewFacilitatorClientRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "facilitator.local", "ftp://x/y", "http://"} {
		if _, err := NewFacilitatorClient(u, nil); err == nil || !strings.Contains(err.Error(), "absolute http(s) URL") {
			t.Fatalf("NewFacilitatorClient(%q) err = %v", u, err)
		}
	}
}

func TestEncodedCalls(t *testing.T) {
	body := []byte(`{"x402Version":2,"paymentPayload":{"x":1} ,"paymentRequirements":{"y":2}}`)
	tests := []struct {
		desc     string
		timeout  time.Duration
		call     string
		answer   string
		wantErr  error
		wantPath string
	}{
		{desc: "verify without a timeout", call: "verify", answer: `{"isValid":true,"payer":"0xabc"}`, wantPath: "/verify"},
		{desc: "verify with a timeout", timeout: time.Second, call: "verify", answer: `{"isValid":true,"payer":"0xabc"}`, wantPath: "/verify"},
		{desc: "settle without a timeout", call: "settle", answer: `{"success":true,"transaction":"0x01","network":"eip155:1"}`, wantPath: "/settle"},
		{desc: "settle answer without a result", timeout: time.Second, call: "settle", answer: `{"oops":1}`, wantErr: ErrFacilitatorResponse, wantPath: "/settle"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.desc, func(t *testing.T) {
			var gotBody, gotPath, gotType string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				// One per statement: Yaegi drops tuple assignments to captured variables.
				gotBody = string(raw)
				gotPath = r.URL.Path
				gotType = r.Header.Get("Content-Type")
				_, _ = io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			c, err := NewFacilitatorClient(srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.VerifyTimeout = tc.timeout
			c.SettleTimeout = tc.timeout
			ok := false
			if tc.call == "verify" {
				res, err2 := VerifyEncoded(c, context.Background(), body)
				err = err2
				ok = res.IsValid
			} else {
				res, err2 := SettleEncoded(c, context.Background(), body)
				err = err2
				ok = res.Success
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && !ok) {
				t.Fatalf("error %v ok %v", err, ok)
			}
			if gotBody != string(body) || gotPath != tc.wantPath || gotType != "application/json" {
				t.Fatalf("facilitator got %s %q (%s), want the body verbatim", gotPath, gotBody, gotType)
			}
		})
	}
}
