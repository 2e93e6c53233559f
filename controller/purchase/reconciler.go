package purchase

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/buyer/challenge"
	"github.com/turnpike-x402/turnpike/buyer/config"
	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
	"github.com/turnpike-x402/turnpike/controller/conditions"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Defaults of the Reconciler.
const (
	DefaultConfigMap      = "turnpike-buyer-config"
	DefaultAuthsConfigMap = "turnpike-buyer-auths"
	DefaultRequeue        = 30 * time.Second
	// ConflictRetry is the wait after a write lost its optimistic lock (someone else
	// wrote the request or a buyer ConfigMap first): the next pass recounts from what
	// won rather than overwriting it.
	ConflictRetry = 250 * time.Millisecond
	// Finalizer removes the request's keys from the buyer ConfigMaps on delete.
	Finalizer = "x402.turnpike.dev/buyer-pool"
	// ledgerSuffix names the ledger key next to `<upstream>.json`. The buyer reads
	// only `*.json` keys, so it never mistakes the ledger for authorizations.
	ledgerSuffix = ".ledger"
	// ConditionReady is the summary condition.
	ConditionReady = "Ready"
)

// Condition reasons.
const (
	ReasonTermsMatch        = "TermsMatch"
	ReasonTermsMismatch     = "TermsMismatch"
	ReasonProbeFailed       = "ProbeFailed"
	ReasonNoPaymentRequired = "NoPaymentRequired"
	ReasonPoolReady         = "PoolReady"
	ReasonPoolEmpty         = "PoolEmpty"
	ReasonSignerMissing     = "SignerMissing"
	ReasonInvalidAuths      = "InvalidPreSignedAuths"
	ReasonSigned            = "Signed"
	ReasonCapReached        = "CapReached"
)

// Reconciler reconciles PurchaseRequests into the buyer sidecar's ConfigMaps.
type Reconciler struct {
	Client client.Client
	// APIReader reads Secrets and the buyer ConfigMaps uncached (mgr.GetAPIReader()),
	// so the controller needs no cluster-wide watch on Secrets. Nil: Client.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// HTTP probes sellers and reads the buyer's /status (default: 10 s timeout).
	HTTP *http.Client
	// BuyerNamespace holds the buyer ConfigMaps; "" means the request's namespace.
	BuyerNamespace     string
	ConfigMapName      string
	AuthsConfigMapName string
	// BuyerURL is the buyer sidecar's base URL (e.g. http://turnpike-buyer.llm:8402),
	// for GET /status and GET /consumed/<upstream>. Without it the controller cannot
	// see spending: it signs the initial pool and never refills (refilling blind
	// could exceed count).
	BuyerURL     string
	Now          func() time.Time
	RequeueAfter time.Duration
}

// SetupWithManager registers the reconciler: it watches PurchaseRequests only (the
// buyer ConfigMaps and Secrets are read uncached, see APIReader).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := ctrl.NewControllerManagedBy(mgr).For(&v1alpha1.PurchaseRequest{}).Named("purchaserequest").Complete(r); err != nil {
		return fmt.Errorf("set up the PurchaseRequest controller: %w", err)
	}
	return nil
}

func (r *Reconciler) reader() client.Reader {
	if r.APIReader != nil {
		return r.APIReader
	}
	return r.Client
}

