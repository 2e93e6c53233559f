package offers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

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

// syncRoutes rebuilds the routes document of the shard holding selfKey (the only one
// whose content this reconcile can change) from every serving offer of that shard, and
// writes it when its content changed, with the generation incremented. self is the offer
// being reconciled, whose freshly computed state replaces what the cache holds
// (selfServing); nil when it is gone. The write is a compare-and-swap on the ConfigMap's
// resourceVersion, so two controllers can never write the same generation twice. A
// shard that would outgrow a ConfigMap is not written (ErrRoutesShardFull): the last
// good document stays in service.
func (r *Reconciler) syncRoutes(ctx context.Context, self *v1alpha1.ServiceOffer, selfKey types.NamespacedName, selfServing bool) (int64, error) {
	now := r.now()
	var list v1alpha1.ServiceOfferList
	if err := r.Client.List(ctx, &list); err != nil {
		return 0, fmt.Errorf("list offers: %w", err)
	}
	n := r.Settings.RoutesShards()
	shard := render.ShardIndex(selfKey.Namespace+"/"+selfKey.Name, n)
	var entries []routes.Offer
	active, draining := 0, 0
	count := func(o *v1alpha1.ServiceOffer) {
		if o.IsDraining() {
			draining++
		} else {
			active++
		}
	}
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
		// Counted across every shard, rendered only for this one: rendering is the
		// costly part, and the other shards do not change in this reconcile.
		count(o)
		if render.ShardIndex(o.Namespace+"/"+o.Name, n) != shard {
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
			count(self)
		}
	}
	routesOffers.WithLabelValues(routes.StateActive).Set(float64(active))
	routesOffers.WithLabelValues(routes.StateDraining).Set(float64(draining))

	key := types.NamespacedName{Namespace: r.Settings.RoutesConfigMapNamespace, Name: r.Settings.RoutesConfigMapOf(selfKey.Namespace, selfKey.Name)}
	pub, err := WriteRoutes(ctx, r.APIReader, r.Client, key, entries, r.Settings.ShardLimit())
	if err != nil {
		if errors.Is(err, ErrRoutesShardFull) && self != nil {
			r.event(self, corev1.EventTypeWarning, ReasonRoutesShardFull, "PublishRoutes", err.Error())
		}
		return 0, err
	}
	if pub.Written && pub.Bytes >= r.Settings.ShardWarn() {
		msg := fmt.Sprintf("routes ConfigMap %s holds %d bytes, %d%% of the %d a ConfigMap may hold (%d offers); offers joining it are refused once it is full: raise --routes-shards (now %d)",
			key, pub.Bytes, pub.Bytes*100/r.Settings.ShardLimit(), r.Settings.ShardLimit(), len(entries), n)
		log.FromContext(ctx).Info("warning: routes shard nearly full", "configmap", key.String(), "bytes", pub.Bytes, "limit", r.Settings.ShardLimit(), "offers", len(entries))
		if self != nil {
			r.event(self, corev1.EventTypeWarning, ReasonRoutesShardNearlyFull, "PublishRoutes", msg)
		}
	}
	routesGeneration.Set(float64(pub.Generation))
	return pub.Generation, nil
}

// ErrRoutesShardFull: the routes document of a shard would not fit in its ConfigMap.
// The condition and event reason is ReasonRoutesShardFull.
var ErrRoutesShardFull = errors.New("routes shard full")

// Published is what WriteRoutes did.
type Published struct {
	// Generation of the document now in the ConfigMap.
	Generation int64
	// Bytes is the size of the document now in the ConfigMap.
	Bytes int
	// Written is false when the ConfigMap already held these offers.
	Written bool
}

// WriteRoutes makes the routes ConfigMap key hold exactly entries (sorted here), in a
// new generation when they differ from what it holds. reader must read the API server
// directly (the generation must be fresh). A document above limit bytes is refused
// with ErrRoutesShardFull and nothing is written.
func WriteRoutes(ctx context.Context, reader client.Reader, writer client.Client, key types.NamespacedName, entries []routes.Offer, limit int) (Published, error) {
	sortOffers(entries)
	var cm corev1.ConfigMap
	err := reader.Get(ctx, key, &cm)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return Published{}, fmt.Errorf("read routes ConfigMap %s: %w", key, err)
	}
	var gen int64
	if exists {
		gen, _ = strconv.ParseInt(cm.Annotations[AnnotationGeneration], 10, 64)
		raw := cm.Data[routes.DataKey]
		if old, err := routes.Parse([]byte(raw)); err == nil {
			if old.Generation > gen {
				gen = old.Generation
			}
			if sameOffers(old.Offers, entries) {
				recordShard(key.Name, old.Generation, len(raw), limit)
				return Published{Generation: old.Generation, Bytes: len(raw)}, nil
			}
		}
	}
	gen++
	doc := render.Document(gen, entries)
	if err := doc.Validate(); err != nil {
		return Published{}, fmt.Errorf("rendered routes document is invalid: %w", err)
	}
	// Compact, not indented: indentation costs about a fifth of the bytes (measured in
	// TestCompactEncoding), and kubectl users read it through jq anyway.
	data, err := json.Marshal(doc)
	if err != nil {
		return Published{}, fmt.Errorf("encode routes document: %w", err)
	}
	if len(data) > limit {
		routesShardBytes.WithLabelValues(key.Name).Set(float64(len(data)))
		routesShardFill.WithLabelValues(key.Name).Set(float64(len(data)) / float64(limit))
		return Published{}, fmt.Errorf("%w: %s: routes ConfigMap %s would hold %d bytes (%d offers), a ConfigMap holds at most %d; it keeps generation %d: raise the controller's --routes-shards",
			ErrRoutesShardFull, ReasonRoutesShardFull, key, len(data), len(entries), limit, gen-1)
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
		err = writer.Update(ctx, &cm)
	} else {
		err = writer.Create(ctx, &cm)
	}
	if err != nil {
		return Published{}, fmt.Errorf("write routes ConfigMap %s (generation %d): %w", key, gen, err)
	}
	recordShard(key.Name, gen, len(data), limit)
	return Published{Generation: gen, Bytes: len(data), Written: true}, nil
}

func recordShard(name string, gen int64, size, limit int) {
	routesShardGeneration.WithLabelValues(name).Set(float64(gen))
	routesShardBytes.WithLabelValues(name).Set(float64(size))
	routesShardFill.WithLabelValues(name).Set(float64(size) / float64(limit))
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
