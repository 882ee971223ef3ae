package decision

import (
	"math"
	"strings"
	"testing"
)

// TestV1Rules covers the spare-capacity analyser on a single variant.
func TestV1Rules(t *testing.T) {
	cases := []struct {
		name     string
		replicas []ReplicaSignals
		want     want
	}{
		{"worked example: 0.65 and 0.75 give spare 0.10 at the trigger and scale up",
			[]ReplicaSignals{replica("h100", 0, 0.65, 0), replica("h100", 1, 0.75, 0)},
			want{3, ActionScaleUp, "average spare KV 0.10 <= trigger 0.10 over 2 non-saturated replica(s); +1 on cheapest variant h100 (cost 5.0)"}},
		{"spare just above the trigger holds",
			[]ReplicaSignals{replica("h100", 0, 0.64, 0), replica("h100", 1, 0.75, 0)},
			want{2, ActionHold, "average spare KV 0.105 > trigger 0.10"}},
		{"all replicas saturated scales up",
			[]ReplicaSignals{replica("h100", 0, 0.80, 0), replica("h100", 1, 0.95, 0)},
			want{3, ActionScaleUp, "all 2 sampled replica(s) saturated"}},
		{"queue spare below trigger scales up",
			[]ReplicaSignals{replica("h100", 0, 0.1, 3), replica("h100", 1, 0.1, 3)},
			want{3, ActionScaleUp, "average spare queue 2.00 <= trigger 3.0"}},
		{"queue at threshold saturates the replica",
			[]ReplicaSignals{replica("h100", 0, 0.1, 5), replica("h100", 1, 0.1, 5)},
			want{3, ActionScaleUp, "saturated"}},
		{"light load over three replicas scales down",
			[]ReplicaSignals{replica("h100", 0, 0.1, 0), replica("h100", 1, 0.1, 0), replica("h100", 2, 0.1, 0)},
			want{2, ActionScaleDown, "load of 3 replicas on 2"}},
		{"one non-saturated replica never scales down",
			[]ReplicaSignals{replica("h100", 0, 0.1, 0)},
			want{1, ActionHold, "1 non-saturated replica(s), need at least 2"}},
		{"spare after removal exactly at the trigger is unsafe",
			[]ReplicaSignals{replica("h100", 0, 0.35, 0), replica("h100", 1, 0.35, 0)},
			want{2, ActionHold, "scale-down unsafe: load of 2 replicas on 1: spare KV 0.10"}},
		{"queue after removal too short is unsafe",
			[]ReplicaSignals{replica("h100", 0, 0.1, 1), replica("h100", 1, 0.1, 1)},
			want{2, ActionHold, "spare queue 3.00 vs trigger 3.0"}},
		{"a saturated replica blocks scale-down",
			[]ReplicaSignals{replica("h100", 0, 0.1, 0), replica("h100", 1, 0.1, 0), replica("h100", 2, 0.9, 0)},
			want{3, ActionHold, "scale-down unsafe: 1 replica(s) saturated"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, r := range tc.replicas {
				if r.Variant == "h100" {
					n++
				}
			}
			d := mustDecide(t, snap([]VariantState{variant("h100", 5, n)}, tc.replicas...))
			if d.Analysis.Analyzer != AnalyzerSaturationV1 {
				t.Fatalf("analyzer %s, want v1", d.Analysis.Analyzer)
			}
			check(t, d, map[string]want{"h100": tc.want})
		})
	}
}

// TestV1WorkedExampleFigures pins the analysis figures of the published example.
func TestV1WorkedExampleFigures(t *testing.T) {
	d := mustDecide(t, snap([]VariantState{variant("h100", 5, 2)}, replica("h100", 0, 0.65, 0), replica("h100", 1, 0.75, 0)))
	a := d.Analysis
	if math.Abs(a.AvgSpareKv-0.10) > 1e-9 || a.NonSaturatedReplicas != 2 || a.SaturatedReplicas != 0 || !a.ScaleUpNeeded {
		t.Fatalf("figures %+v", a)
	}
	if a.AvgSpareQueue != 5 {
		t.Fatalf("avg spare queue %v, want 5", a.AvgSpareQueue)
	}
}