func (r *Reconciler) defaults() {
	if r.HTTP == nil {
		r.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if r.ConfigMapName == "" {
		r.ConfigMapName = DefaultConfigMap
	}
	if r.AuthsConfigMapName == "" {
		r.AuthsConfigMapName = DefaultAuthsConfigMap
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.RequeueAfter <= 0 {
		r.RequeueAfter = DefaultRequeue
	}
}

// UpstreamName is the buyer's name for a request: `<namespace>.<name>`, a valid
// ConfigMap key stem, unique across namespaces.
func UpstreamName(pr *v1alpha1.PurchaseRequest) string { return pr.Namespace + "." + pr.Name }

// The markers below generate the cluster-wide part of the controller's ClusterRole
// (scripts/controller-gen.sh). Requests are updated (finalizer) and their status
// updated; nothing is owned, so no finalizers subresource grant. The Secrets and the
// buyer ConfigMaps this reconciler reads and writes live in namespaces only the
// installer knows, so they are granted per namespace by hand, never cluster-wide:
// Secrets get, ConfigMaps get, create and update (manifests/examples/purchase-rbac,
// held to exactly that by manifests/purchase_rbac_test.go).
//
// +kubebuilder:rbac:groups=x402.turnpike.dev,resources=purchaserequests,verbs=get;list;watch;update
// +kubebuilder:rbac:groups=x402.turnpike.dev,resources=purchaserequests/status,verbs=update
// +kubebuilder:rbac:groups="";events.k8s.io,resources=events,verbs=create;patch

// Reconcile runs one pass: probe, sign within caps, write ConfigMaps, report status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	r.defaults()
	var pr v1alpha1.PurchaseRequest
	if err := r.Client.Get(ctx, req.NamespacedName, &pr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ns := r.BuyerNamespace
	if ns == "" {
		ns = pr.Namespace
	}
	up := UpstreamName(&pr)

	if !pr.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(&pr, Finalizer) {
			return ctrl.Result{}, nil
		}
		for _, name := range []string{r.ConfigMapName, r.AuthsConfigMapName} {
			if err := r.removeKeys(ctx, ns, name, up+".json", up+ledgerSuffix); err != nil {
				return ctrl.Result{}, err
			}
		}
		controllerutil.RemoveFinalizer(&pr, Finalizer)
		return ctrl.Result{}, r.Client.Update(ctx, &pr)
	}
	if !controllerutil.ContainsFinalizer(&pr, Finalizer) {
		controllerutil.AddFinalizer(&pr, Finalizer)
		if err := r.Client.Update(ctx, &pr); err != nil {
			return ctrl.Result{}, err
		}
	}

	now := r.Now()
	st := pr.Status.DeepCopy()
	st.ObservedGeneration = pr.Generation
	c := conditions.For(&st.Conditions, pr.Generation)
	terms, err := termsOf(pr.Spec.Payment)
	if err != nil {
		c.False(v1alpha1.ConditionProbed, ReasonTermsMismatch, err.Error())
		return r.finish(ctx, &pr, st, false)
	}

	// 1. Probe the seller's terms. Signing waits for terms that match: the buyer would
	// refuse to pay anything else, and signing for a seller that is down is pointless.
	probe := r.probe(ctx, pr.Spec.Endpoint, terms)
	st.ProbedAt = &metav1.Time{Time: now}
	st.ProbedPrice = probe.price
	c.Set(v1alpha1.ConditionProbed, probe.ok, probe.reason, probe.message)
	if !probe.ok {
		r.event(&pr, corev1.EventTypeWarning, probe.reason, "Probe", probe.message)
	}

	// 2. The buyer's view of the pool (remaining, spent), when reachable.
	bs, bsErr := r.buyerStatus(ctx, up)

	// 3. Authorizations: taken as given, or signed within the caps.
	authsCM, err := r.getOrCreate(ctx, ns, r.AuthsConfigMapName)
	if err != nil {
		return ctrl.Result{}, err
	}
	ledger, err := ParseLedger(authsCM.Data[up+ledgerSuffix])
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("configmap %s/%s: %w", ns, r.AuthsConfigMapName, err)
	}
	var pool []auth.PreSigned
	if raw := authsCM.Data[up+".json"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &pool); err != nil {
			return ctrl.Result{}, fmt.Errorf("configmap %s/%s key %s does not parse: %w", ns, r.AuthsConfigMapName, up+".json", err)
		}
	}
	before := len(pool)
	pool = dropExpired(pool, now)
	remaining := len(pool)
	if bsErr == nil {
		remaining = bs.Remaining
		// Spent ones leave the ConfigMap (the buyer never offers them again anyway),
		// which keeps a long-running pool far below the 1 MiB object limit.
		if used, err := r.buyerConsumed(ctx, up); err == nil {
			pool = dropKeys(pool, used)
		}
	}
	changed := len(pool) != before
	switch {
	case len(pr.Spec.PreSignedAuths) > 0 || pr.Spec.PreSignedAuthsSecretRef != nil:
		given, err := r.preSigned(ctx, &pr, terms)
		if err != nil {
			c.False(v1alpha1.ConditionAuthorizationsReady, ReasonInvalidAuths, err.Error())
			r.event(&pr, corev1.EventTypeWarning, ReasonInvalidAuths, "Validate", err.Error())
			return r.finish(ctx, &pr, st, false)
		}
		if !samePool(pool, given) {
			pool, changed = given, true
			ledger.TotalSigned = len(given)
		}
		if bsErr != nil {
			remaining = len(dropExpired(given, now))
		}
	case pr.Spec.SignerSecretRef != nil:
		key, err := r.signer(ctx, &pr)
		if err != nil {
			c.False(v1alpha1.ConditionAuthorizationsReady, ReasonSignerMissing, err.Error())
			r.event(&pr, corev1.EventTypeWarning, ReasonSignerMissing, "Sign", err.Error())
			return r.finish(ctx, &pr, st, false)
		}
		st.SignerAddress = crypto.PubkeyToAddress(key.PublicKey).Hex()
		want := 0
		switch ar := pr.Spec.AutoRefill; {
		case ledger.TotalSigned == 0:
			want = int(pr.Spec.Count)
		case ar != nil && ar.Enabled && bsErr == nil && remaining < int(ar.Threshold):
			want = int(ar.Count)
			if want <= 0 {
				want = 1
			}
		}
		if want > 0 && probe.ok {
			caps := capsOf(&pr, terms.Amount)
			n, why := Allowance(caps, ledger, remaining, want, now)
			if n > 0 {
				signed, err := signN(key, probe.requirements, pr.Spec.Payment.ValidForSeconds, n, now)
				if err != nil {
					return ctrl.Result{}, err
				}
				pool = append(pool, signed...)
				ledger.Record(now, n, terms.Amount)
				remaining += n
				changed = true
				r.event(&pr, corev1.EventTypeNormal, ReasonSigned, "Sign", fmt.Sprintf("signed %d authorizations of %s each (total ever signed %d)", n, terms.Amount, ledger.TotalSigned))
			}
			if why != "" && why != "PoolFull" {
				r.event(&pr, corev1.EventTypeWarning, ReasonCapReached, "Sign", fmt.Sprintf("wanted %d authorizations, signed %d: %s", want, n, why))
			}
		}
	default:
		c.False(v1alpha1.ConditionAuthorizationsReady, ReasonSignerMissing, "set one of preSignedAuths, preSignedAuthsSecretRef or signerSecretRef")
		return r.finish(ctx, &pr, st, false)
	}

	// 4. Write the pool and its ledger in one update (a conflict means someone else
	// wrote first: requeue and recount rather than overwrite).
	if changed || authsCM.Data[up+".json"] == "" {
		raw, _ := json.Marshal(pool)
		authsCM.Data[up+".json"] = string(raw)
		authsCM.Data[up+ledgerSuffix] = ledger.String()
		if err := r.Client.Update(ctx, authsCM); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: ConflictRetry}, nil
			}
			return ctrl.Result{}, err
		}
	}
	if err := r.writeUpstream(ctx, ns, up, &pr); err != nil {
		return ctrl.Result{}, err
	}

	// 5. Status.
	st.TotalSigned = int32(ledger.TotalSigned)
	st.Remaining = int32(remaining)
	if bsErr == nil {
		spent := bs.Spent + bs.Held
		st.Spent = int32(spent)
		st.TotalSpent = new(big.Int).Mul(big.NewInt(int64(spent)), terms.Amount).String()
	}
	if remaining > 0 {
		msg := fmt.Sprintf("%d authorizations ready", remaining)
		if bsErr != nil {
			msg += " (buyer status unknown: " + bsErr.Error() + ")"
		}
		c.True(v1alpha1.ConditionAuthorizationsReady, ReasonPoolReady, msg)
	} else {
		c.False(v1alpha1.ConditionAuthorizationsReady, ReasonPoolEmpty, "no usable authorization left in the pool")
	}
	return r.finish(ctx, &pr, st, probe.ok && remaining > 0)
}

