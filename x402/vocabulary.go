package x402

// The vocabulary: every reason code the gate, the facilitator and the buyer write or
// interpret, with what it means for the payment that met it. reasons.go holds the
// codes of the x402 specs and SDKs; this file adds Turnpike's own and the table.
// Clients key on these strings (the buyer decides by them alone whether an
// authorization may be offered again), so a code, once shipped, is never renamed.
// internal/reasoncheck fails when code in plugin/, facilitator/, buyer/ or x402/ uses a
// code missing here, and keeps docs/reasons.md in step with the table.

// Gate refusals (plugin/).
const (
	ReasonRoutesNotLoaded   = "routes_not_loaded"
	ReasonOfferUnknown      = "offer_unknown"
	ReasonOfferDrained      = "offer_drained"
	ReasonAmbiguousPath     = "ambiguous_path"
	ReasonNoRouteRule       = "no_route_rule"
	ReasonPaymentRequired   = "payment_required"
	ReasonInvalidHeader     = "invalid_payment_header"
	ReasonNoMatch           = "no_matching_requirement"
	ReasonRecipientMismatch = "recipient_mismatch"
	ReasonAmountMismatch    = "amount_mismatch"
	ReasonNotYetValid       = "authorization_not_yet_valid"
	ReasonExpired           = "authorization_expired"
	ReasonValidityTooLong   = "authorization_validity_too_long"
	ReasonInvalidAuth       = "invalid_authorization"
	ReasonPaymentInFlight   = "payment_in_flight"
	ReasonPaymentUsed       = "payment_already_used"
	ReasonReplayGuardFull   = "replay_guard_full"
	// ReasonFacilitatorUnavailable is verify-time only: nothing was settled. A settle
	// call without a usable answer is ReasonSettlementUnknown.
	ReasonFacilitatorUnavailable = "facilitator_unavailable"
	// ReasonBuyerDisconnected is counted, never sent: the buyer hung up while its
	// payment was verified, and the gate released the authorization.
	ReasonBuyerDisconnected = "buyer_disconnected"
	ReasonPaymentInvalid    = "payment_invalid"
	ReasonSettlementFailed  = "settlement_failed"
	// ReasonSettlementUnknown is the settle-time facilitator failure: the settle call
	// gave no usable answer (transport error, timeout, 5xx, unexpected_settle_error),
	// so the payment may have been taken; the gate reconciles it and never releases
	// the authorization for reuse.
	ReasonSettlementUnknown = "settlement_unknown"
	ReasonAnswerNotKept     = "answer_not_kept"
	// ReasonOriginNotAllowed refuses a CORS preflight from a web origin the offer's
	// policy does not list; no payment is involved.
	ReasonOriginNotAllowed = "origin_not_allowed"
	// ReasonRoutesUnknownKey refuses a routes document with a key this gate does not
	// know; the last good document stays in service.
	ReasonRoutesUnknownKey = "routes_unknown_key"
)

// Facilitator codes of the turnpike-claim extension (x402/claim.go holds the two a
// gate passes on).
const (
	ReasonInvalidAttempt      = "invalid_turnpike_attempt"
	ReasonClaimStoreFull      = "claim_store_full"
	ReasonNotClaimed          = "not_claimed"
	ReasonSettlementBroadcast = "settlement_broadcast"
)

// Buyer answers to its callers and its failure labels (buyer/).
const (
	ReasonConfigNotLoaded        = "config_not_loaded"
	ReasonBadPath                = "bad_path"
	ReasonUnknownUpstream        = "unknown_upstream"
	ReasonUnknownModel           = "unknown_model"
	ReasonUnknownRoute           = "unknown_route"
	ReasonRequestBodyTooLarge    = "request_body_too_large"
	ReasonRequestBodyUnreadable  = "request_body_unreadable"
	ReasonBadUpstreamRequest     = "bad_upstream_request"
	ReasonSellerUnreachable      = "seller_unreachable"
	ReasonChallengeInvalid       = "challenge_invalid"
	ReasonSellerChallengeInvalid = "seller_challenge_invalid"
	ReasonTermsMismatch          = "terms_mismatch"
	ReasonSellerTermsMismatch    = "seller_terms_mismatch"
	ReasonStateWriteFailed       = "state_write_failed"
	ReasonNoMatchingAuth         = "no_matching_authorization"
	ReasonPoolExhausted          = "pool_exhausted"
	ReasonPaymentEncodeFailed    = "payment_encode_failed"
	// The buyer's verdicts on a seller's refusal of a paid request.
	ReasonSettledButRefused     = "settled_but_refused"
	ReasonNonceAlreadyUsed      = "nonce_already_used"
	ReasonSettlementUncertain   = "settlement_uncertain"
	ReasonAuthorizationRejected = "authorization_rejected"
	ReasonPaymentRefused        = "payment_refused"
	ReasonSellerError           = "seller_error"
)

