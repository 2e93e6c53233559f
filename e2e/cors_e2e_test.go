//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/turnpike-x402/turnpike/devchain"
	"github.com/turnpike-x402/turnpike/plugin/routes"
	"github.com/turnpike-x402/turnpike/x402"
)

// TestCORSThroughTraefik checks the gate's cross-origin answers inside real Traefik
// (Yaegi): preflights, a 402 a page on another origin can read, refusals, the paid
// answer with its receipt behind an upstream that sends CORS headers of its own, and
// an origin an offer does not list.
func TestCORSThroughTraefik(t *testing.T) {
	const app, other = "https://app.example.com", "https://other.example.com"
	w := startChainWorld(t)
	seller := w.chain.Account(devchain.RoleSeller).Address

	open := shopOffer(w.payment(seller))
	listed := routes.Offer{Namespace: "shop", Name: "listed", State: routes.StateActive, PathPrefix: "/listed",
		Payments: []routes.Payment{w.payment(seller)},
		CORS:     &routes.CORS{AllowOrigins: []string{app}, MaxAgeSeconds: 120}}

	// An upstream with a CORS policy of its own: on a paid path it must not become a
	// second Allow-Origin (browsers reject two) or allow credentials.
	upURL := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://upstream-choice.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"content":%q}`, paidMarker)
	}))
	tr := startOffers(t, upURL, gatedOffer{open, w.facURL}, gatedOffer{listed, w.facURL})

	buyer := w.newBuyer(t)
	preflight := []string{"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "payment-signature,access-control-expose-headers"}
	tests := []struct {
		desc    string
		method  string
		path    string
		origin  string
		headers func(t *testing.T, url string) []string
		status  int
		allow   []string // Access-Control-Allow-Origin values; nil: none
		vary    bool
		reason  string
		check   func(t *testing.T, a answer)
	}{
		{desc: "preflight for a paid path allows the payment headers", method: http.MethodOptions, path: "/api/report", origin: app,
			headers: func(*testing.T, string) []string { return preflight }, status: http.StatusNoContent, allow: []string{"*"},
			check: func(t *testing.T, a answer) {
				ah := strings.ToLower(a.Header.Get("Access-Control-Allow-Headers"))
				for _, want := range []string{"payment-signature", "x-payment", "access-control-expose-headers", "content-type"} {
					if !strings.Contains(ah, want) {
						t.Errorf("Allow-Headers %q lacks %s", ah, want)
					}
				}
				if got := a.Header.Get("Access-Control-Max-Age"); got != "600" {
					t.Errorf("Max-Age %q, want 600", got)
				}
			}},
		{desc: "preflight from a listed origin is echoed with the offer's max-age", method: http.MethodOptions, path: "/listed/report", origin: app,
			headers: func(*testing.T, string) []string { return preflight }, status: http.StatusNoContent, allow: []string{app}, vary: true,
			check: func(t *testing.T, a answer) {
				if got := a.Header.Get("Access-Control-Max-Age"); got != "120" {
					t.Errorf("Max-Age %q, want 120", got)
				}
			}},
		{desc: "preflight from an unlisted origin is refused", method: http.MethodOptions, path: "/listed/report", origin: other,
			headers: func(*testing.T, string) []string { return preflight }, status: http.StatusForbidden, vary: true, reason: "origin_not_allowed"},
		{desc: "402 is readable cross-origin", path: "/api/report", origin: other, status: http.StatusPaymentRequired, allow: []string{"*"},
			check: func(t *testing.T, a answer) {
				if a.Header.Get(x402.HeaderPaymentRequired) == "" {
					t.Errorf("no PAYMENT-REQUIRED")
				}
			}},
		{desc: "402 for an unlisted origin carries no Allow-Origin", path: "/listed/report", origin: other, status: http.StatusPaymentRequired, vary: true},
		{desc: "a refusal is readable cross-origin", path: "/api/report", origin: app, status: http.StatusBadRequest, allow: []string{"*"}, reason: "invalid_payment_header",
			headers: func(*testing.T, string) []string { return []string{x402.HeaderPaymentSignature, "not-base64!"} }},
		{desc: "paid 200 carries the receipt and only the gate's Allow-Origin", path: "/api/paid-a", origin: app, status: http.StatusOK, allow: []string{"*"},
			headers: func(t *testing.T, url string) []string {
				return []string{x402.HeaderPaymentSignature, signedPayment(t, url, buyer)}
			},
			check: paidCheck},
		{desc: "paid 200 for a listed origin echoes it", path: "/listed/paid-b", origin: app, status: http.StatusOK, allow: []string{app}, vary: true,
			headers: func(t *testing.T, url string) []string {
				return []string{x402.HeaderPaymentSignature, signedPayment(t, url, buyer)}
			},
			check: paidCheck},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			url := tr.URL(tc.path)
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			hdr := []string{"Origin", tc.origin}
			if tc.headers != nil {
				hdr = append(hdr, tc.headers(t, url)...)
			}
			a := request(t, method, url, hdr...)
			if a.Status != tc.status {
				t.Fatalf("%s", a.String())
			}
			if got := a.Header.Values("Access-Control-Allow-Origin"); !reflect.DeepEqual(got, tc.allow) {
				t.Errorf("Allow-Origin %q, want %q", got, tc.allow)
			}
			if got := strings.Contains(strings.Join(a.Header.Values("Vary"), ","), "Origin"); got != tc.vary {
				t.Errorf("Vary names Origin = %v, want %v", got, tc.vary)
			}
			if tc.allow != nil {
				exposed := strings.Join(a.Header.Values("Access-Control-Expose-Headers"), ",")
				for _, want := range []string{"PAYMENT-REQUIRED", "PAYMENT-RESPONSE", "X-PAYMENT-RESPONSE", "Retry-After"} {
					if !strings.Contains(exposed, want) {
						t.Errorf("Expose-Headers %q lacks %s", exposed, want)
					}
				}
			}
			if a.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("credentials allowed: %v", a.Header)
			}
			if tc.reason != "" {
				if got := reasonIn(a.Body); got != tc.reason {
					t.Errorf("reason %q, want %q (%s)", got, tc.reason, a.String())
				}
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func paidCheck(t *testing.T, a answer) {
	t.Helper()
	if !strings.Contains(string(a.Body), paidMarker) {
		t.Errorf("no paid content: %s", a.String())
	}
	if sr := receipt(t, a.Header.Get(x402.HeaderPaymentResponse)); !sr.Success {
		t.Errorf("receipt %+v", sr)
	}
}