func (r *Reconciler) finish(ctx context.Context, pr *v1alpha1.PurchaseRequest, st *v1alpha1.PurchaseRequestStatus, ready bool) (ctrl.Result, error) {
	c := conditions.For(&st.Conditions, pr.Generation)
	if ready {
		c.True(ConditionReady, ReasonPoolReady, "the buyer can pay this seller")
	} else {
		// Ready=False carries the reason and message of the condition that blocks.
		reason, msg := ReasonPoolEmpty, "no usable authorization left in the pool"
		for _, typ := range []string{v1alpha1.ConditionProbed, v1alpha1.ConditionAuthorizationsReady} {
			if b := meta.FindStatusCondition(st.Conditions, typ); b != nil && b.Status != metav1.ConditionTrue {
				reason, msg = b.Reason, typ+": "+b.Message
				break
			}
		}
		c.False(ConditionReady, reason, msg)
	}
	pr.Status = *st
	if err := r.Client.Status().Update(ctx, pr); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{RequeueAfter: ConflictRetry}, nil
		}
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.RequeueAfter}, nil
}

func (r *Reconciler) event(pr *v1alpha1.PurchaseRequest, typ, reason, action, note string) {
	if r.Recorder == nil {
		return
	}
	r.Recorder.Eventf(pr, nil, typ, reason, action, "%s", note)
}

