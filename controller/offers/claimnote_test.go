package offers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
)

type fakeClaims struct {
	ok  map[string]bool
	err error
	got []string
}

func (f *fakeClaims) SupportsClaims(_ context.Context, url string) (bool, error) {
	f.got = append(f.got, url)
	return f.ok[url], f.err
}

func TestClaimNote(t *testing.T) {
	ours := "http://turnpike-facilitator:4020"
	third := "https://x402.org/facilitator"
	tests := []struct {
		desc     string
		claims   *fakeClaims
		override string
		provider string
		wantURL  string
		want     string
	}{
		{desc: "our facilitator claims", claims: &fakeClaims{ok: map[string]bool{ours: true}}, wantURL: ours, want: "claims each authorization"},
		{desc: "third-party facilitator named by the offer", claims: &fakeClaims{ok: map[string]bool{ours: true}}, override: third, wantURL: third,
			want: "does not claim authorizations across gate replicas, so every path settles before the upstream"},
		{desc: "facilitator unreachable", claims: &fakeClaims{err: errors.New("connection refused")}, wantURL: ours,
			want: "could not ask facilitator"},
		{desc: "cdp provider: known not to claim, not asked", claims: &fakeClaims{ok: map[string]bool{ours: true}}, provider: v1alpha1.FacilitatorCDP,
			want: "(provider cdp) does not claim authorizations"},
		{desc: "x402.org provider: known not to claim, not asked", claims: &fakeClaims{ok: map[string]bool{ours: true}}, provider: v1alpha1.FacilitatorX402Org,
			want: "(provider x402.org) does not claim authorizations"},
		{desc: "no checker: no note", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := &Reconciler{Settings: render.Settings{FacilitatorURL: ours}}
			if tc.claims != nil {
				r.Claims = tc.claims
			}
			o := &v1alpha1.ServiceOffer{}
			if tc.override != "" || tc.provider != "" {
				o.Spec.Facilitator = &v1alpha1.FacilitatorSpec{URL: tc.override, Provider: tc.provider}
			}
			got := r.claimNote(context.Background(), o)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Fatalf("note %q, want it to contain %q", got, tc.want)
			}
			if tc.claims != nil && tc.wantURL == "" && len(tc.claims.got) != 0 {
				t.Fatalf("asked %v, want no request", tc.claims.got)
			}
			if tc.claims != nil && tc.wantURL != "" && (len(tc.claims.got) != 1 || tc.claims.got[0] != tc.wantURL) {
				t.Fatalf("asked %v, want [%s]", tc.claims.got, tc.wantURL)
			}
		})
	}
}