// TestV1CostAwareChoice covers the guide's multi-variant examples and the tie-breaks.
func TestV1CostAwareChoice(t *testing.T) {
	load := func(kv float64, specs ...[2]any) []ReplicaSignals {
		var out []ReplicaSignals
		for _, s := range specs {
			for i := range s[1].(int) {
				out = append(out, replica(s[0].(string), i, kv, 0))
			}
		}
		return out
	}
	cases := []struct {
		name     string
		variants []VariantState
		replicas []ReplicaSignals
		wants    map[string]want
	}{
		{"cost 5 vs 20: scale-up lands on cost 5",
			[]VariantState{variant("v1-l4", 5, 2), variant("v2-a100", 20, 2)},
			load(0.75, [2]any{"v1-l4", 2}, [2]any{"v2-a100", 2}),
			map[string]want{"v1-l4": {3, ActionScaleUp, "cheapest variant v1-l4 (cost 5.0)"}, "v2-a100": {2, ActionHold, "preferred variant v1-l4"}}},
		{"cost 5 vs 20: scale-down lands on cost 20",
			[]VariantState{variant("v1-l4", 5, 2), variant("v2-a100", 20, 2)},
			load(0.1, [2]any{"v1-l4", 2}, [2]any{"v2-a100", 2}),
			map[string]want{"v1-l4": {2, ActionHold, "more expensive variant v2-a100"}, "v2-a100": {1, ActionScaleDown, "most expensive variant v2-a100 (cost 20.0)"}}},
		{"cost 15 vs 20: scale-up lands on cost 15",
			[]VariantState{variant("variant-1", 20, 2), variant("variant-2", 15, 3)},
			load(0.75, [2]any{"variant-1", 2}, [2]any{"variant-2", 3}),
			map[string]want{"variant-1": {2, ActionHold, ""}, "variant-2": {4, ActionScaleUp, "cost 15.0"}}},
		{"cost 15 vs 20: scale-down lands on cost 20",
			[]VariantState{variant("variant-1", 20, 2), variant("variant-2", 15, 3)},
			load(0.1, [2]any{"variant-1", 2}, [2]any{"variant-2", 3}),
			map[string]want{"variant-1": {1, ActionScaleDown, "cost 20.0"}, "variant-2": {3, ActionHold, ""}}},
		{"guide's 15 vs 20 loads (spare KV 0.15, queue 3.2) hold",
			[]VariantState{variant("variant-1", 20, 2), variant("variant-2", 15, 3)},
			[]ReplicaSignals{replica("variant-1", 0, 0.70, 2), replica("variant-1", 1, 0.75, 3),
				replica("variant-2", 0, 0.60, 1), replica("variant-2", 1, 0.65, 2), replica("variant-2", 2, 0.55, 1)},
			map[string]want{"variant-1": {2, ActionHold, "average spare KV 0.15 > trigger 0.10 and spare queue 3.20 > trigger 3.0"}, "variant-2": {3, ActionHold, ""}}},
		{"equal cost: scale-up goes to the variant with most spare KV",
			[]VariantState{variant("a", 10, 2), variant("b", 10, 2)},
			[]ReplicaSignals{replica("a", 0, 0.78, 0), replica("a", 1, 0.78, 0), replica("b", 0, 0.72, 0), replica("b", 1, 0.72, 0)},
			map[string]want{"a": {2, ActionHold, ""}, "b": {3, ActionScaleUp, ""}}},
		{"equal cost and spare: scale-up goes to the first name",
			[]VariantState{variant("b", 10, 2), variant("a", 10, 2)},
			load(0.75, [2]any{"a", 2}, [2]any{"b", 2}),
			map[string]want{"a": {3, ActionScaleUp, ""}, "b": {2, ActionHold, ""}}},
		{"equal cost: scale-down goes to the variant with most spare KV",
			[]VariantState{variant("a", 10, 2), variant("b", 10, 2)},
			[]ReplicaSignals{replica("a", 0, 0.2, 0), replica("a", 1, 0.2, 0), replica("b", 0, 0.05, 0), replica("b", 1, 0.05, 0)},
			map[string]want{"a": {2, ActionHold, ""}, "b": {1, ActionScaleDown, ""}}},
		{"equal cost and spare: scale-down goes to the first name",
			[]VariantState{variant("b", 10, 2), variant("a", 10, 2)},
			load(0.1, [2]any{"a", 2}, [2]any{"b", 2}),
			map[string]want{"a": {1, ActionScaleDown, ""}, "b": {2, ActionHold, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, mustDecide(t, snap(tc.variants, tc.replicas...)), tc.wants)
		})
	}
}

