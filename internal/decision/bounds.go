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
	name := sc.Kind + " " + sc.Name
	if sc.MinReplicas >= lo {
		lo, loBy = sc.MinReplicas, name+" minReplicas"
	}
	if sc.MaxReplicas <= hi {
		hi, hiBy = sc.MaxReplicas, name+" maxReplicas"
	}
	if lo > hi { // one bound is the VA's and conflicts with the autoscaler's other one
		if hiBy == name+" maxReplicas" {
			lo, loBy = sc.MinReplicas, name+" minReplicas"
		} else {
			hi, hiBy = sc.MaxReplicas, name+" maxReplicas"
		}
	}
	return lo, loBy, hi, hiBy
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
