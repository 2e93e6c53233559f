package x402

// The turnpike-claim extension makes a facilitator the one serialization point for an
// authorization across every gate replica: a gate names each paid request with a
// fresh attempt id, /verify claims the authorization for that attempt, and only the
// claiming attempt's /settle may move money. A third-party facilitator that does not
// know the extension simply never confirms a claim, and the gate falls back to its
// safe default (see docs/gate.md, "Guarantees").
//
// Wire contract (Turnpike facilitator and gate):
//   - GET /supported lists ExtensionClaim in `extensions`.
//   - /verify, /settle and /release carry HeaderAttempt: 32 lowercase hex characters,
//     fresh per paid request.
//   - /verify, all checks passed and the claim taken (or already held by this
//     attempt): isValid true and extensions[ExtensionClaim] = ClaimInfo{Attempt,
//     ExpiresAt}. Held by another live attempt: isValid false, invalidReason
//     ReasonAuthorizationClaimed. Already settled: isValid false, invalidReason
//     ReasonAuthorizationSettled.
//   - /settle by the claiming attempt: settles as usual and is idempotent for that
//     attempt (a repeat gets the same answer: this is how an unknown outcome is
//     reconciled). By another attempt, or with no attempt while a claim is live:
//     success false, errorReason ReasonAuthorizationClaimed or
//     ReasonAuthorizationSettled; it never answers success for a transfer another
//     attempt made.
//   - POST /release (same body as /verify): drops a claim this attempt holds that was
//     never broadcast, so the buyer may use the authorization again; answers
//     ReleaseResponse.
const (
	ExtensionClaim = "turnpike-claim"
	HeaderAttempt  = "X-Turnpike-Attempt"

	// ReasonAuthorizationClaimed: another request (possibly on another gate replica)
	// holds this authorization right now.
	ReasonAuthorizationClaimed = "authorization_claimed"
	// ReasonAuthorizationSettled: the authorization was already settled for another
	// request; one payment buys one answer.
	ReasonAuthorizationSettled = "authorization_settled"
)

// ClaimInfo is the value of extensions[ExtensionClaim] in a /verify or /settle answer.
type ClaimInfo struct {
	Attempt string `json:"attempt"`
	// ExpiresAt: unix seconds after which an unsettled claim lapses (validBefore).
	ExpiresAt int64 `json:"expiresAt"`
}

// ReleaseResponse is the answer to POST /release.
type ReleaseResponse struct {
	Released bool   `json:"released"`
	Reason   string `json:"reason,omitempty"`
}