// TestV1PendingAndInFlight covers variants that must not be chosen.
func TestV1PendingAndInFlight(t *testing.T) {
	hot := func(v string, n int) []ReplicaSignals {
		var out []ReplicaSignals
		for i := range n {
			out = append(out, replica(v, i, 0.78, 0))
		}
		return out
	}
	t.Run("cheapest variant with a pending replica is skipped", func(t *testing.T) {
		cheap := variant("cheap", 5, 3)
		cheap.ReadyReplicas = 2
		s := snap([]VariantState{cheap, variant("pricey", 20, 2)}, append(hot("cheap", 2), hot("pricey", 2)...)...)
		check(t, mustDecide(t, s), map[string]want{
			"cheap":  {3, ActionHold, "1 pending replica(s)"},
			"pricey": {3, ActionScaleUp, "cheapest variant pricey"},
		})
	})
	t.Run("variant with a change in flight keeps its previous desired and is not chosen", func(t *testing.T) {
		cheap := variant("cheap", 5, 2)
		cheap.PreviousDesired = ptr(3)
		s := snap([]VariantState{cheap, variant("pricey", 20, 2)}, append(hot("cheap", 2), hot("pricey", 2)...)...)
		d := mustDecide(t, s)
		check(t, d, map[string]want{
			"cheap":  {3, ActionScaleUp, "change in flight for an unknown time (previous desired 3, current 2)"},
			"pricey": {3, ActionScaleUp, "cheapest variant pricey"},
		})
		if !variantByName(t, d, "cheap").InFlight || variantByName(t, d, "pricey").InFlight {
			t.Fatalf("InFlight flags wrong: %+v", d.Variants)
		}
	})
	t.Run("expensive variant in flight is not scaled down; the next one is", func(t *testing.T) {
		pricey := variant("pricey", 20, 2)
		pricey.PreviousDesired = ptr(4)
		var rs []ReplicaSignals
		for i := range 2 {
			rs = append(rs, replica("cheap", i, 0.05, 0), replica("pricey", i, 0.05, 0))
		}
		check(t, mustDecide(t, snap([]VariantState{variant("cheap", 5, 2), pricey}, rs...)), map[string]want{
			"cheap":  {1, ActionScaleDown, "most expensive variant cheap"},
			"pricey": {4, ActionScaleUp, "change in flight"},
		})
	})
	t.Run("previous desired equal to current is no change in flight", func(t *testing.T) {
		cheap := variant("cheap", 5, 2)
		cheap.PreviousDesired = ptr(2)
		check(t, mustDecide(t, snap([]VariantState{cheap, variant("pricey", 20, 2)}, append(hot("cheap", 2), hot("pricey", 2)...)...)),
			map[string]want{"cheap": {3, ActionScaleUp, "cheapest variant cheap"}, "pricey": {2, ActionHold, ""}})
	})
	t.Run("no eligible variant holds and says why", func(t *testing.T) {
		cheap := variant("cheap", 5, 3)
		cheap.ReadyReplicas = 2
		d := mustDecide(t, snap([]VariantState{cheap}, hot("cheap", 2)...))
		check(t, d, map[string]want{"cheap": {3, ActionHold, "pending"}})
		if !strings.Contains(d.Reason, "every variant has pending replicas") {
			t.Fatalf("model reason %q", d.Reason)
		}
	})
	t.Run("scale-down never goes below one replica", func(t *testing.T) {
		rs := []ReplicaSignals{replica("a", 0, 0.01, 0), replica("b", 0, 0.01, 0)}
		d := mustDecide(t, snap([]VariantState{variant("a", 5, 1), variant("b", 20, 1)}, rs...))
		check(t, d, map[string]want{"a": {1, ActionHold, "at floor 1"}, "b": {1, ActionHold, "at floor 1"}})
		if !d.Analysis.ScaleDownSafe {
			t.Fatalf("scale-down should be judged safe, blocked only by the floor: %+v", d.Analysis)
		}
	})
}
