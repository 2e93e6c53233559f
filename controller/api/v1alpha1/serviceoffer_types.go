package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types of a ServiceOffer. Ready is the summary: True only when the upstream
// is healthy, the gate and the route are published and registration (when enabled) is
// done.
const (
	ConditionUpstreamHealthy  = "UpstreamHealthy"
	ConditionModelReady       = "ModelReady"
	ConditionPaymentGateReady = "PaymentGateReady"
	ConditionRoutePublished   = "RoutePublished"
	ConditionRegistered       = "Registered"
	ConditionDraining         = "Draining"
	ConditionReady            = "Ready"
)

// Route kinds the controller can publish.
const (
	RouteKindHTTPRoute    = "HTTPRoute"
	RouteKindIngressRoute = "IngressRoute"
)

// Offer types. http is any API; inference is a model server (spec.model says which
// model, and the upstream's model list must contain it); agent is an agent's API.
const (
	OfferTypeHTTP      = "http"
	OfferTypeInference = "inference"
	OfferTypeAgent     = "agent"
)

// Model runtimes: how the controller asks the upstream for its model list (ollama:
// GET /api/tags; the others: GET /v1/models, the OpenAI-compatible listing).
const (
	RuntimeOllama           = "ollama"
	RuntimeVLLM             = "vllm"
	RuntimeTGI              = "tgi"
	RuntimeOpenAICompatible = "openai-compatible"
)

// Facilitator providers an offer (or the controller's default) can name.
const (
	FacilitatorTurnpike = "turnpike"
	FacilitatorX402Org  = "x402.org"
	FacilitatorCDP      = "cdp"
)

// Settlement modes. After the response is the default: the buyer pays only for an
// answer the upstream gave (status < 400). Before the upstream suits streams and
// side-effecting calls, where the content cannot be withheld afterwards.
const (
	SettleAfterResponse  = "afterResponse"
	SettleBeforeUpstream = "beforeUpstream"
)

// DefaultDrainGracePeriod is how long a draining offer stays routable and payable when
// spec.drainGracePeriod is not set.
const DefaultDrainGracePeriod = "1h"

