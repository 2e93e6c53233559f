// Package purchase reconciles PurchaseRequests: it probes the seller's 402 for its
// terms, pre-signs a bounded pool of EIP-3009 authorizations (or takes ones signed
// elsewhere), and writes them with the upstream config into the buyer sidecar's
// ConfigMaps, refilling within count, maxTotal and a rolling 24 h spend cap.
package purchase
