package decision

import "fmt"

// unbounded stands for "no upper bound"; far from overflow when replicas are added to it.
const unbounded = int(^uint(0) >> 2)

// bounds are the variant's effective replica bounds and what sets each: the VA's optional
// minReplicas/maxReplicas and the bounds of an HPA or ScaledObject on the same target.
// Where they conflict the autoscaler's win, since the target never leaves them.
func (v *variantPlan) bounds() (lo int, loBy string, hi int, hiBy string) {
	hi = unbounded
	if m := v.state.MinReplicas; m != nil {
		lo, loBy = *m, "minReplicas"
	}
	if m := v.state.MaxReplicas; m != nil {
		hi, hiBy = *m, "maxReplicas"
	}
	sc := v.state.Scaler
	if sc == nil {
		return lo, loBy, hi, hiBy
	}
	minBy, maxBy := sc.fields()
	if sc.MinReplicas >= lo {
		lo, loBy = sc.MinReplicas, minBy
	}
	if sc.MaxReplicas <= hi {
		hi, hiBy = sc.MaxReplicas, maxBy
	}
	if lo > hi { // one bound is the VA's and conflicts with the autoscaler's other one
		if hiBy == maxBy {
			lo, loBy = sc.MinReplicas, minBy
		} else {
			hi, hiBy = sc.MaxReplicas, maxBy
		}
	}
	return lo, loBy, hi, hiBy
}

// fields names the autoscaler's lower and upper bound as its own spec spells them, e.g.
// "HorizontalPodAutoscaler llama-a100 maxReplicas" or "ScaledObject llama-a100
// maxReplicaCount", so that a reason points at the field to change.
func (sc *ScalerBounds) fields() (minBy, maxBy string) {
	name := sc.Kind + " " + sc.Name
	if sc.Kind == "ScaledObject" {
		return name + " minReplicaCount", name + " maxReplicaCount"
	}
	return name + " minReplicas", name + " maxReplicas"
}

// applyBounds clamps the desired count to the variant's bounds and says so in the reason,
// so an operator sees when a bound, not a signal, set the answer.
func (v *variantPlan) applyBounds() {
	wanted := v.desired
	lo, loBy, hi, hiBy := v.bounds()
	switch {
	case wanted < lo:
		v.desired, v.boundedBy = lo, loBy
		v.reason += fmt.Sprintf("; raised to %s %d (wanted %d)", loBy, lo, wanted)
	case wanted > hi:
		v.desired, v.boundedBy = hi, hiBy
		v.reason += fmt.Sprintf("; limited by %s %d (wanted %d)", hiBy, hi, wanted)
	}
}

// atMax marks a variant that a scale-up passed over because it is at its upper bound, and
// returns the reason's phrase naming the bound.
func (v *variantPlan) atMax() string {
	_, _, hi, hiBy := v.bounds()
	v.boundedBy = hiBy
	return fmt.Sprintf("at %s %d", hiBy, hi)
}

// atFloor returns the reason's phrase for a variant a scale-down passes over because it is
// at its lower bound, naming the bound that sets it ("at floor 1" when none does: the
// saturation rules never take a variant below one replica; only the zero policy does).
func (v *variantPlan) atFloor() string {
	lo, loBy, _, _ := v.bounds()
	if lo < 1 || loBy == "" {
		return fmt.Sprintf("at floor %d", v.floor())
	}
	v.boundedBy = loBy
	return fmt.Sprintf("at %s %d", loBy, lo)
}