// ServiceOfferSpec declares an HTTP service in the offer's namespace that buyers pay
// per request, in tokens, through the x402 gate running inside Traefik.
//
// +kubebuilder:validation:XValidation:rule="!has(self.type) || self.type != 'inference' || has(self.model)",message="an inference offer names its model in spec.model"
type ServiceOfferSpec struct {
	// type is what is sold: http (any API, the default), inference (a model server;
	// spec.model names the model) or agent (an agent's API).
	// +optional
	// +kubebuilder:default=http
	// +kubebuilder:validation:Enum=http;inference;agent
	Type string `json:"type,omitempty"`

	// model is the model an inference offer serves. The offer is Ready only while the
	// upstream's model list contains it (condition ModelReady).
	// +optional
	Model *ModelSpec `json:"model,omitempty"`

	// upstream is the Service (in the offer's namespace) that answers paid requests.
	// The offer is published only while its health path answers 2xx.
	// +required
	Upstream UpstreamSpec `json:"upstream"`

	// path is the URL path prefix buyers call, e.g. /services/weather. Every request
	// under it is paid unless a rule in paths marks it free. Defaults to
	// /services/<offer name>. Two offers may not claim the same path on the same host:
	// the older offer keeps it.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/_.~-]*$`
	Path string `json:"path,omitempty"`

	// hostnames restricts the route to these host names. Empty means every host the
	// parent Gateway (or entry point) accepts.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=set
	// +kubebuilder:validation:items:Pattern=`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:items:MaxLength=253
	Hostnames []string `json:"hostnames,omitempty"`

	// description tells buyers what they pay for. It is public: it appears in 402
	// challenges and in the discovery documents.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`

	// mimeType is the media type of the paid responses, e.g. application/json.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	MimeType string `json:"mimeType,omitempty"`

	// payment lists what the gate accepts in exchange for one request.
	// +required
	Payment PaymentSpec `json:"payment"`

	// settlement says when the gate settles a verified payment: afterResponse (after
	// the upstream answered below 400; the buyer is not charged for errors) or
	// beforeUpstream (before the upstream is called; needed for streams). Event
	// streams always settle before the upstream.
	// +optional
	// +kubebuilder:default=afterResponse
	// +kubebuilder:validation:Enum=afterResponse;beforeUpstream
	Settlement string `json:"settlement,omitempty"`

	// paths overrides the offer-wide terms for parts of the path: free health or
	// documentation endpoints, a different amount or settlement mode. The first
	// matching rule wins; requests that match no rule use the offer-wide terms.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Paths []PathRule `json:"paths,omitempty"`

	// cors says which web origins may read the gate's answers for this offer (the
	// 402 challenge, refusals, the paid answer and its receipt), so browser x402
	// clients on other sites can pay. Absent: any origin. Credentials (cookies, HTTP
	// authentication) are never allowed.
	// +optional
	CORS *CORSSpec `json:"cors,omitempty"`

	// route says how the offer is exposed through Traefik.
	// +optional
	Route RouteSpec `json:"route,omitempty"`

	// facilitator overrides the controller's default x402 facilitator for this offer.
	// +optional
	Facilitator *FacilitatorSpec `json:"facilitator,omitempty"`

	// registration publishes the offer in the seller's ERC-8004 agent registration
	// (an on-chain identity NFT whose URI points at the registration document).
	// +optional
	Registration *RegistrationSpec `json:"registration,omitempty"`

	// drainAt starts a drain: from this time the offer is no longer advertised as
	// available, but its route and gate keep serving until drainAt + drainGracePeriod,
	// so buyers holding pre-signed payments can use them up. Then the route and the
	// gate are removed and the offer stays as a record. Clear it to cancel the drain
	// before it ends.
	// +optional
	DrainAt *metav1.Time `json:"drainAt,omitempty"`

	// drainGracePeriod is how long the route stays up after drainAt, e.g. 30m or 2h.
	// Zero tears the route down at the next reconcile.
	// +optional
	// +kubebuilder:default="1h"
	DrainGracePeriod *metav1.Duration `json:"drainGracePeriod,omitempty"`
}

// CORSSpec is an offer's cross-origin policy.
type CORSSpec struct {
	// allowOrigins lists the origins (scheme://host[:port], no path) whose pages
	// may read the answers: a listed origin is echoed in
	// Access-Control-Allow-Origin, others get none and their preflights 403
	// origin_not_allowed. Empty or ["*"]: any origin.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^(\*|https?://[^/?#*]+)$`
	AllowOrigins []string `json:"allowOrigins,omitempty"`

	// maxAgeSeconds is how long a browser may cache a preflight answer; 0 or
	// absent: 600.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	MaxAgeSeconds int32 `json:"maxAgeSeconds,omitempty"`
}

// UpstreamSpec points at the Service that serves paid requests.
type UpstreamSpec struct {
	// service is the name of a Service in the offer's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Service string `json:"service"`

	// port is the Service port that serves HTTP.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// healthPath is requested (GET, 2 s timeout) before the offer is published and on
	// every reconcile; only a 2xx answer counts as healthy.
	// +optional
	// +kubebuilder:default="/health"
	// +kubebuilder:validation:Pattern=`^/`
	// +kubebuilder:validation:MaxLength=256
	HealthPath string `json:"healthPath,omitempty"`

	// basePath is the path the upstream serves the offer under: the public prefix
	// (spec.path) is replaced by it before the request reaches the upstream, so
	// /services/llm/v1/chat/completions arrives as /v1/chat/completions with
	// basePath "/". Absent: the upstream sees the public path unchanged.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/_.~-]*$`
	BasePath string `json:"basePath,omitempty"`

	// auth is a credential the upstream needs, e.g. the API key of an
	// OpenAI-compatible server. The gate adds it only to paid requests it forwards;
	// the value stays in the Secret (Traefik reads it), never in a ConfigMap, a
	// Middleware, a log or a metric.
	// +optional
	Auth *UpstreamAuthSpec `json:"auth,omitempty"`
}

