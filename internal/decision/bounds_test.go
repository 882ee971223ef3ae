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
		check(t, mustDecide(t, snap([]VariantState{v}, light("a", 3)...)), map[string]want{"a": {3, ActionHold, "at floor 3"}})
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
