package offers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/turnpike-x402/turnpike/controller/api/v1alpha1"
)

func TestUpstreamRetry(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	failingFor := func(d time.Duration) []metav1.Condition {
		return []metav1.Condition{{Type: v1alpha1.ConditionUpstreamHealthy, Status: metav1.ConditionFalse, LastTransitionTime: metav1.NewTime(now.Add(-d))}}
	}
	cases := []struct {
		desc  string
		retry time.Duration
		conds []metav1.Condition
		want  time.Duration
	}{
		{desc: "just failed: one second", conds: failingFor(0), want: time.Second},
		{desc: "failing 3 s: wait 3 s", conds: failingFor(3 * time.Second), want: 3 * time.Second},
		{desc: "failing 20 s: wait 20 s", conds: failingFor(20 * time.Second), want: 20 * time.Second},
		{desc: "failing long: the retry interval", conds: failingFor(time.Hour), want: 30 * time.Second},
		{desc: "a shorter retry interval caps it", retry: 5 * time.Second, conds: failingFor(8 * time.Second), want: 5 * time.Second},
		{desc: "a sub-second retry interval is kept", retry: 200 * time.Millisecond, conds: failingFor(0), want: 200 * time.Millisecond},
		{desc: "no condition yet: the retry interval", conds: nil, want: 30 * time.Second},
		{desc: "healthy upstream (model missing): the retry interval", conds: []metav1.Condition{{Type: v1alpha1.ConditionUpstreamHealthy, Status: metav1.ConditionTrue, LastTransitionTime: metav1.NewTime(now)}}, want: 30 * time.Second},
	}
	for _, tc := range cases {
		r := &Reconciler{RetryAfter: tc.retry, Now: func() time.Time { return now }}
		if got := r.upstreamRetry(tc.conds); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.desc, got, tc.want)
		}
	}
}
