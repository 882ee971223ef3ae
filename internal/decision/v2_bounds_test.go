package decision

import (
	"testing"
)

// partialV2 is one variant with ten ready replicas of which only the first reported ones
// have samples, each at the given KV use.
func partialV2(reported int, kv float64) Snapshot {
	s := snap([]VariantState{variant("a", 10, 10)})
	for i := range reported {
		s.Replicas = append(s.Replicas, tokReplica("a", i, 1000, kv, 0, 1000))
	}
	s.Saturation.Version = SaturationV2
	return s
}

// TestV2PartialDataDoesNotScaleDown protects a model from losing 8 of 10 replicas because
// only 2 reported: supply and demand are counted over the same (reporting) replicas, and
// no scale-down rests on less than scaleDownMinCoverage of the ready replicas.
func TestV2PartialDataDoesNotScaleDown(t *testing.T) {
	// At 60% KV the two reporters stand for ten replicas in the dead band.
	check(t, mustDecide(t, partialV2(2, 0.6)), map[string]want{"a": {10, ActionHold, "2 of 10 ready replica(s) reported"}})
	// Nearly idle, but only 20% of the replicas reported: no scale-down.
	d := mustDecide(t, partialV2(2, 0.05))
	check(t, d, map[string]want{"a": {10, ActionHold, "coverage 20% < scaleDownMinCoverage 80%"}})
	if d.Analysis.ScaleDownSafe {
		t.Error("scale-down judged safe on 20% coverage")
	}
	// The same load with 9 of 10 (90%) reporting scales down on the spare of those 9
	// (115200 - 7200/0.7 = 104914 tokens: 8 replicas); all 10 reporting, down to 1.
	check(t, mustDecide(t, partialV2(9, 0.05)), map[string]want{"a": {2, ActionScaleDown, "coverage 90%"}})
	check(t, mustDecide(t, partialV2(10, 0.05)), map[string]want{"a": {1, ActionScaleDown, ""}})
}

// TestV2SilentReadyReplicasAreCapacityOnItsWay protects against provisioning for demand
// nobody measured: two saturated reporters out of ten (the other eight just became ready
// and were not scraped yet) are not taken for ten saturated replicas; the eight count as
// capacity on its way, like pending replicas, and the reason states the coverage.
func TestV2SilentReadyReplicasAreCapacityOnItsWay(t *testing.T) {
	d := mustDecide(t, partialV2(2, 0.95))
	// Demand 2 x 15200 = 30400; capacity on its way 10 x 12800: nothing required.
	check(t, d, map[string]want{"a": {10, ActionHold, "supply and demand over the 2 of 10 ready replica(s) reported (coverage 20%)"}})
	if d.Analysis.SupplyTokens != 2*12800 || d.Analysis.AnticipatedSupplyTokens != 10*12800 {
		t.Errorf("supply %.0f / anticipated %.0f, want 25600 measured and 128000 on its way", d.Analysis.SupplyTokens, d.Analysis.AnticipatedSupplyTokens)
	}
}

// TestV2CountsDesiredOfChangeInFlightAsSupply protects against provisioning twice: a
// variant whose earlier scale-up is not created yet brings that capacity, so a second
// cycle before the HPA acts does not give the same demand to another variant.
func TestV2CountsDesiredOfChangeInFlightAsSupply(t *testing.T) {
	s := v2Snap() // requires 9176 tokens: +2 l4 (6400 tokens each)
	first := mustDecide(t, s)
	check(t, first, map[string]want{"l4": {3, ActionScaleUp, ""}})
	s.Variants[1].PreviousDesired = ptr(3) // published, not created yet
	d := mustDecide(t, s)
	check(t, d, map[string]want{"l4": {3, ActionScaleUp, "change in flight"}, "a100": {2, ActionHold, ""}})
	if d.Analysis.AnticipatedSupplyTokens != 2*12800+3*6400 {
		t.Errorf("anticipated supply %.0f, want the desired l4 replicas counted", d.Analysis.AnticipatedSupplyTokens)
	}
}

// TestV2StepBoundLimitsScaleUp protects against a stalled replica (queue at threshold,
// nearly empty KV) asking for millions of replicas: one decision adds at most
// max(maxScaleUpStep, current) replicas to a variant.
func TestV2StepBoundLimitsScaleUp(t *testing.T) {
	s := snap([]VariantState{variant("a", 10, 2)},
		tokReplica("a", 0, 1000, 1e-9, 50, 8000), tokReplica("a", 1, 1000, 1e-9, 50, 8000))
	s.Saturation.Version = SaturationV2
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a": {6, ActionScaleUp, "step bound"}})
	s.Saturation.MaxScaleUpStep = 1
	check(t, mustDecide(t, s), map[string]want{"a": {4, ActionScaleUp, "maxScaleUpStep 1"}})
}
