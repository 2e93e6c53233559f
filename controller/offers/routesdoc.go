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

// syncRoutes writes the reconciled offer's own entry into the routes document of its
// shard (the only one whose content this reconcile can change), and writes the document
// when its content changed, with the generation incremented. self is the offer being
// reconciled, whose freshly computed state decides its entry (selfServing); nil when it
// is gone.
//
// Every other entry is carried over from the document as the API server holds it now,
// not re-derived from the informer cache: a cache that has not yet seen another offer's
// last status would otherwise take a serving offer out (its gate then answers
// offer_unknown) or put back one its own reconcile just took out (its gate would take
// payments again). So an entry changes only in its own offer's reconcile; the others
// drop it only when it belongs to another shard (the shard count changed) or its offer
// is gone from the API server. A missing or unreadable document is rebuilt from the
// cache, which is then the best knowledge there is.
//
// The write is a compare-and-swap on the ConfigMap's resourceVersion, so two
// controllers can never write the same generation twice. A shard that would outgrow a
// ConfigMap is not written (ErrRoutesShardFull): the last good document stays in service.
func (r *Reconciler) syncRoutes(ctx context.Context, self *v1alpha1.ServiceOffer, selfKey types.NamespacedName, selfServing bool) (int64, error) {
	now := r.now()
	var list v1alpha1.ServiceOfferList
	if err := r.Client.List(ctx, &list); err != nil {
		return 0, fmt.Errorf("list offers: %w", err)
	}
	n := r.Settings.RoutesShards()
	shard := render.ShardIndex(selfKey.Namespace+"/"+selfKey.Name, n)
	key := types.NamespacedName{Namespace: r.Settings.RoutesConfigMapNamespace, Name: r.Settings.RoutesConfigMapOf(selfKey.Namespace, selfKey.Name)}
	cur, err := readRoutes(ctx, r.APIReader, key)
	if err != nil {
		return 0, err
	}
	selfName := selfKey.Namespace + "/" + selfKey.Name
	var entries []routes.Offer
	active, draining := 0, 0
	count := func(o *v1alpha1.ServiceOffer) {
		if o.IsDraining() {
			draining++
		} else {
			active++
		}
	}
	known := make(map[string]bool, len(list.Items))
	for i := range list.Items {
		o := &list.Items[i]
		known[o.Namespace+"/"+o.Name] = true
		serving := r.inDocument(o, now)
		if o.Namespace == selfKey.Namespace && o.Name == selfKey.Name {
			if self == nil {
				continue
			}
			o, serving = self, selfServing
		}
		if serving {
			// Counted across every shard from the cache: a gauge, where a late view
			// costs nothing.
			count(o)
		}
		if cur.doc != nil || !serving || o == self || render.ShardIndex(o.Namespace+"/"+o.Name, n) != shard {
			continue
		}
		// No document to carry entries over from: rebuild this shard from the cache.
		if e, err := RoutesEntry(o); err == nil {
			entries = append(entries, e)
		}
	}
	if cur.doc != nil {
		for _, e := range cur.doc.Offers {
			k := e.Key()
			if k == selfName || render.ShardIndex(k, n) != shard {
				continue
			}
			if !known[k] {
				gone, err := r.offerGone(ctx, e.Namespace, e.Name)
				if err != nil {
					return 0, err
				}
				if gone {
					continue
				}
			}
			entries = append(entries, e)
		}
	}
	if self != nil && selfServing {
		e, err := RoutesEntry(self)
		if err != nil {
			return 0, fmt.Errorf("render the routes entry of %s: %w", selfName, err)
		}
		entries = append(entries, e)
		if !contains(list.Items, selfKey) {
			// Created so recently that the cache does not list it yet.
			count(self)
		}
	}
	routesOffers.WithLabelValues(routes.StateActive).Set(float64(active))
	routesOffers.WithLabelValues(routes.StateDraining).Set(float64(draining))

	pub, err := writeRoutes(ctx, r.Client, key, cur, entries, r.Settings.ShardLimit())
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
	cur, err := readRoutes(ctx, reader, key)
	if err != nil {
		return Published{}, err
	}
	return writeRoutes(ctx, writer, key, cur, entries, limit)
}

// currentRoutes is a routes ConfigMap as read from the API server: cm is nil when it
// does not exist, doc nil when it does not exist or does not hold a valid document.
type currentRoutes struct {
	cm  *corev1.ConfigMap
	doc *routes.Document
	raw int
}

func readRoutes(ctx context.Context, reader client.Reader, key types.NamespacedName) (currentRoutes, error) {
	var cm corev1.ConfigMap
	if err := reader.Get(ctx, key, &cm); err != nil {
		if apierrors.IsNotFound(err) {
			return currentRoutes{}, nil
		}
		return currentRoutes{}, fmt.Errorf("read routes ConfigMap %s: %w", key, err)
	}
	cur := currentRoutes{cm: &cm}
	raw := cm.Data[routes.DataKey]
	if doc, err := routes.Parse([]byte(raw)); err == nil {
		cur.doc, cur.raw = doc, len(raw)
	}
	return cur, nil
}

// offerGone asks the API server itself whether an offer still exists: only then may an
// entry another reconcile carries over be dropped, whatever the cache says.
func (r *Reconciler) offerGone(ctx context.Context, ns, name string) (bool, error) {
	var o v1alpha1.ServiceOffer
	err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &o)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("check whether offer %s/%s still exists: %w", ns, name, err)
	}
	return false, nil
}

func writeRoutes(ctx context.Context, writer client.Client, key types.NamespacedName, cur currentRoutes, entries []routes.Offer, limit int) (Published, error) {
	sortOffers(entries)
	var gen int64
	var cm corev1.ConfigMap
	exists := cur.cm != nil
	if exists {
		cm = *cur.cm
		gen, _ = strconv.ParseInt(cm.Annotations[AnnotationGeneration], 10, 64)
		if old := cur.doc; old != nil {
			if old.Generation > gen {
				gen = old.Generation
			}
			if sameOffers(old.Offers, entries) {
				recordShard(key.Name, old.Generation, cur.raw, limit)
				return Published{Generation: old.Generation, Bytes: cur.raw}, nil
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