// Fate is what a refusal carrying a code means for the payment (authorization) the
// request carried, from the payer's side.
type Fate string

const (
	// FateUnspent: refused before anything could be spent; the authorization may be
	// offered again.
	FateUnspent Fate = "unspent"
	// FateRetryLater: unspent, and the same request may succeed later (the answer
	// usually carries Retry-After).
	FateRetryLater Fate = "retry_later"
	// FateRejected: the authorization itself can never be accepted (signature,
	// window, terms); nothing was spent, but offering it again is pointless.
	FateRejected Fate = "rejected"
	// FateSpent: the authorization is used up (settled, or its nonce is used on
	// chain); never offer it again.
	FateSpent Fate = "spent"
	// FateMaybeSpent: a settlement may have happened; never offer the authorization
	// for another request, reconcile it (a retry of the same request may get its
	// answer).
	FateMaybeSpent Fate = "maybe_spent"
	// FateNone: the code is not about a payment (routing, configuration, the buyer's
	// own state).
	FateNone Fate = "none"
	// FateUnknown is what FateOf answers for a code outside the vocabulary.
	FateUnknown Fate = "unknown"
)

// Reason is one entry of the vocabulary.
type Reason struct {
	Code    string
	Fate    Fate
	Meaning string
}

// Reasons is the vocabulary. Order is the order of docs/reasons.md.
var Reasons = []Reason{
	// Gate.
	{ReasonRoutesNotLoaded, FateRetryLater, "gate: the routes document is not loaded yet (503)"},
	{ReasonOfferUnknown, FateRetryLater, "gate: the configured offer is not in the routes document (503)"},
	{ReasonOfferDrained, FateNone, "gate: the offer was withdrawn (403)"},
	{ReasonAmbiguousPath, FateNone, "gate: the request path has a spelling the gate refuses to match (400)"},
	{ReasonNoRouteRule, FateNone, "gate: no route rule covers the path under a paid prefix (403)"},
	{ReasonPaymentRequired, FateNone, "gate: no payment; the 402 challenge"},
	{ReasonInvalidHeader, FateUnspent, "gate: the payment header is not base64 JSON of a PaymentPayload, too large or ambiguous (400)"},
	{ReasonNoMatch, FateUnspent, "gate: the payment matches no offered requirement (402)"},
	{ReasonRecipientMismatch, FateRejected, "gate: authorization.to is not the requirement's payTo (402)"},
	{ReasonAmountMismatch, FateRejected, "gate: authorization.value is not the required amount (402)"},
	{ReasonNotYetValid, FateRetryLater, "gate: authorization.validAfter lies in the future (402)"},
	{ReasonExpired, FateRejected, "gate: authorization.validBefore has passed or is too close (402)"},
	{ReasonValidityTooLong, FateRejected, "gate: authorization.validBefore is further ahead than maxTimeoutSeconds allows (402)"},
	{ReasonInvalidAuth, FateRejected, "gate: authorization from, nonce or window fields are malformed (402)"},
	{ReasonPaymentInFlight, FateMaybeSpent, "gate: another request on this replica is using the authorization (402)"},
	{ReasonPaymentUsed, FateSpent, "gate: the authorization was already used for another request (402)"},
	{ReasonReplayGuardFull, FateRetryLater, "gate: too many live authorizations to accept another safely (503)"},
	{ReasonFacilitatorUnavailable, FateRetryLater, "gate: the facilitator gave no usable verify answer or is not configured; nothing was settled (503)"},
	{ReasonBuyerDisconnected, FateUnspent, "gate: the buyer closed the connection while the payment was verified; nothing was settled or forwarded, and the authorization was released here and at the facilitator (counted only; nobody is there to answer)"},
	{ReasonPaymentInvalid, FateUnspent, "gate: the facilitator refused the payment at verify; `error` holds its reason (402)"},
	{ReasonSettlementFailed, FateMaybeSpent, "gate: the facilitator refused to settle, content withheld; `error` or the receipt holds its reason (402, 409 on a retry after reconciliation)"},
	{ReasonSettlementUnknown, FateMaybeSpent, "gate: the settle call gave no usable answer; the payment may have been taken and is reconciled; retry the same request with the same payment (503)"},
	{ReasonAnswerNotKept, FateSpent, "gate: the payment was settled but its answer (streamed or too large) was not kept for a retry (409)"},
	{ReasonOriginNotAllowed, FateNone, "gate: a CORS preflight from a web origin the offer's policy does not list (403)"},
	{ReasonRoutesUnknownKey, FateNone, "gate: the routes document carries a key this gate does not know (misspelt, or from a newer controller); the last good document stays in service"},

	// Turnpike facilitator.
	{ReasonAuthorizationClaimed, FateMaybeSpent, "facilitator: another request holds the authorization's claim (gate: 409)"},
	{ReasonAuthorizationSettled, FateSpent, "facilitator: the authorization was already settled for another request (gate: 409)"},
	{ReasonInvalidAttempt, FateUnspent, "facilitator: the X-Turnpike-Attempt header is not 32 lowercase hex characters"},
	{ReasonClaimStoreFull, FateRetryLater, "facilitator: the claim store is at its bound; nothing was claimed"},
	{ReasonNotClaimed, FateUnspent, "facilitator /release: no live claim of this attempt"},
	{ReasonSettlementBroadcast, FateMaybeSpent, "facilitator /release: a transaction was sent for the claim, so it is not released"},

	// x402 specs and SDKs.
	{ReasonInsufficientFunds, FateUnspent, "x402: the payer's balance is too low"},
	{ReasonInvalidNetwork, FateUnspent, "x402: the network is not served"},
	{ReasonInvalidPayload, FateUnspent, "x402: the payment payload is malformed"},
	{ReasonInvalidRequirements, FateUnspent, "x402: the payment requirements are malformed"},
	{ReasonInvalidScheme, FateUnspent, "x402: the scheme is invalid"},
	{ReasonUnsupportedScheme, FateUnspent, "x402: the scheme is not served"},
	{ReasonInvalidVersion, FateUnspent, "x402: the x402Version is not supported"},
	{ReasonInvalidTransactionState, FateMaybeSpent, "x402: the settlement transaction is in an unexpected state"},
	{ReasonUnexpectedVerifyError, FateRetryLater, "x402: verify failed unexpectedly; nothing was settled"},
	{ReasonUnexpectedSettleError, FateMaybeSpent, "x402: settle failed unexpectedly, possibly after the broadcast"},
	{ReasonSettlementPending, FateMaybeSpent, "x402: broadcast, receipt not seen in time; reconcile with the transaction hash, never retry with a new payment"},
	{ReasonDuplicateSettlement, FateSpent, "x402 (legacy TS): the authorization was already settled"},
	{ReasonPaymentExpired, FateRejected, "x402 (legacy TS): the authorization expired"},
	{ReasonEVMScheme, FateUnspent, "exact-EVM: the payload's scheme differs from the requirements'"},
	{ReasonEVMNetworkMismatch, FateUnspent, "exact-EVM: the payload's network differs from the requirements'"},
	{ReasonEVMPayload, FateUnspent, "exact-EVM: the payload is malformed"},
	{ReasonEVMMissingSignature, FateRejected, "exact-EVM: the payload has no signature"},
	{ReasonEVMMissingDomain, FateUnspent, "exact-EVM: the requirements lack the token's EIP-712 name and version"},
	{ReasonEVMRecipientMismatch, FateRejected, "exact-EVM: the authorization pays someone other than payTo"},
	{ReasonEVMPayloadRecipientMismatch, FateRejected, "exact-EVM (spec §9 spelling): the authorization pays someone other than payTo"},
	{ReasonEVMValueMismatch, FateRejected, "exact-EVM: the authorization value differs from the required amount"},
	{ReasonEVMAuthorizationValue, FateRejected, "exact-EVM (v1 spelling): the authorization value differs from the required amount"},
	{ReasonEVMNonceUsed, FateSpent, "exact-EVM: the authorization nonce is already used on chain"},
	{ReasonEVMFailedCheckNonce, FateRetryLater, "exact-EVM: the nonce could not be checked"},
	{ReasonEVMInsufficientBalance, FateUnspent, "exact-EVM: the payer's token balance is below the amount"},
	{ReasonEVMFailedGetBalance, FateRetryLater, "exact-EVM: the balance could not be read"},
	{ReasonEVMSignatureFormat, FateRejected, "exact-EVM: the signature is malformed"},
	{ReasonEVMSignature, FateRejected, "exact-EVM: the signature is not the payer's"},
	{ReasonEVMPayloadSignature, FateRejected, "exact-EVM (spec §9 spelling): the signature is not the payer's"},
	{ReasonEVMValidBefore, FateRejected, "exact-EVM: the authorization expired or expires too soon"},
	{ReasonEVMValidAfter, FateRetryLater, "exact-EVM: the authorization is not valid yet"},
	{ReasonEVMTokenNameMismatch, FateRejected, "exact-EVM: the token's EIP-712 name differs from the signed one"},
	{ReasonEVMTokenVersionMismatch, FateRejected, "exact-EVM: the token's EIP-712 version differs from the signed one"},
	{ReasonEVMSimulationFailed, FateUnspent, "exact-EVM: transferWithAuthorization does not simulate"},
	{ReasonEVMEIP3009NotSupported, FateUnspent, "exact-EVM: the asset does not implement EIP-3009"},
	{ReasonEVMFailedExecuteTransfer, FateMaybeSpent, "exact-EVM: the transfer could not be broadcast"},
	{ReasonEVMFailedGetReceipt, FateMaybeSpent, "exact-EVM: the transaction's receipt could not be read"},
	{ReasonEVMTransactionFailed, FateMaybeSpent, "exact-EVM: the transaction failed on chain"},

	// Buyer.
	{ReasonConfigNotLoaded, FateNone, "buyer: no upstream configuration loaded yet (503)"},
	{ReasonBadPath, FateNone, "buyer: the request path cannot be routed (400)"},
	{ReasonUnknownUpstream, FateNone, "buyer: no upstream of that name (404)"},
	{ReasonUnknownModel, FateNone, "buyer: no upstream serves that model (404)"},
	{ReasonUnknownRoute, FateNone, "buyer: neither /upstream/<name>/... nor an OpenAI-style path (404)"},
	{ReasonRequestBodyTooLarge, FateNone, "buyer: the request body exceeds the buffer kept for the paid retry (413)"},
	{ReasonRequestBodyUnreadable, FateNone, "buyer: the request body could not be read (400)"},
	{ReasonBadUpstreamRequest, FateNone, "buyer: the request to the seller could not be built (502)"},
	{ReasonSellerUnreachable, FateNone, "buyer: the seller did not answer; a paid attempt that may have reached it keeps its authorization held (502)"},
	{ReasonChallengeInvalid, FateNone, "buyer failure label: the seller's 402 had no usable requirements"},
	{ReasonSellerChallengeInvalid, FateNone, "buyer: the seller's 402 had no usable requirements (502)"},
	{ReasonTermsMismatch, FateNone, "buyer failure label: the seller asks for terms the buyer did not agree to"},
	{ReasonSellerTermsMismatch, FateNone, "buyer: the seller asks for terms the buyer did not agree to (502)"},
	{ReasonStateWriteFailed, FateNone, "buyer: the authorization could not be recorded before spending, so nothing was paid (500)"},
	{ReasonNoMatchingAuth, FateNone, "buyer: no pre-signed authorization fits the seller's requirements (503)"},
	{ReasonPoolExhausted, FateNone, "buyer: no usable pre-signed authorization left (503)"},
	{ReasonPaymentEncodeFailed, FateNone, "buyer: the payment header could not be encoded (500)"},
	{ReasonSettledButRefused, FateMaybeSpent, "buyer verdict: the seller refused but its receipt shows a settlement"},
	{ReasonNonceAlreadyUsed, FateSpent, "buyer verdict: the seller says the authorization is used up; the next one is tried"},
	{ReasonSettlementUncertain, FateMaybeSpent, "buyer verdict: a settlement may have happened; the authorization stays held"},
	{ReasonAuthorizationRejected, FateRejected, "buyer verdict: the authorization can never be accepted; it is discarded"},
	{ReasonPaymentRefused, FateUnspent, "buyer verdict: the seller refused the payment before spending it; it is reused"},
	{ReasonSellerError, FateUnspent, "buyer verdict: the seller failed without touching the payment; it is reused"},
}