// UpstreamAuthSpec is a header whose value comes from a Secret.
type UpstreamAuthSpec struct {
	// header is the request header that carries the credential.
	// +optional
	// +kubebuilder:default=Authorization
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9-]+$`
	Header string `json:"header,omitempty"`

	// secretRef is the Secret key (in the offer's namespace) holding the value.
	// +required
	SecretRef SecretKeyRef `json:"secretRef"`

	// prefix is put before the Secret's value, e.g. "Bearer " when the Secret holds
	// a bare API key.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	Prefix string `json:"prefix,omitempty"`
}

// ModelSpec names the model an inference offer sells.
type ModelSpec struct {
	// name is the model as the upstream lists it, e.g. llama3.2:3b or
	// meta-llama/Llama-3.1-8B-Instruct.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`

	// runtime is the model server's kind: ollama, vllm, tgi or openai-compatible
	// (the default). It decides how the model list is read.
	// +optional
	// +kubebuilder:default=openai-compatible
	// +kubebuilder:validation:Enum=ollama;vllm;tgi;openai-compatible
	Runtime string `json:"runtime,omitempty"`
}

// PaymentSpec is the price of one request: one or more accepted options, of which
// the buyer pays exactly one.
type PaymentSpec struct {
	// payTo is the address that receives the payments (an EVM address).
	// +required
	// +kubebuilder:validation:Pattern=`^0x[0-9a-fA-F]{40}$`
	PayTo string `json:"payTo"`

	// maxTimeoutSeconds is how long a payment authorization may take to settle.
	// +optional
	// +kubebuilder:default=300
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=86400
	MaxTimeoutSeconds int64 `json:"maxTimeoutSeconds,omitempty"`

	// accepts lists the payment options, e.g. USDC on Base and USDC on Base Sepolia.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	Accepts []PaymentOption `json:"accepts"`

	// approxTokensPerRequest is how many tokens one request is taken to use when an
	// option is priced perMTok: the per-request amount is perMTok ×
	// approxTokensPerRequest / 1,000,000, rounded up to the token's smallest unit.
	// +optional
	// +kubebuilder:default=1000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000000
	ApproxTokensPerRequest int64 `json:"approxTokensPerRequest,omitempty"`
}

