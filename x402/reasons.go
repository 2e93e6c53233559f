package x402

// Facilitator reason codes Turnpike produces or interprets (x402 specs §9 and the
// exact-EVM sets). They are stable API: clients and dashboards key on them.
const (
	ReasonInsufficientFunds       = "insufficient_funds"
	ReasonInvalidNetwork          = "invalid_network"
	ReasonInvalidPayload          = "invalid_payload"
	ReasonInvalidRequirements     = "invalid_payment_requirements"
	ReasonInvalidScheme           = "invalid_scheme"
	ReasonUnsupportedScheme       = "unsupported_scheme"
	ReasonInvalidVersion          = "invalid_x402_version"
	ReasonInvalidTransactionState = "invalid_transaction_state"
	ReasonUnexpectedVerifyError   = "unexpected_verify_error"
	ReasonUnexpectedSettleError   = "unexpected_settle_error"
	// ReasonSettlementPending: broadcast, receipt not seen in time. Terminal for the
	// request (never retried): the transaction hash lets the caller reconcile.
	ReasonSettlementPending = "settlement_pending"
	// Legacy TypeScript (v1 runtime) codes other facilitators still send.
	ReasonDuplicateSettlement = "duplicate_settlement"
	ReasonPaymentExpired      = "payment_expired"

	ReasonEVMScheme                = "invalid_exact_evm_scheme"
	ReasonEVMNetworkMismatch       = "invalid_exact_evm_network_mismatch"
	ReasonEVMPayload               = "invalid_exact_evm_payload"
	ReasonEVMMissingSignature      = "invalid_exact_evm_payload_missing_signature"
	ReasonEVMMissingDomain         = "invalid_exact_evm_missing_eip712_domain"
	ReasonEVMRecipientMismatch     = "invalid_exact_evm_recipient_mismatch"
	ReasonEVMValueMismatch         = "invalid_exact_evm_payload_authorization_value_mismatch"
	ReasonEVMNonceUsed             = "invalid_exact_evm_nonce_already_used"
	ReasonEVMFailedCheckNonce      = "invalid_exact_evm_failed_to_check_nonce"
	ReasonEVMInsufficientBalance   = "invalid_exact_evm_insufficient_balance"
	ReasonEVMFailedGetBalance      = "invalid_exact_evm_failed_to_get_balance"
	ReasonEVMSignatureFormat       = "invalid_exact_evm_signature_format"
	ReasonEVMSignature             = "invalid_exact_evm_signature"
	ReasonEVMValidBefore           = "invalid_exact_evm_payload_authorization_valid_before"
	ReasonEVMValidAfter            = "invalid_exact_evm_payload_authorization_valid_after"
	ReasonEVMTokenNameMismatch     = "invalid_exact_evm_token_name_mismatch"
	ReasonEVMTokenVersionMismatch  = "invalid_exact_evm_token_version_mismatch"
	ReasonEVMSimulationFailed      = "invalid_exact_evm_transaction_simulation_failed"
	ReasonEVMEIP3009NotSupported   = "invalid_exact_evm_eip3009_not_supported"
	ReasonEVMFailedExecuteTransfer = "invalid_exact_evm_failed_to_execute_transfer"
	ReasonEVMTransactionFailed     = "invalid_exact_evm_transaction_failed"
	ReasonEVMFailedGetReceipt      = "invalid_exact_evm_failed_to_get_receipt"

	// The spec §9 (v2 and v1) spellings of codes the SDKs spell differently.
	ReasonEVMPayloadSignature         = "invalid_exact_evm_payload_signature"
	ReasonEVMPayloadRecipientMismatch = "invalid_exact_evm_payload_recipient_mismatch"
	ReasonEVMAuthorizationValue       = "invalid_exact_evm_authorization_value"
)

// ClockSkewMarginSeconds is the margin the official facilitators require between now
// and validBefore at verify and settle time.
const ClockSkewMarginSeconds = 6
