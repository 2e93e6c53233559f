package claimprobe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestSupportsClaims(t *testing.T) {
	tests := []struct {
		desc    string
		status  int
		body    string
		want    bool
		wantErr bool
	}{
		{desc: "lists turnpike-claim", status: 200, body: `{"kinds":[],"extensions":["bazaar","turnpike-claim"]}`, want: true},
		{desc: "third-party facilitator without the extension", status: 200, body: `{"kinds":[{"x402Version":2,"scheme":"exact","network":"eip155:8453"}],"extensions":["bazaar"]}`},
		{desc: "no extensions at all", status: 200, body: `{"kinds":[]}`},
		{desc: "similar name is not the extension", status: 200, body: `{"kinds":[],"extensions":["turnpike-claims"]}`},
		{desc: "server error is an error, not a no", status: 502, body: `bad gateway`, wantErr: true},
		{desc: "not JSON", status: 200, body: `<html>`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/supported" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			got, err := (&Probe{}).SupportsClaims(context.Background(), srv.URL+"/")
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("SupportsClaims = %v, %v; want %v, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestSupportsClaimsCachesPerURL(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte(`{"kinds":[],"extensions":["turnpike-claim"]}`))
	}))
	defer srv.Close()
	now := time.Unix(1000, 0)
	p := &Probe{TTL: time.Minute, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if ok, err := p.SupportsClaims(context.Background(), srv.URL); !ok || err != nil {
			t.Fatalf("call %d: %v %v", i, ok, err)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d GETs within the TTL, want 1", calls.Load())
	}
	now = now.Add(2 * time.Minute)
	_, _ = p.SupportsClaims(context.Background(), srv.URL)
	if calls.Load() != 2 {
		t.Fatalf("%d GETs after the TTL, want 2", calls.Load())
	}
}