// PaymentOption is one way to pay: a token on a chain, and the price of one request
// as exactly one of amount (smallest units), price (the token's units) or perMTok.
//
// +kubebuilder:validation:XValidation:rule="(has(self.amount) ? 1 : 0) + (has(self.price) ? 1 : 0) + (has(self.perMTok) ? 1 : 0) == 1",message="set exactly one of amount, price and perMTok"
type PaymentOption struct {
	// scheme is the x402 payment scheme. Only exact (a fixed amount, transferred with
	// an EIP-3009 authorization) is supported.
	// +optional
	// +kubebuilder:default=exact
	// +kubebuilder:validation:Enum=exact
	Scheme string `json:"scheme,omitempty"`

	// network is the chain: a CAIP-2 identifier (eip155:8453) or a preset name
	// (base, base-sepolia, ...; see docs/go-live.md). A preset also fills in the
	// network's canonical USDC as the asset when asset.address is left out.
	// +required
	// +kubebuilder:validation:MaxLength=48
	// +kubebuilder:validation:Pattern=`^(eip155:[0-9]{1,20}|[a-z][a-z0-9-]{1,40})$`
	Network string `json:"network"`

	// amount is the price of one request in the token's smallest unit, as a decimal
	// integer string: "10000" is 0.01 USDC (6 decimals). Zero is not a price: mark
	// free paths in spec.paths instead.
	// +optional
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{0,77}$`
	Amount string `json:"amount,omitempty"`

	// price is the price of one request in the token's units, as people write it:
	// "0.01" is 0.01 USDC. It is converted exactly with the asset's decimals; a
	// price finer than the smallest unit is refused.
	// +optional
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	Price string `json:"price,omitempty"`

	// perMTok is the price of one million tokens in the token's units, for
	// inference: each request is charged perMTok × spec.payment.approxTokensPerRequest
	// / 1,000,000, and the 402 challenge says how the amount was derived.
	// +optional
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	PerMTok string `json:"perMTok,omitempty"`

	// asset is the token contract. May be left out on a preset network, which
	// means its USDC.
	// +optional
	Asset AssetSpec `json:"asset,omitempty"`

	// payTo overrides spec.payment.payTo for this option.
	// +optional
	// +kubebuilder:validation:Pattern=`^0x[0-9a-fA-F]{40}$`
	PayTo string `json:"payTo,omitempty"`
}

// AssetSpec identifies an ERC-20 token that supports EIP-3009 and carries the EIP-712
// domain buyers sign against.
type AssetSpec struct {
	// address is the token contract address. Left out on a preset network: that
	// network's USDC.
	// +optional
	// +kubebuilder:validation:Pattern=`^0x[0-9a-fA-F]{40}$`
	Address string `json:"address,omitempty"`

	// symbol is shown to buyers and used as a metrics label, e.g. USDC.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]*$`
	Symbol string `json:"symbol,omitempty"`

	// decimals is the token's number of decimals, for display only (amounts are
	// always in the smallest unit).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=36
	Decimals *int32 `json:"decimals,omitempty"`

	// eip712Name is the token's EIP-712 domain name (USDC: "USD Coin" on mainnets,
	// "USDC" on Base Sepolia). A wrong name makes every signature invalid. May be
	// left out for tokens the controller knows (the USDC deployments).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	EIP712Name string `json:"eip712Name,omitempty"`

	// eip712Version is the token's EIP-712 domain version (USDC: "2"). May be left
	// out for tokens the controller knows.
	// +optional
	// +kubebuilder:validation:MaxLength=16
	EIP712Version string `json:"eip712Version,omitempty"`
}

// PathRule changes the terms for requests whose path matches.
//
// +kubebuilder:validation:XValidation:rule="!(has(self.free) && self.free && (has(self.amount) || has(self.price)))",message="a free path cannot have an amount or a price"
// +kubebuilder:validation:XValidation:rule="!(has(self.amount) && has(self.price))",message="set amount or price, not both"
type PathRule struct {
	// path is matched against the request path relative to spec.path: "/health" is
	// exactly <spec.path>/health; "/docs/*" is <spec.path>/docs and everything under
	// it; a "*" segment matches exactly one segment ("/v1/*/items").
	// +required
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9/_.~*-]*$`
	Path string `json:"path"`

	// methods restricts the rule to these HTTP methods. Empty means all.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:Enum=GET;HEAD;POST;PUT;PATCH;DELETE;OPTIONS
	Methods []string `json:"methods,omitempty"`

	// free serves matching requests without payment.
	// +optional
	Free bool `json:"free,omitempty"`

	// amount overrides the amount of every payment option, in the token's smallest
	// unit.
	// +optional
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]{0,77}$`
	Amount string `json:"amount,omitempty"`

	// price overrides the price of every payment option, in the token's units
	// ("0.05").
	// +optional
	// +kubebuilder:validation:MaxLength=80
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	Price string `json:"price,omitempty"`

	// settlement overrides spec.settlement for matching requests.
	// +optional
	// +kubebuilder:validation:Enum=afterResponse;beforeUpstream
	Settlement string `json:"settlement,omitempty"`
}