// termsOf reads the agreed terms from the spec; Amount is the price of one request.
func termsOf(p v1alpha1.PurchasePayment) (auth.Terms, error) {
	network, err := x402.CAIP2(p.Network)
	if err != nil {
		return auth.Terms{}, fmt.Errorf("payment network: %w", err)
	}
	price, err := x402.ParseAtomic(p.Amount)
	if err != nil || price.Sign() <= 0 {
		return auth.Terms{}, fmt.Errorf("payment amount %q is not a positive integer", p.Amount)
	}
	return auth.Terms{Network: network, PayTo: p.PayTo, Asset: p.Asset, Amount: price}, nil
}

func capsOf(pr *v1alpha1.PurchaseRequest, price *big.Int) Caps {
	c := Caps{PoolSize: int(pr.Spec.Count), Price: price}
	if ar := pr.Spec.AutoRefill; ar != nil {
		if ar.MaxTotal != nil {
			c.MaxTotal = int(*ar.MaxTotal)
		}
		if ar.MaxSpendPerDay != "" {
			if v, err := x402.ParseAtomic(ar.MaxSpendPerDay); err == nil {
				c.MaxSpendPerWindow = v
			}
		}
	}
	return c
}

type probeResult struct {
	ok              bool
	reason, message string
	price           string
	requirements    x402.Requirements
}

// probe asks the seller for its 402 and picks the offer that matches the terms.
func (r *Reconciler) probe(ctx context.Context, endpoint string, terms auth.Terms) probeResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return probeResult{reason: ReasonProbeFailed, message: err.Error()}
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return probeResult{reason: ReasonProbeFailed, message: "seller unreachable: " + err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusPaymentRequired {
		return probeResult{reason: ReasonNoPaymentRequired, message: fmt.Sprintf("seller answered %d, not 402", resp.StatusCode)}
	}
	ch, err := challenge.Parse(resp.Header, body)
	if err != nil {
		return probeResult{reason: ReasonProbeFailed, message: err.Error()}
	}
	var mism []string
	price := ""
	for i, o := range ch.Offers {
		if o.CAIP2 == terms.Network && strings.EqualFold(o.Asset, terms.Asset) && o.Amount != nil && price == "" {
			price = o.Amount.String()
		}
		why := terms.Mismatch(o)
		if why != "" {
			mism = append(mism, fmt.Sprintf("offer %d: %s", i, why))
			continue
		}
		extra := json.RawMessage(`{}`)
		maxTimeout := int64(60)
		if ch.Version == x402.V2 {
			var rq x402.Requirements
			if raw, ok := ch.Accepts(i); ok && json.Unmarshal(raw, &rq) == nil {
				extra, maxTimeout = rq.Extra, rq.MaxTimeoutSeconds
			}
		} else if v1, ok := ch.V1(i); ok {
			extra, maxTimeout = v1.Extra, v1.MaxTimeoutSeconds
		}
		return probeResult{ok: true, reason: ReasonTermsMatch, price: o.Amount.String(), message: "the seller asks exactly the agreed terms",
			requirements: x402.Requirements{Scheme: x402.SchemeExact, Network: terms.Network, Amount: terms.Amount.String(), Asset: o.Asset, PayTo: o.PayTo, MaxTimeoutSeconds: maxTimeout, Extra: extra}}
	}
	if price == "" && len(ch.Offers) > 0 && ch.Offers[0].Amount != nil {
		price = ch.Offers[0].Amount.String()
	}
	return probeResult{reason: ReasonTermsMismatch, price: price, message: "no offer of the seller matches spec.payment: " + strings.Join(mism, "; ")}
}

