package offers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
)

// withPathRewrite adds the Middleware that rewrites an IngressRoute offer's path to
// spec.upstream.basePath, when it has one.
func withPathRewrite(o *v1alpha1.ServiceOffer, objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	if u := render.PathRewrite(o); u != nil {
		objs = append(objs, u)
	}
	return objs
}

// deletePathRewrite removes the rewrite Middleware unless the offer still needs it
// (keep: the offer is being applied, not torn down).
func (r *Reconciler) deletePathRewrite(ctx context.Context, o *v1alpha1.ServiceOffer, keep bool) error {
	if keep && render.PathRewrite(o) != nil {
		return nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(render.MiddlewareGVK)
	u.SetNamespace(o.Namespace)
	u.SetName(render.PathRewriteName(o.Name))
	err := r.Client.Delete(ctx, u)
	if err == nil || apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil
	}
	return fmt.Errorf("delete Middleware %s/%s: %w", o.Namespace, u.GetName(), err)
}
