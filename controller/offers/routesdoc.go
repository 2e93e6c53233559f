package offers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/render"
	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// AnnotationGeneration mirrors the document's generation on the ConfigMap so a person
// sees it with kubectl get -o yaml, and so a corrupted document does not reset it.
const AnnotationGeneration = "x402.turnpike.dev/routes-generation"

// RoutesEntry renders an offer's routes-document entry in the state its spec and the
// clock give it.
func RoutesEntry(o *v1alpha1.ServiceOffer) (routes.Offer, error) {
	if o.IsDraining() {
		return render.RoutesOffer(o, routes.StateDraining, o.DrainEndsAt().UTC().Format(time.RFC3339))
	}
	return render.RoutesOffer(o, routes.StateActive, "")
}

// syncRoutes rebuilds the routes document from every serving offer and writes it when
// its content changed, with the generation incremented. self is the offer being
// reconciled, whose freshly computed state replaces what the cache holds (selfServing);
// nil when it is gone. The write is a compare-and-swap on the ConfigMap's
// resourceVersion, so two controllers can never write the same generation twice.
func (r *Reconciler) syncRoutes(ctx context.Context, self *v1alpha1.ServiceOffer, selfKey types.NamespacedName, selfServing bool) (int64, error) {
	now := r.now()
	var list v1alpha1.ServiceOfferList
	if err := r.Client.List(ctx, &list); err != nil {
		return 0, fmt.Errorf("list offers: %w", err)
	}
	var entries []routes.Offer
	for i := range list.Items {
		o := &list.Items[i]
		serving := r.inDocument(o, now)
		if o.Namespace == selfKey.Namespace && o.Name == selfKey.Name {
			if self == nil {
				continue
			}
			o, serving = self, selfServing
		}
		if !serving {
			continue
		}
		e, err := RoutesEntry(o)
		if err != nil {
			continue // its own reconcile reports the problem
		}
		entries = append(entries, e)
	}
	if self != nil && selfServing && !contains(list.Items, selfKey) {
		// Created so recently that the cache does not list it yet.
		if e, err := RoutesEntry(self); err == nil {
			entries = append(entries, e)
		}
	}
	sortOffers(entries)
	active, draining := 0, 0
	for _, e := range entries {
		if e.State == routes.StateDraining {
			draining++
		} else {
			active++
		}
	}
	routesOffers.WithLabelValues(routes.StateActive).Set(float64(active))
	routesOffers.WithLabelValues(routes.StateDraining).Set(float64(draining))

	key := types.NamespacedName{Namespace: r.Settings.RoutesConfigMapNamespace, Name: r.Settings.RoutesConfigMapName}
	var cm corev1.ConfigMap
	err := r.APIReader.Get(ctx, key, &cm)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, fmt.Errorf("read routes ConfigMap %s: %w", key, err)
	}
	var gen int64
	if exists {
		gen, _ = strconv.ParseInt(cm.Annotations[AnnotationGeneration], 10, 64)
		if old, err := routes.Parse([]byte(cm.Data[routes.DataKey])); err == nil {
			if old.Generation > gen {
				gen = old.Generation
			}
			if sameOffers(old.Offers, entries) {
				routesGeneration.Set(float64(old.Generation))
				return old.Generation, nil
			}
		}
	}
	gen++
	doc := render.Document(gen, entries)
	if err := doc.Validate(); err != nil {
		return 0, fmt.Errorf("rendered routes document is invalid: %w", err)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("encode routes document: %w", err)
	}
	cm.Namespace, cm.Name = key.Namespace, key.Name
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[AnnotationGeneration] = strconv.FormatInt(gen, 10)
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels[render.LabelManagedBy] = render.ManagedByValue
	cm.Data = map[string]string{routes.DataKey: string(data)}
	if exists {
		err = r.Client.Update(ctx, &cm)
	} else {
		err = r.Client.Create(ctx, &cm)
	}
	if err != nil {
		return 0, fmt.Errorf("write routes ConfigMap %s (generation %d): %w", key, gen, err)
	}
	routesGeneration.Set(float64(gen))
	return gen, nil
}

func contains(items []v1alpha1.ServiceOffer, key types.NamespacedName) bool {
	for i := range items {
		if items[i].Namespace == key.Namespace && items[i].Name == key.Name {
			return true
		}
	}
	return false
}

func sameOffers(a, b []routes.Offer) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