type buyerPool struct {
	Remaining int `json:"remaining"`
	Spent     int `json:"spent"`
	Held      int `json:"held"`
}

func (r *Reconciler) buyerStatus(ctx context.Context, up string) (buyerPool, error) {
	if r.BuyerURL == "" {
		return buyerPool{}, errors.New("no buyer URL configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(r.BuyerURL, "/")+"/status", nil)
	if err != nil {
		return buyerPool{}, err
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return buyerPool{}, fmt.Errorf("buyer status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return buyerPool{}, fmt.Errorf("buyer status answered %d", resp.StatusCode)
	}
	var doc struct {
		Upstreams map[string]buyerPool `json:"upstreams"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&doc); err != nil {
		return buyerPool{}, fmt.Errorf("buyer status: %w", err)
	}
	p, ok := doc.Upstreams[up]
	if !ok {
		return buyerPool{}, fmt.Errorf("buyer has not loaded upstream %s yet", up)
	}
	return p, nil
}

func (r *Reconciler) buyerConsumed(ctx context.Context, up string) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(r.BuyerURL, "/")+"/consumed/"+up, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("buyer consumed list answered %d", resp.StatusCode)
	}
	var doc struct {
		Keys []string `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&doc); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(doc.Keys))
	for _, k := range doc.Keys {
		out[k] = true
	}
	return out, nil
}

func dropKeys(pool []auth.PreSigned, used map[string]bool) []auth.PreSigned {
	out := pool[:0:0]
	for _, p := range pool {
		if a, err := auth.Parse(p); err == nil && used[a.Key] {
			continue
		}
		out = append(out, p)
	}
	return out
}

func (r *Reconciler) secretValue(ctx context.Context, ns string, ref *v1alpha1.SecretKeyRef) (string, error) {
	var s corev1.Secret
	if err := r.reader().Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, &s); err != nil {
		return "", fmt.Errorf("secret %s/%s: %w", ns, ref.Name, err)
	}
	v, ok := s.Data[ref.Key]
	if !ok {
		return "", fmt.Errorf("secret %s/%s has no key %q", ns, ref.Name, ref.Key)
	}
	return strings.TrimSpace(string(v)), nil
}

func (r *Reconciler) signer(ctx context.Context, pr *v1alpha1.PurchaseRequest) (*ecdsa.PrivateKey, error) {
	v, err := r.secretValue(ctx, pr.Namespace, pr.Spec.SignerSecretRef)
	if err != nil {
		return nil, err
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X"))
	if err != nil {
		return nil, fmt.Errorf("signer key in secret %s is not a hex secp256k1 private key", pr.Spec.SignerSecretRef.Name)
	}
	return key, nil
}

// preSigned collects and checks authorizations signed elsewhere: each must pay the
// agreed terms, or the request is refused as a whole.
func (r *Reconciler) preSigned(ctx context.Context, pr *v1alpha1.PurchaseRequest, terms auth.Terms) ([]auth.PreSigned, error) {
	var out []auth.PreSigned
	for _, p := range pr.Spec.PreSignedAuths {
		out = append(out, auth.PreSigned{ID: p.ID, Payment: json.RawMessage(p.Payment.Raw)})
	}
	if ref := pr.Spec.PreSignedAuthsSecretRef; ref != nil {
		v, err := r.secretValue(ctx, pr.Namespace, ref)
		if err != nil {
			return nil, err
		}
		var list []auth.PreSigned
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return nil, fmt.Errorf("secret %s key %s is not a JSON array of authorizations: %w", ref.Name, ref.Key, err)
		}
		out = append(out, list...)
	}
	offer := auth.Offer{Scheme: x402.SchemeExact, CAIP2: terms.Network, PayTo: terms.PayTo, Asset: terms.Asset, Amount: terms.Amount}
	for i, p := range out {
		a, err := auth.Parse(p)
		if err != nil {
			return nil, fmt.Errorf("authorization %d: %w", i, err)
		}
		if !a.Pays(offer) {
			return nil, fmt.Errorf("authorization %d (%s) does not pay %s to %s", i, a.ID, terms.Amount, terms.PayTo)
		}
	}
	return out, nil
}

// signN signs n authorizations for req valid for validFor seconds (default 1 day),
// but never longer than the seller's maxTimeoutSeconds: Turnpike gates refuse a
// validBefore further ahead than that (plus a small slack) with
// authorization_validity_too_long, because every settled authorization occupies their
// replay guard until it expires. A seller who serves pre-signed pools raises
// maxTimeoutSeconds on its offer. They are stored in the compact flat form so a large
// pool fits a ConfigMap.
func signN(key *ecdsa.PrivateKey, req x402.Requirements, validFor int64, n int, now time.Time) ([]auth.PreSigned, error) {
	if validFor <= 0 {
		validFor = 86400
	}
	if req.MaxTimeoutSeconds > 0 && validFor > req.MaxTimeoutSeconds {
		validFor = req.MaxTimeoutSeconds
	}
	out := make([]auth.PreSigned, 0, n)
	for i := 0; i < n; i++ {
		p, err := eip3009.NewPayment(key, req, nil, eip3009.PaymentOptions{Now: now, ValidFor: time.Duration(validFor) * time.Second})
		if err != nil {
			return nil, fmt.Errorf("sign authorization: %w", err)
		}
		w := p.Payload.Authorization
		out = append(out, auth.PreSigned{Signature: p.Payload.Signature, From: w.From, To: w.To, Value: w.Value, ValidAfter: w.ValidAfter, ValidBefore: w.ValidBefore, Nonce: w.Nonce})
	}
	return out, nil
}

func dropExpired(pool []auth.PreSigned, now time.Time) []auth.PreSigned {
	out := pool[:0:0]
	for _, p := range pool {
		a, err := auth.Parse(p)
		if err != nil || a.ExpiresWithin(now, 10*time.Second) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func samePool(a, b []auth.PreSigned) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return string(ra) == string(rb)
}

func (r *Reconciler) getOrCreate(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	var cm corev1.ConfigMap
	err := r.reader().Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &cm)
	if apierrors.IsNotFound(err) {
		cm = corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "turnpike"}}}
		if err := r.Client.Create(ctx, &cm); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
		if err := r.reader().Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &cm); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	return &cm, nil
}

