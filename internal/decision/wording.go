package decision

import "fmt"

// The reason phrases of the rules both saturation analysers apply, so that one rule reads
// the same in v1 and v2. Only the ranking differs (v1 ranks variants by cost per replica,
// or per sustainable request in HYBRID, v2 by cost per token of capacity), and the
// phrases name it.
const (
	// v1Cheapest and v1Dearest name v1's choice of variant.
	v1Cheapest, v1Dearest, v1Dearer = "cheapest variant", "most expensive variant", "more expensive variant"
	// v1CheapestPerRequest, v1DearestPerRequest and v1DearerPerRequest name v1's choice in
	// HYBRID, by cost per sustainable request (v1Order).
	v1CheapestPerRequest, v1DearestPerRequest, v1DearerPerRequest = "cheapest variant per request", "most expensive variant per request", "more expensive variant per request"
	// v2Cheapest and v2Dearest name v2's choice of variant.
	v2Cheapest, v2Dearest, v2Dearer = "lowest cost-per-token variant", "highest cost-per-token variant", "higher cost-per-token variant"
)

// heldAtMax: a scale-up passes over a variant at its upper bound.
func heldAtMax(bound, signal string) string {
	return fmt.Sprintf("hold: %s; scale-up needed (%s) goes elsewhere", bound, signal)
}

// heldForPreferred: a scale-up goes to another variant, ranked before this one.
func heldForPreferred(signal, preferred string) string {
	return fmt.Sprintf("hold: scale-up (%s) goes to preferred variant %s", signal, preferred)
}

// noVariantForScaleUp: the model needs more capacity and no variant can take it.
func noVariantForScaleUp(signal, why string) string {
	return fmt.Sprintf("hold: scale-up needed (%s) but every variant has %s", signal, why)
}

// heldAtFloor: a safe scale-down passes over a variant at its lower bound.
func heldAtFloor(bound, signal string) string {
	return fmt.Sprintf("hold: %s; scale-down safe (%s)", bound, signal)
}

// heldForDearer: a scale-down is taken from another variant, ranked dearer.
func heldForDearer(signal, dearer, taken string) string {
	return fmt.Sprintf("hold: scale-down (%s) taken from %s %s", signal, dearer, taken)
}

// noVariantForScaleDown: a scale-down is safe and no variant can give a replica.
func noVariantForScaleDown(signal string) string {
	return fmt.Sprintf("hold: scale-down safe (%s) but every variant is at its floor or has a change in flight", signal)
}

// scaledDown: the variant gives n replicas; detail adds figures inside the parentheses.
func scaledDown(signal string, n int, label, name string, cost float64, detail string) string {
	return fmt.Sprintf("scale-down: %s; -%d on %s %s (cost %s%s)", signal, n, label, name, fmtNum(cost), detail)
}
