package offers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

// TestInDocument: what every reconcile (not only the offer's own) keeps in the routes
// document. An offer at the end of its drain keeps its entry until its own reconcile
// took the gate down, so another offer's reconcile in between cannot drop it early
// (the gate would answer 503 offer_unknown where it should say 403 offer_drained).
func TestInDocument(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &Reconciler{RouteRemovalDelay: 3 * time.Second}
	at := func(d time.Duration) *metav1.Time { v := metav1.NewTime(now.Add(d)); return &v }
	offer := func(ready bool, drainEnd time.Duration, gen int64, removed *metav1.Time) *v1alpha1.ServiceOffer {
		o := &v1alpha1.ServiceOffer{}
		if drainEnd != 0 {
			o.Spec.DrainAt = at(drainEnd)
			o.Spec.DrainGracePeriod = &metav1.Duration{}
		}
		status := metav1.ConditionFalse
		if ready {
			status = metav1.ConditionTrue
		}
		o.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: "x"}}
		o.Status.RoutesGeneration, o.Status.RouteRemovedAt = gen, removed
		return o
	}
	for _, tc := range []struct {
		desc  string
		offer *v1alpha1.ServiceOffer
		want  bool
	}{
		{desc: "ready, not draining", offer: offer(true, 0, 4, nil), want: true},
		{desc: "not ready", offer: offer(false, 0, 0, nil), want: false},
		{desc: "draining in its grace period", offer: offer(true, time.Minute, 4, nil), want: true},
		{desc: "drain just ended, its own reconcile has not run yet", offer: offer(true, -time.Second, 4, nil), want: true},
		{desc: "route removed, gate still up", offer: offer(false, -2*time.Second, 4, at(-time.Second)), want: true},
		{desc: "route removed long ago, its own teardown has not run yet", offer: offer(false, -5*time.Second, 4, at(-3*time.Second)), want: true},
		{desc: "its own teardown ran (Draining=False Drained)", offer: func() *v1alpha1.ServiceOffer {
			o := offer(false, -5*time.Second, 4, at(-3*time.Second))
			o.Status.Conditions = append(o.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDraining, Status: metav1.ConditionFalse, Reason: ReasonDrained})
			return o
		}(), want: false},
		{desc: "drain ended while not in the document", offer: offer(false, -time.Second, 0, nil), want: false},
		{desc: "torn down", offer: offer(false, -time.Hour, 0, at(-time.Hour)), want: false},
		{desc: "being deleted", offer: func() *v1alpha1.ServiceOffer {
			o := offer(false, -time.Second, 4, at(-time.Second))
			o.DeletionTimestamp = at(-time.Second)
			return o
		}(), want: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if got := r.inDocument(tc.offer, now); got != tc.want {
				t.Fatalf("inDocument = %v, want %v", got, tc.want)
			}
		})
	}
}