// RouteSpec selects the Traefik object that exposes the offer.
//
// +kubebuilder:validation:XValidation:rule="!has(self.entryPoints) || !has(self.kind) || self.kind == 'IngressRoute'",message="entryPoints apply to IngressRoute only; an HTTPRoute attaches through parentRefs"
// +kubebuilder:validation:XValidation:rule="!has(self.parentRefs) || !has(self.kind) || self.kind == 'HTTPRoute'",message="parentRefs apply to HTTPRoute only; an IngressRoute listens on entryPoints"
type RouteSpec struct {
	// kind is HTTPRoute (Gateway API, the default) or IngressRoute (Traefik's own CRD).
	// +optional
	// +kubebuilder:default=HTTPRoute
	// +kubebuilder:validation:Enum=HTTPRoute;IngressRoute
	Kind string `json:"kind,omitempty"`

	// parentRefs are the Gateways an HTTPRoute attaches to. Empty uses the
	// controller's default Gateway (--gateway).
	// +optional
	// +kubebuilder:validation:MaxItems=8
	ParentRefs []ParentRef `json:"parentRefs,omitempty"`

	// entryPoints are the Traefik entry points an IngressRoute listens on. Empty uses
	// the controller's default (--entry-points).
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +listType=set
	EntryPoints []string `json:"entryPoints,omitempty"`
}

// ParentRef names a Gateway (and optionally one of its listeners).
type ParentRef struct {
	// name of the Gateway.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// namespace of the Gateway. Defaults to the offer's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`

	// sectionName is the Gateway listener name.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SectionName string `json:"sectionName,omitempty"`
}

// SecretKeyRef names a key of a Secret in the offer's namespace.
type SecretKeyRef struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key inside the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// FacilitatorSpec selects the x402 facilitator that verifies and settles payments.
//
// +kubebuilder:validation:XValidation:rule="has(self.url) || has(self.provider)",message="name a facilitator provider or url"
// +kubebuilder:validation:XValidation:rule="!has(self.cdp) || !has(self.provider) || self.provider == 'cdp'",message="cdp credentials go with provider cdp"
type FacilitatorSpec struct {
	// provider is a facilitator the controller knows: turnpike (the controller's own
	// default facilitator), x402.org (testnets only: refused for a mainnet offer) or
	// cdp (Coinbase's, with the API key from spec.facilitator.cdp). Absent: url.
	// +optional
	// +kubebuilder:validation:Enum=turnpike;x402.org;cdp
	Provider string `json:"provider,omitempty"`

	// url of the facilitator, e.g. https://x402.org/facilitator. Overrides the
	// provider's address.
	// +optional
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=512
	URL string `json:"url,omitempty"`

	// cdp is the Coinbase Developer Platform API key the gate signs its facilitator
	// calls with.
	// +optional
	CDP *CDPSpec `json:"cdp,omitempty"`

	// authorizationSecretRef holds the value of the Authorization header sent to the
	// facilitator. The gate reads the Secret itself; the value never appears in the
	// Middleware.
	// +optional
	AuthorizationSecretRef *SecretKeyRef `json:"authorizationSecretRef,omitempty"`
}

// CDPSpec names the Secret (in the offer's namespace) holding a CDP API key. Traefik
// reads it; the key never appears in the Middleware.
type CDPSpec struct {
	// secretName is the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName"`

	// keyIDKey is the Secret key holding the API key id.
	// +optional
	// +kubebuilder:default=keyId
	// +kubebuilder:validation:MaxLength=253
	KeyIDKey string `json:"keyIdKey,omitempty"`

	// keySecretKey is the Secret key holding the API key secret (Ed25519 or
	// ECDSA).
	// +optional
	// +kubebuilder:default=keySecret
	// +kubebuilder:validation:MaxLength=253
	KeySecretKey string `json:"keySecretKey,omitempty"`
}

// RegistrationSpec describes the offer in the seller's ERC-8004 registration document.
type RegistrationSpec struct {
	// enabled publishes the offer in /.well-known/agent-registration.json and makes
	// sure the seller's agent is registered on chain.
	// +optional
	// +kubebuilder:default=false
	Enabled bool `json:"enabled"`

	// name of the agent. Defaults to the controller's --agent-name.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name,omitempty"`

	// description of the agent.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`

	// image is a URL of the agent's picture.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`

	// supportedTrust lists the trust models the agent supports, e.g. reputation.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:Enum=reputation;crypto-economic;tee-attestation
	SupportedTrust []string `json:"supportedTrust,omitempty"`
}

