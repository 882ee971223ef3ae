package decision

import "testing"

// TestBounds checks min/max clamping and that the reason names the bound.
func TestBounds(t *testing.T) {
	light := func(v string, n int) []ReplicaSignals {
		var out []ReplicaSignals
		for i := range n {
			out = append(out, replica(v, i, 0.05, 0))
		}
		return out
	}
	hot := func(v string, n int) []ReplicaSignals {
		var out []ReplicaSignals
		for i := range n {
			out = append(out, replica(v, i, 0.9, 0))
		}
		return out
	}
	t.Run("cheapest at maxReplicas is skipped for scale-up", func(t *testing.T) {
		cheap := variant("cheap", 5, 2)
		cheap.MaxReplicas = ptr(2)
		s := snap([]VariantState{cheap, variant("pricey", 20, 1)}, append(hot("cheap", 2), hot("pricey", 1)...)...)
		check(t, mustDecide(t, s), map[string]want{"cheap": {2, ActionHold, "at maxReplicas"}, "pricey": {2, ActionScaleUp, ""}})
	})
	t.Run("maxReplicas below current limits the answer", func(t *testing.T) {
		v := variant("a", 5, 5)
		v.MaxReplicas = ptr(3)
		d := mustDecide(t, snap([]VariantState{v}, replica("a", 0, 0.5, 0)))
		check(t, d, map[string]want{"a": {3, ActionScaleDown, "limited by maxReplicas 3 (wanted 5)"}})
		if d.Variants[0].BoundedBy != "maxReplicas" {
			t.Fatalf("BoundedBy %q", d.Variants[0].BoundedBy)
		}
	})
	t.Run("minReplicas above current raises the answer", func(t *testing.T) {
		v := variant("a", 5, 1)
		v.MinReplicas = ptr(2)
		check(t, mustDecide(t, snap([]VariantState{v}, replica("a", 0, 0.5, 0))),
			map[string]want{"a": {2, ActionScaleUp, "raised to minReplicas 2 (wanted 1)"}})
	})
	t.Run("minReplicas is the floor for scale-down", func(t *testing.T) {
		v := variant("a", 5, 3)
		v.MinReplicas = ptr(3)
		check(t, mustDecide(t, snap([]VariantState{v}, light("a", 3)...)), map[string]want{"a": {3, ActionHold, "hold: at minReplicas 3; scale-down safe"}})
	})
	t.Run("previous desired above maxReplicas is clamped", func(t *testing.T) {
		v := variant("a", 5, 2)
		v.PreviousDesired, v.MaxReplicas = ptr(6), ptr(4)
		check(t, mustDecide(t, snap([]VariantState{v}, light("a", 2)...)),
			map[string]want{"a": {4, ActionScaleUp, "limited by maxReplicas 4 (wanted 6)"}})
	})
	t.Run("no bound, no mention", func(t *testing.T) {
		d := mustDecide(t, snap([]VariantState{variant("a", 5, 3)}, light("a", 3)...))
		if d.Variants[0].BoundedBy != "" {
			t.Fatalf("BoundedBy %q", d.Variants[0].BoundedBy)
		}
	})
}

// A reason names an autoscaler's bound by the field its spec has: an HPA's minReplicas and
// maxReplicas, a KEDA ScaledObject's minReplicaCount and maxReplicaCount.
func TestScalerBoundsAreNamedAsTheirSpecSpellsThem(t *testing.T) {
	light := []ReplicaSignals{replica("a", 0, 0.05, 0), replica("a", 1, 0.05, 0), replica("a", 2, 0.05, 0)}
	for _, tc := range []struct {
		kind, floor, limit string
	}{
		{"HorizontalPodAutoscaler", "hold: at HorizontalPodAutoscaler s minReplicas 3; scale-down safe", "limited by HorizontalPodAutoscaler s maxReplicas 2 (wanted 5)"},
		{"ScaledObject", "hold: at ScaledObject s minReplicaCount 3; scale-down safe", "limited by ScaledObject s maxReplicaCount 2 (wanted 5)"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			v := variant("a", 5, 3)
			v.Scaler = &ScalerBounds{Kind: tc.kind, Name: "s", MinReplicas: 3, MaxReplicas: 10}
			check(t, mustDecide(t, snap([]VariantState{v}, light...)), map[string]want{"a": {3, ActionHold, tc.floor}})
			v = variant("a", 5, 5)
			v.Scaler = &ScalerBounds{Kind: tc.kind, Name: "s", MinReplicas: 1, MaxReplicas: 2}
			check(t, mustDecide(t, snap([]VariantState{v}, replica("a", 0, 0.5, 0))), map[string]want{"a": {2, ActionScaleDown, tc.limit}})
		})
	}
}
