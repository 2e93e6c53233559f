package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types of a PurchaseRequest.
const (
	// ConditionProbed: the seller endpoint answered 402 with terms that match spec.payment.
	ConditionProbed = "Probed"
	// ConditionAuthorizationsReady: the pool holds usable pre-signed authorizations.
	ConditionAuthorizationsReady = "AuthorizationsReady"
)

// PurchaseRequestSpec buys a bounded number of calls to a seller's x402 endpoint. The
// buyer sidecar pays each call with one pre-signed EIP-3009 authorization from a pool;
// the most a buyer can lose is the pool size times the price.
type PurchaseRequestSpec struct {
	// endpoint is the seller's paid URL prefix, e.g. https://seller.example/services/weather.
	// +required
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=2048
	Endpoint string `json:"endpoint"`

	// count is how many calls to pay for: the number of authorizations signed into
	// the pool.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2500
	Count int32 `json:"count"`

	// payment is the terms the buyer agrees to. Authorizations are signed for exactly
	// these terms; a seller asking for more is refused.
	// +required
	Payment PurchasePayment `json:"payment"`

	// preSignedAuths are authorizations signed elsewhere (the buyer holds no key).
	// Exactly one of preSignedAuths, preSignedAuthsSecretRef and signerSecretRef
	// should be set.
	// +optional
	// +kubebuilder:validation:MaxItems=2500
	PreSignedAuths []PreSignedAuth `json:"preSignedAuths,omitempty"`

	// preSignedAuthsSecretRef names a Secret key holding a JSON array of
	// PreSignedAuth objects.
	// +optional
	PreSignedAuthsSecretRef *SecretKeyRef `json:"preSignedAuthsSecretRef,omitempty"`

	// signerSecretRef names a Secret key holding the hex private key the controller
	// signs authorizations with. The key never reaches the buyer sidecar.
	// +optional
	SignerSecretRef *SecretKeyRef `json:"signerSecretRef,omitempty"`

	// autoRefill signs more authorizations when the pool runs low (needs
	// signerSecretRef).
	// +optional
	AutoRefill *AutoRefill `json:"autoRefill,omitempty"`
}

// PurchasePayment is what one call costs, as the buyer agreed to pay it.
type PurchasePayment struct {
	// network is the chain as a CAIP-2 identifier, e.g. eip155:84532.
	// +required
	// +kubebuilder:validation:Pattern=`^eip155:[0-9]{1,20}$`
	Network string `json:"network"`

	// payTo is the seller's receiving address.
	// +required
	// +kubebuilder:validation:Pattern=`^0x[0-9a-fA-F]{40}$`
	PayTo string `json:"payTo"`

	// amount is the price of one call in the token's smallest unit.
	// +required
	// +kubebuilder:validation:Pattern=`^[0-9]{1,78}$`
	Amount string `json:"amount"`

	// asset is the token contract address.
	// +required
	// +kubebuilder:validation:Pattern=`^0x[0-9a-fA-F]{40}$`
	Asset string `json:"asset"`

	// assetSymbol is for display and metrics labels, e.g. USDC.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	AssetSymbol string `json:"assetSymbol,omitempty"`

	// assetDecimals is for display only.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=255
	AssetDecimals *int32 `json:"assetDecimals,omitempty"`

	// eip712Name is the token's EIP-712 domain name.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	EIP712Name string `json:"eip712Name,omitempty"`

	// eip712Version is the token's EIP-712 domain version.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	EIP712Version string `json:"eip712Version,omitempty"`

	// validForSeconds is how long each signed authorization stays valid.
	// +optional
	// +kubebuilder:default=86400
	// +kubebuilder:validation:Minimum=60
	ValidForSeconds int64 `json:"validForSeconds,omitempty"`
}

// PreSignedAuth is one authorization of the pool.
type PreSignedAuth struct {
	// id identifies the authorization in the buyer's spent list. Defaults to the
	// authorization nonce.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	ID string `json:"id,omitempty"`

	// payment is a complete x402 v2 PaymentPayload object, sent as is.
	// +required
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	Payment apiextensionsv1.JSON `json:"payment"`
}

// AutoRefill keeps the pool topped up within spending limits.
type AutoRefill struct {
	// enabled turns refilling on.
	// +optional
	// +kubebuilder:default=false
	Enabled bool `json:"enabled"`

	// threshold: refill when fewer than this many authorizations remain.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Threshold int32 `json:"threshold,omitempty"`

	// count is how many authorizations one refill signs.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2500
	Count int32 `json:"count,omitempty"`

	// maxTotal caps the authorizations ever signed for this request.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxTotal *int32 `json:"maxTotal,omitempty"`

	// maxSpendPerDay caps what may be signed in any rolling 24 h window (not per
	// calendar day), in the token's smallest unit: a refill that would take the value
	// signed in the last 24 h above it signs fewer or none.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{1,78}$`
	MaxSpendPerDay string `json:"maxSpendPerDay,omitempty"`
}

// PurchaseRequestStatus is the pool as the buyer sees it.
type PurchaseRequestStatus struct {
	// observedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Probed, AuthorizationsReady, Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// remaining is the number of unspent authorizations in the pool.
	// +optional
	Remaining int32 `json:"remaining"`

	// spent is the number of authorizations used from the current pool.
	// +optional
	Spent int32 `json:"spent"`

	// totalSigned is the number of authorizations ever signed for this request.
	// +optional
	TotalSigned int32 `json:"totalSigned,omitempty"`

	// totalSpent is the amount ever spent, in the token's smallest unit.
	// +optional
	TotalSpent string `json:"totalSpent,omitempty"`

	// probedPrice is the amount the seller asked for at the last probe.
	// +optional
	ProbedPrice string `json:"probedPrice,omitempty"`

	// probedAt is the time of the last probe.
	// +optional
	ProbedAt *metav1.Time `json:"probedAt,omitempty"`

	// signerAddress is the address that signs the authorizations.
	// +optional
	SignerAddress string `json:"signerAddress,omitempty"`
}

// PurchaseRequest pre-pays calls to another x402 service: the buyer sidecar answers
// its 402 challenges with authorizations from a bounded pool.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=pr;purchase,categories=turnpike
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.spec.endpoint`
// +kubebuilder:printcolumn:name="Amount",type=string,JSONPath=`.spec.payment.amount`
// +kubebuilder:printcolumn:name="Remaining",type=integer,JSONPath=`.status.remaining`
// +kubebuilder:printcolumn:name="Spent",type=integer,JSONPath=`.status.spent`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PurchaseRequest struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the buyer wants to buy.
	// +required
	Spec PurchaseRequestSpec `json:"spec"`

	// status is the state of the pool.
	// +optional
	Status PurchaseRequestStatus `json:"status,omitempty"`
}

// PurchaseRequestList is a list of PurchaseRequests.
//
// +kubebuilder:object:root=true
type PurchaseRequestList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PurchaseRequest `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PurchaseRequest{}, &PurchaseRequestList{})
}
