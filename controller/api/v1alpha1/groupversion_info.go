// Package v1alpha1 holds Turnpike's Kubernetes API: ServiceOffer (a seller makes an
// HTTP service payable per request through the x402 gate) and PurchaseRequest (a buyer
// pre-pays calls to someone else's x402 service). The Go types and their kubebuilder
// markers are the single source of truth: `make generate` renders the CRD YAML into
// manifests/crds/ and the deepcopy functions from them.
//
// +kubebuilder:object:generate=true
// +groupName=x402.turnpike.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "x402.turnpike.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
