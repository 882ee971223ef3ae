package decision

import (
	"strings"
	"testing"
	"time"
)

// saturatedSingle is one variant at current replicas whose replicas are all saturated,
// with WVA's previous desired one above current: the HPA has not acted on it.
func saturatedSingle(current, previous int, since time.Time) Snapshot {
	v := variant("a", 5, current)
	v.PreviousDesired, v.InFlightSince = ptr(previous), since
	var rs []ReplicaSignals
	for i := range current {
		rs = append(rs, replica("a", i, 0.95, 8))
	}
	s := snap([]VariantState{v}, rs...)
	s.Interval = 30 * time.Second
	return s
}

// TestInFlightChangeExpiresWhenTargetDoesNotMove protects a saturated single-variant model
// from freezing when the HPA ignores WVA's ±1 (within its 10% tolerance): after
// inFlightExpiryIntervals intervals without progress the change expires and the variant
// is decided afresh from the previous desired, so the next step gets past the tolerance.
func TestInFlightChangeExpiresWhenTargetDoesNotMove(t *testing.T) {
	s := saturatedSingle(10, 11, t0.Add(-90*time.Second)) // 3 intervals of 30s
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a": {12, ActionScaleUp, "expired"}})
	if v := variantByName(t, d, "a"); v.InFlight {
		t.Errorf("an expired change is still reported in flight: %+v", v)
	}
	if !strings.Contains(variantByName(t, d, "a").Reason, "in flight for 1m30s") {
		t.Errorf("reason %q does not say how long the change was in flight", variantByName(t, d, "a").Reason)
	}
}

// TestInFlightHoldSaysHowLong protects the hold reason: a change in flight for less than
// the expiry is kept, and the reason says for how long and when it expires.
func TestInFlightHoldSaysHowLong(t *testing.T) {
	s := saturatedSingle(10, 11, t0.Add(-time.Minute))
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a": {11, ActionScaleUp, "change in flight for 1m0s"}})
	if v := variantByName(t, d, "a"); !v.InFlight || !strings.Contains(v.Reason, "expires after 3 interval(s) (1m30s) without progress") {
		t.Errorf("want an in-flight hold naming the expiry, got %+v", v)
	}
	s.Saturation.InFlightExpiryIntervals = 1
	check(t, mustDecide(t, s), map[string]want{"a": {12, ActionScaleUp, "expired"}})
}

// TestInFlightWithoutIntervalOrSinceNeverExpires keeps the old behaviour when the caller
// does not know the interval or the start of the change.
func TestInFlightWithoutIntervalOrSinceNeverExpires(t *testing.T) {
	s := saturatedSingle(10, 11, time.Time{})
	check(t, mustDecide(t, s), map[string]want{"a": {11, ActionScaleUp, "change in flight for an unknown time"}})
	s = saturatedSingle(10, 11, t0.Add(-time.Hour))
	s.Interval = 0
	check(t, mustDecide(t, s), map[string]want{"a": {11, ActionScaleUp, "change in flight for 1h0m0s"}})
}

// TestScalerMaxBoundsDesired protects a variant whose HPA has maxReplicas 10: WVA never
// publishes more, names the bound, and gives the scale-up to a variant with room.
func TestScalerMaxBoundsDesired(t *testing.T) {
	a, b := variant("a", 5, 10), variant("b", 20, 1)
	a.Scaler = &ScalerBounds{Kind: "HorizontalPodAutoscaler", Name: "a-hpa", MinReplicas: 1, MaxReplicas: 10}
	var rs []ReplicaSignals
	for i := range 10 {
		rs = append(rs, replica("a", i, 0.95, 8))
	}
	rs = append(rs, replica("b", 0, 0.95, 8))
	d := mustDecide(t, snap([]VariantState{a, b}, rs...))
	check(t, d, map[string]want{"a": {10, ActionHold, "HorizontalPodAutoscaler a-hpa maxReplicas 10"}, "b": {2, ActionScaleUp, ""}})

	// Alone, the variant is clamped and the reason names the bound.
	d = mustDecide(t, snap([]VariantState{a}, rs[:10]...))
	v := variantByName(t, d, "a")
	if v.DesiredReplicas != 10 || v.BoundedBy != "HorizontalPodAutoscaler a-hpa maxReplicas" || !strings.Contains(v.Reason, "HorizontalPodAutoscaler a-hpa maxReplicas 10") {
		t.Errorf("want desired 10 bounded by the HPA's max, got %+v", v)
	}
}

// TestScalerMinKeepsDesiredAboveItsFloor protects the zero policy and the safety net from
// publishing a count the target's ScaledObject or HPA never goes below.
func TestScalerMinKeepsDesiredAboveItsFloor(t *testing.T) {
	s := idleSnapshot()
	s.Variants[0].Scaler = &ScalerBounds{Kind: "ScaledObject", Name: "a-so", MinReplicas: 1, MaxReplicas: 100}
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a": {1, ActionHold, "raised to ScaledObject a-so minReplicaCount 1 (wanted 0)"}, "b": {0, ActionScaleDown, ""}})
}
