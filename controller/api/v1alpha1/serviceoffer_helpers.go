package v1alpha1

import (
	"time"
)

// EffectivePath is the path prefix the offer claims: spec.path, or /services/<name>.
func (o *ServiceOffer) EffectivePath() string {
	if o.Spec.Path != "" {
		return o.Spec.Path
	}
	return "/services/" + o.Name
}

// RouteKind is the kind of route object the offer asks for (HTTPRoute by default).
func (o *ServiceOffer) RouteKind() string {
	if o.Spec.Route.Kind == "" {
		return RouteKindHTTPRoute
	}
	return o.Spec.Route.Kind
}

// IsDraining reports whether a drain was requested (it may already be over).
func (o *ServiceOffer) IsDraining() bool { return o.Spec.DrainAt != nil }

// DrainGrace is the grace period: spec.drainGracePeriod, or one hour when unset (the
// API server defaults it too; this covers objects built in code).
func (o *ServiceOffer) DrainGrace() time.Duration {
	if o.Spec.DrainGracePeriod == nil {
		return time.Hour
	}
	if o.Spec.DrainGracePeriod.Duration < 0 {
		return 0
	}
	return o.Spec.DrainGracePeriod.Duration
}

// DrainEndsAt is drainAt + grace, or the zero time when the offer is not draining.
func (o *ServiceOffer) DrainEndsAt() time.Time {
	if o.Spec.DrainAt == nil {
		return time.Time{}
	}
	return o.Spec.DrainAt.Add(o.DrainGrace())
}

// DrainExpired reports whether the drain is over at now: the route must be gone.
func (o *ServiceOffer) DrainExpired(now time.Time) bool {
	return o.IsDraining() && !now.Before(o.DrainEndsAt())
}

// RegistrationEnabled reports whether the offer takes part in ERC-8004 registration.
func (o *ServiceOffer) RegistrationEnabled() bool {
	return o.Spec.Registration != nil && o.Spec.Registration.Enabled
}

// OfferType is spec.type, or http when unset (objects built in code).
func (o *ServiceOffer) OfferType() string {
	if o.Spec.Type == "" {
		return OfferTypeHTTP
	}
	return o.Spec.Type
}

// TokensPerRequest is spec.payment.approxTokensPerRequest, or 1000 when unset.
func (o *ServiceOffer) TokensPerRequest() int64 {
	if o.Spec.Payment.ApproxTokensPerRequest <= 0 {
		return 1000
	}
	return o.Spec.Payment.ApproxTokensPerRequest
}
