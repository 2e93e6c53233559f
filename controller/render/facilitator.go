package render

import (
	"fmt"
	"net/url"
	"strings"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/x402"
)

// Addresses of the facilitators an offer can name by provider.
const (
	// X402OrgFacilitatorURL is the public facilitator of x402.org. It settles on test
	// networks only (its /supported lists no mainnet), so a mainnet offer is refused.
	X402OrgFacilitatorURL = "https://x402.org/facilitator"
	// CDPFacilitatorURL is Coinbase Developer Platform's facilitator; every call
	// carries a JWT signed with a CDP API key.
	CDPFacilitatorURL = "https://api.cdp.coinbase.com/platform/v2/x402"
)

// Default Secret keys of a CDP API key (the CRD's defaults for spec.facilitator.cdp).
const (
	DefaultCDPKeyIDKey     = "keyId"
	DefaultCDPKeySecretKey = "keySecret"
)

// More reason codes of the spec checks.
const (
	// ReasonFacilitatorTestnetOnly: the offer's facilitator settles on test networks
	// only and the offer accepts a payment on a mainnet (or a chain not known as a
	// testnet).
	ReasonFacilitatorTestnetOnly = "FacilitatorTestnetOnly"
	// ReasonFacilitatorCredentials: the CDP facilitator was chosen and no Secret
	// holding the API key is named, by the offer or by the controller's default.
	ReasonFacilitatorCredentials = "FacilitatorCredentialsMissing"
)

// Facilitator is the facilitator an offer's gate calls and how it authenticates.
type Facilitator struct {
	// Provider is turnpike, x402.org or cdp; "" when the offer names only a URL.
	Provider string
	URL      string
	// CDP names the Secret holding the CDP API key (keys defaulted); nil: none.
	CDP *v1alpha1.CDPSpec
	// Authorization is a Secret key whose value is sent as the Authorization header.
	Authorization *v1alpha1.SecretKeyRef
}

// ResolveFacilitator applies the offer's spec.facilitator over the controller's
// default: a provider picks its address (turnpike: the controller's -facilitator-url;
// x402.org; cdp: Coinbase's, with the offer's CDP Secret or the controller's default
// one), a URL overrides the address.
func ResolveFacilitator(o *v1alpha1.ServiceOffer, s Settings) Facilitator {
	f := Facilitator{Provider: s.FacilitatorProvider}
	if f.Provider == "" {
		f.Provider = v1alpha1.FacilitatorTurnpike
	}
	var cdp *v1alpha1.CDPSpec
	if spec := o.Spec.Facilitator; spec != nil {
		switch {
		case spec.Provider != "":
			f.Provider = spec.Provider
		case spec.URL != "":
			f.Provider = ""
		}
		f.URL = spec.URL
		cdp = spec.CDP
		f.Authorization = spec.AuthorizationSecretRef
	}
	switch f.Provider {
	case v1alpha1.FacilitatorTurnpike:
		if f.URL == "" {
			f.URL = s.FacilitatorURL
		}
	case v1alpha1.FacilitatorX402Org:
		if f.URL == "" {
			f.URL = X402OrgFacilitatorURL
		}
	case v1alpha1.FacilitatorCDP:
		if f.URL == "" {
			f.URL = CDPFacilitatorURL
		}
		if cdp == nil && s.DefaultCDP.SecretName != "" {
			d := s.DefaultCDP
			cdp = &d
		}
	}
	if cdp != nil {
		c := *cdp
		if c.KeyIDKey == "" {
			c.KeyIDKey = DefaultCDPKeyIDKey
		}
		if c.KeySecretKey == "" {
			c.KeySecretKey = DefaultCDPKeySecretKey
		}
		f.CDP = &c
	}
	return f
}

// testnetOnly reports whether a facilitator settles on test networks only: x402.org,
// by provider or by address.
func (f Facilitator) testnetOnly() bool {
	if f.Provider == v1alpha1.FacilitatorX402Org {
		return true
	}
	u, err := url.Parse(f.URL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "x402.org" || h == "www.x402.org"
}

// CheckFacilitator refuses an offer its facilitator cannot serve: x402.org with a
// payment option on a mainnet (or on a chain not known as a testnet: the table in
// x402/presets.go decides, never the name), and cdp without an API key.
func CheckFacilitator(o *v1alpha1.ServiceOffer, s Settings) error {
	f := ResolveFacilitator(o, s)
	if f.Provider == v1alpha1.FacilitatorCDP && f.CDP == nil {
		return &Problem{ReasonFacilitatorCredentials,
			"the cdp facilitator needs an API key: set spec.facilitator.cdp.secretName (a Secret in this namespace with keys keyId and keySecret), or start the controller with -cdp-secret"}
	}
	if !f.testnetOnly() {
		return nil
	}
	for i, a := range o.Spec.Payment.Accepts {
		testnet, known := x402.IsTestnet(a.Network)
		if testnet {
			continue
		}
		what := "a mainnet"
		if !known {
			what = "not a network known as a testnet"
		}
		return &Problem{ReasonFacilitatorTestnetOnly, fmt.Sprintf(
			"facilitator %s settles on test networks only, and spec.payment.accepts[%d].network %s is %s: use provider cdp (with an API key Secret), turnpike, or your own facilitator url for real payments, or a testnet such as base-sepolia",
			f.URL, i, a.Network, what)}
	}
	return nil
}