// reasonIndex is built once when the package loads (not on a request path).
var reasonIndex = indexReasons()

func indexReasons() map[string]Fate {
	m := make(map[string]Fate, len(Reasons))
	for i := 0; i < len(Reasons); i++ {
		m[Reasons[i].Code] = Reasons[i].Fate
	}
	return m
}

// KnownReason reports whether code is in the vocabulary.
func KnownReason(code string) bool {
	_, ok := reasonIndex[code]
	return ok
}

// FateOf is what code means for the payment that met it; FateUnknown outside the
// vocabulary.
func FateOf(code string) Fate {
	if f, ok := reasonIndex[code]; ok {
		return f
	}
	return FateUnknown
}

// ErrorBody is the JSON of every non-402 refusal by the gate and the buyer (402
// refusals keep the x402 wire shape, see plugin/challenge). Error and Reason hold the
// same stable code: Reason is the field Turnpike clients key on; Error is what generic
// clients show (x402 clients read `error` of a 402 body as a code, OpenAI-style SDKs
// print it), so a code there, never a title, means the same in every answer. Message
// tells a person what to do. Exported fields only: Yaegi marshals unexported ones
// under other names.
type ErrorBody struct {
	Error   string `json:"error"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// NewErrorBody is the refusal with code and message.
func NewErrorBody(code, message string) ErrorBody {
	return ErrorBody{Error: code, Reason: code, Message: message}
}
