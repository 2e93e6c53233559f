package conditions_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/turnpike-x402/turnpike/controller/conditions"
)

func TestSetter(t *testing.T) {
	type write struct {
		gen             int64
		typ             string
		ok              bool
		reason, message string
	}
	for _, tc := range []struct {
		desc        string
		writes      []write
		wantChanged bool // of the last write
		want        metav1.Condition
	}{
		{
			desc:        "a new condition carries the status, reason, message and generation",
			writes:      []write{{gen: 3, typ: "Ready", ok: true, reason: "Reconciled", message: "serving"}},
			wantChanged: true,
			want:        metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Reconciled", Message: "serving", ObservedGeneration: 3},
		},
		{
			desc: "false replaces true",
			writes: []write{
				{gen: 1, typ: "Ready", ok: true, reason: "Reconciled", message: "serving"},
				{gen: 1, typ: "Ready", ok: false, reason: "Unhealthy", message: "upstream down"},
			},
			wantChanged: true,
			want:        metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Unhealthy", Message: "upstream down", ObservedGeneration: 1},
		},
		{
			desc: "the same verdict at the same generation is no change",
			writes: []write{
				{gen: 2, typ: "Probed", ok: true, reason: "TermsMatch", message: "ok"},
				{gen: 2, typ: "Probed", ok: true, reason: "TermsMatch", message: "ok"},
			},
			wantChanged: false,
			want:        metav1.Condition{Type: "Probed", Status: metav1.ConditionTrue, Reason: "TermsMatch", Message: "ok", ObservedGeneration: 2},
		},
		{
			desc: "the same verdict on a newer generation moves ObservedGeneration",
			writes: []write{
				{gen: 2, typ: "Probed", ok: true, reason: "TermsMatch", message: "ok"},
				{gen: 5, typ: "Probed", ok: true, reason: "TermsMatch", message: "ok"},
			},
			wantChanged: true,
			want:        metav1.Condition{Type: "Probed", Status: metav1.ConditionTrue, Reason: "TermsMatch", Message: "ok", ObservedGeneration: 5},
		},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var conds []metav1.Condition
			var changed bool
			for _, w := range tc.writes {
				s := conditions.For(&conds, w.gen)
				if w.ok {
					changed = s.True(w.typ, w.reason, w.message)
				} else {
					changed = s.False(w.typ, w.reason, w.message)
				}
			}
			if changed != tc.wantChanged {
				t.Errorf("last write changed = %v, want %v", changed, tc.wantChanged)
			}
			if len(conds) != 1 {
				t.Fatalf("%d conditions, want 1: %+v", len(conds), conds)
			}
			got := meta.FindStatusCondition(conds, tc.want.Type)
			if got == nil {
				t.Fatalf("no %s condition", tc.want.Type)
			}
			if got.Status != tc.want.Status || got.Reason != tc.want.Reason || got.Message != tc.want.Message || got.ObservedGeneration != tc.want.ObservedGeneration {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
			if got.LastTransitionTime.IsZero() {
				t.Error("LastTransitionTime not set")
			}
		})
	}
}

func TestSetterKeepsOtherTypes(t *testing.T) {
	var conds []metav1.Condition
	s := conditions.For(&conds, 1)
	s.True("Probed", "TermsMatch", "ok")
	s.False("Ready", "NotReady", "pool empty")
	if len(conds) != 2 {
		t.Fatalf("%d conditions, want 2", len(conds))
	}
	if !meta.IsStatusConditionTrue(conds, "Probed") || !meta.IsStatusConditionFalse(conds, "Ready") {
		t.Errorf("conditions %+v", conds)
	}
}