// ServiceOfferStatus is what the controller observed and did.
type ServiceOfferStatus struct {
	// observedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: UpstreamHealthy, PaymentGateReady, RoutePublished, Registered,
	// Draining and Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// endpoint is the effective path prefix of the offer.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// url is the public URL of the offer, when a base URL is known.
	// +optional
	URL string `json:"url,omitempty"`

	// price is the first payment option for people: "0.01 USDC".
	// +optional
	Price string `json:"price,omitempty"`

	// drainEndsAt is when the route is removed (drainAt + drainGracePeriod).
	// +optional
	DrainEndsAt *metav1.Time `json:"drainEndsAt,omitempty"`

	// routesGeneration is the generation of the routes document that last carried
	// this offer to the gate.
	// +optional
	RoutesGeneration int64 `json:"routesGeneration,omitempty"`

	// routeRemovedAt is when the route was deleted at the end of a drain. The gate
	// (refusing with offer_drained) and the offer's routes-document entry stay for a
	// little longer, until Traefik has dropped the route, then go too.
	// +optional
	RouteRemovedAt *metav1.Time `json:"routeRemovedAt,omitempty"`

	// registration records the on-chain registration.
	// +optional
	Registration *RegistrationStatus `json:"registration,omitempty"`
}

// RegistrationStatus records the ERC-8004 registration as it happens. The signed
// transaction is stored here before it is broadcast, so a controller that crashes or
// loses leadership re-broadcasts the same transaction instead of registering twice.
type RegistrationStatus struct {
	// chain is the CAIP-2 identifier of the chain of the identity registry.
	// +optional
	Chain string `json:"chain,omitempty"`

	// registry is the identity registry as eip155:<chainId>:<address>.
	// +optional
	Registry string `json:"registry,omitempty"`

	// owner is the address that owns the agent NFT.
	// +optional
	Owner string `json:"owner,omitempty"`

	// agentId is the ERC-721 token id of the agent, a decimal string.
	// +optional
	AgentID string `json:"agentId,omitempty"`

	// agentURI is the registration document URI recorded on chain.
	// +optional
	AgentURI string `json:"agentURI,omitempty"`

	// txHash is the hash of the registration (or setAgentURI) transaction.
	// +optional
	TxHash string `json:"txHash,omitempty"`

	// signedTx is the raw signed transaction (0x hex), persisted before broadcast.
	// +optional
	SignedTx string `json:"signedTx,omitempty"`

	// phase is Signed (persisted, maybe not broadcast), Broadcast, Registered or
	// Tombstoned.
	// +optional
	// +kubebuilder:validation:Enum=Signed;Broadcast;Registered;Tombstoned
	Phase string `json:"phase,omitempty"`
}

// ServiceOffer makes an HTTP service payable per request with x402: the controller
// checks the upstream, renders a Traefik Middleware running the Turnpike gate and an
// HTTPRoute (or IngressRoute) through it, publishes the offer in the gate's routes
// document and in the discovery documents, and optionally registers it on chain
// (ERC-8004).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=so;offer,categories=turnpike
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Model",type=string,JSONPath=`.spec.model.name`
// +kubebuilder:printcolumn:name="Path",type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name="Price",type=string,JSONPath=`.status.price`
// +kubebuilder:printcolumn:name="Network",type=string,JSONPath=`.spec.payment.accepts[0].network`
// +kubebuilder:printcolumn:name="Amount",type=string,JSONPath=`.spec.payment.accepts[0].amount`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Drain Ends",type=date,JSONPath=`.status.drainEndsAt`,priority=1
// +kubebuilder:printcolumn:name="Agent",type=string,JSONPath=`.status.registration.agentId`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ServiceOffer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the seller offers.
	// +required
	Spec ServiceOfferSpec `json:"spec"`

	// status is what the controller observed.
	// +optional
	Status ServiceOfferStatus `json:"status,omitempty"`
}

// ServiceOfferList is a list of ServiceOffers.
//
// +kubebuilder:object:root=true
type ServiceOfferList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ServiceOffer `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ServiceOffer{}, &ServiceOfferList{})
}
