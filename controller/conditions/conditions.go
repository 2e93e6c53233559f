// Package conditions records status conditions the same way in every reconciler:
// each one stamped with the generation it was computed from, so a reader can tell a
// verdict on the current spec from a leftover of an older one.
package conditions

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Setter writes conditions observed at one generation into a status's condition list.
// A reconciler makes one per pass (the generation is the object's at the start of the
// pass) and hands it to whatever helpers decide conditions.
type Setter struct {
	conds      *[]metav1.Condition
	generation int64
}

// For returns a Setter that writes into conds, stamping generation.
func For(conds *[]metav1.Condition, generation int64) Setter {
	return Setter{conds: conds, generation: generation}
}

// Set records condition typ with the status ok gives. It reports whether the status,
// reason, message or generation changed; meta.SetStatusCondition keeps the transition
// time when only the message or reason moved.
func (s Setter) Set(typ string, ok bool, reason, message string) bool {
	return meta.SetStatusCondition(s.conds, metav1.Condition{
		Type:               typ,
		Status:             Status(ok),
		Reason:             reason,
		Message:            message,
		ObservedGeneration: s.generation,
	})
}

// True records condition typ as True.
func (s Setter) True(typ, reason, message string) bool { return s.Set(typ, true, reason, message) }

// False records condition typ as False.
func (s Setter) False(typ, reason, message string) bool { return s.Set(typ, false, reason, message) }

// Status maps a verdict onto a condition status; Unknown is never set by these
// reconcilers because every pass reaches a verdict or keeps the previous one.
func Status(ok bool) metav1.ConditionStatus {
	if ok {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}