// writeUpstream writes the buyer's config entry for the request.
func (r *Reconciler) writeUpstream(ctx context.Context, ns, up string, pr *v1alpha1.PurchaseRequest) error {
	p := pr.Spec.Payment
	u := config.Upstream{URL: pr.Spec.Endpoint, RemoteModel: pr.Name, Network: p.Network, PayTo: p.PayTo, Asset: p.Asset,
		AssetSymbol: p.AssetSymbol, EIP712Name: p.EIP712Name, EIP712Version: p.EIP712Version, Price: p.Amount}
	if p.AssetDecimals != nil {
		d := int(*p.AssetDecimals)
		u.AssetDecimals = &d
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return err
	}
	cm, err := r.getOrCreate(ctx, ns, r.ConfigMapName)
	if err != nil {
		return err
	}
	if cm.Data[up+".json"] == string(raw) {
		return nil
	}
	cm.Data[up+".json"] = string(raw)
	return r.Client.Update(ctx, cm)
}

func (r *Reconciler) removeKeys(ctx context.Context, ns, name string, keys ...string) error {
	var cm corev1.ConfigMap
	if err := r.reader().Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &cm); err != nil {
		return client.IgnoreNotFound(err)
	}
	changed := false
	for _, k := range keys {
		if _, ok := cm.Data[k]; ok {
			delete(cm.Data, k)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return r.Client.Update(ctx, &cm)
}
