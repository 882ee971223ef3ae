package decision

import "fmt"

// applyBounds clamps the desired count to the variant's optional min and max and says so
// in the reason, so an operator sees when a bound, not a signal, set the answer.
func (v *variantPlan) applyBounds() {
	wanted := v.desired
	switch {
	case v.state.MinReplicas != nil && wanted < *v.state.MinReplicas:
		v.desired = *v.state.MinReplicas
		v.boundedBy = "minReplicas"
		v.reason += fmt.Sprintf("; raised to minReplicas %d (wanted %d)", v.desired, wanted)
	case v.state.MaxReplicas != nil && wanted > *v.state.MaxReplicas:
		v.desired = *v.state.MaxReplicas
		v.boundedBy = "maxReplicas"
		v.reason += fmt.Sprintf("; limited by maxReplicas %d (wanted %d)", v.desired, wanted)
	}
}
