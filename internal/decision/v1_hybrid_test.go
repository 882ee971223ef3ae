package decision

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// capacityAnswerOnly is the decision the saturation analyser alone makes of a snapshot,
// HYBRID ranking included, before the model-based optimiser arbitrates: the rules, then
// the GPU limiter.
func capacityAnswerOnly(t *testing.T, s Snapshot) Decision {
	t.Helper()
	p, err := buildPlan(&s)
	if err != nil {
		t.Fatalf("buildPlan: %v", err)
	}
	p.grant(copyInventory(s.FreeGPUs))
	return p.finish()
}

// defaultRate is the rate one replica sustains within the default objectives at the
// conversation mix, by the default attainment.
func defaultRate(p perfmodel.Params, e perfmodel.Engine) float64 {
	c := DefaultServiceClass()
	targets := []perfmodel.Target{{TTFT: c.TTFT.Seconds(), ITL: c.ITL.Seconds(), Share: 1}}
	return perfmodel.SustainableRate(p, e, convMix, targets, DefaultProactiveSettings().Attainment)
}

// rateFigure is how a reason names a variant's rate and cost.
func rateFigure(name string, rate, cost float64) string {
	return fmt.Sprintf("%s %s req/s at cost %s", name, fmtNum(round3(rate)), fmtNum(cost))
}

// withL4 adds a third variant, l4 (cost 0.8, n replicas at KV usage kv, no prior: its
// rate is unknown), shaped by edit.
func withL4(s Snapshot, n int, kv float64, edit func(*VariantState)) Snapshot {
	v := variant("l4", 0.8, n)
	edit(&v)
	s.Variants = append(s.Variants, v)
	for i := range n {
		s.Replicas = append(s.Replicas, replica("l4", i, kv, 0))
	}
	in := *s.Proactive
	in.Variants = append(append([]VariantModel(nil), in.Variants...), VariantModel{Name: "l4"})
	s.Proactive = &in
	return s
}

// editHybrid returns s with its proactive input copied and then edited.
func editHybrid(s Snapshot, edit func(*ProactiveInput)) Snapshot {
	in := *s.Proactive
	in.Variants = append([]VariantModel(nil), in.Variants...)
	edit(&in)
	s.Proactive = &in
	return s
}

// TestV1HybridRanksPerRequest: in HYBRID the saturation analyser v1 scales up the
// variant cheapest per sustainable request and scales down the one dearest per request,
// the measure the solver ranks by (the H100, dearer per replica, is cheaper per request
// than the A100), and names the rates it ranked by. While a candidate's rate is unknown
// it ranks per replica and says why; variants that are no candidate (in flight, pending,
// at their bounds) never stop the ranking. CAPACITY-ONLY is unchanged, to the byte.
func TestV1HybridRanksPerRequest(t *testing.T) {
	ra, rh := defaultRate(paramsA100, engineA100), defaultRate(paramsH100, engineH100)
	if !(ra < rh && 2.99/rh < 1.79/ra) {
		t.Fatalf("fixture: want the H100 to sustain more and be cheaper per request (a100 %.3f/s, h100 %.3f/s)", ra, rh)
	}
	fast := paramsA100.Scaled(0.3, 0.3, 0.3) // an A100 prior that makes it the cheapest per request
	rf := defaultRate(fast, engineA100)
	if !(1.79/rf < 2.99/rh) {
		t.Fatalf("fixture: the fast A100 prior should be cheaper per request (a100 %.3f/s, h100 %.3f/s)", rf, rh)
	}
	const upSignal = "average spare KV 0.05 <= trigger 0.10 over 2 non-saturated replica(s)"
	upOrder := "by cost per request (" + rateFigure("h100", rh, 2.99) + ", " + rateFigure("a100", ra, 1.79) + ")"
	downOrder := "by cost per request (" + rateFigure("a100", ra, 1.79) + ", " + rateFigure("h100", rh, 2.99) + ")"
	up := func(a, h int) Snapshot { return hybridSnap(a, h, 0.75, 0, 10) }
	down := func(a, h int) Snapshot { return hybridSnap(a, h, 0.1, 0, 1) }
	capOnly := func(s Snapshot) Snapshot { s.Proactive = nil; return s }
	noPrior := func(name string) func(*ProactiveInput) {
		return func(in *ProactiveInput) {
			for i := range in.Variants {
				if in.Variants[i].Name == name {
					in.Variants[i].Prior = nil
				}
			}
		}
	}
	tie := func(s Snapshot) Snapshot { // a100 priced at the H100's cost per request, within rounding
		s.Variants[0].Cost = (2.99/rh + 1e-11) * ra
		return s
	}

	cases := []struct {
		name   string
		snap   Snapshot
		want   map[string]want
		reason string // the model's reason: contains, or equals when exact
		exact  bool
	}{
		{"up: the H100, dearer per replica, is cheaper per request", up(1, 1),
			map[string]want{
				"h100": {2, ActionScaleUp, "scale-up: " + upSignal + "; " + upOrder + "; +1 on cheapest variant per request h100 (cost 2.99)"},
				"a100": {1, ActionHold, "hold: scale-up (" + upSignal + "; " + upOrder + ") goes to preferred variant h100"}},
			"scale-up: " + upSignal + "; " + upOrder, true},
		{"up, CAPACITY-ONLY: the cheapest per replica, reasons as before", capOnly(up(1, 1)),
			map[string]want{
				"a100": {2, ActionScaleUp, "scale-up: " + upSignal + "; +1 on cheapest variant a100 (cost 1.79)"},
				"h100": {1, ActionHold, "hold: scale-up (" + upSignal + ") goes to preferred variant a100"}},
			"scale-up: " + upSignal, true},
		{"down: the A100, cheaper per replica, is dearer per request", down(2, 2),
			map[string]want{
				"a100": {1, ActionScaleDown, "; " + downOrder + "; -1 on most expensive variant per request a100 (cost 1.79)"},
				"h100": {2, ActionHold, "; " + downOrder + ") taken from more expensive variant per request a100"}},
			"scale-down: load of 4 replicas on 3: spare KV 0.667 vs trigger 0.10, spare queue 5.00 vs trigger 3.0; " + downOrder, true},
		{"down, CAPACITY-ONLY: the dearest per replica, reasons as before", capOnly(down(2, 2)),
			map[string]want{
				"h100": {1, ActionScaleDown, "scale-down: load of 4 replicas on 3: spare KV 0.667 vs trigger 0.10, spare queue 5.00 vs trigger 3.0; -1 on most expensive variant h100 (cost 2.99)"},
				"a100": {2, ActionHold, "hold: scale-down (load of 4 replicas on 3: spare KV 0.667 vs trigger 0.10, spare queue 5.00 vs trigger 3.0) taken from more expensive variant h100"}},
			"scale-down: load of 4 replicas on 3: spare KV 0.667 vs trigger 0.10, spare queue 5.00 vs trigger 3.0", true},
		{"up, a variant with neither prior nor learned parameters: per replica, saying why", editHybrid(up(1, 1), noPrior("a100")),
			map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100 (cost 1.79)"}, "h100": {1, ActionHold, ""}},
			"scale-up: " + upSignal + "; cheapest per replica (no cost per request: the rate variant a100 sustains within the objectives is not known yet)", true},
		{"down, a rate unknown: per replica, saying why", editHybrid(down(2, 2), noPrior("h100")),
			map[string]want{"h100": {1, ActionScaleDown, "-1 on most expensive variant h100 (cost 2.99)"}, "a100": {2, ActionHold, "taken from more expensive variant h100"}},
			"; most expensive per replica (no cost per request: the rate variant h100 sustains within the objectives is not known yet)", false},
		{"up, a learned variant without a prior ranks by its learned parameters", editHybrid(up(1, 1), func(in *ProactiveInput) {
			noPrior("h100")(in)
			in.State.Variants = map[string]perfmodel.State{"h100": {Params: paramsH100}}
		}), map[string]want{"h100": {2, ActionScaleUp, "+1 on cheapest variant per request h100"}}, upOrder, false},
		{"up, the prior ranks while nothing is learned: a fast A100 is cheapest per request", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Variants[0].Prior = &fast
		}), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant per request a100"}, "h100": {1, ActionHold, "goes to preferred variant a100"}},
			"by cost per request (" + rateFigure("a100", rf, 1.79) + ", " + rateFigure("h100", rh, 2.99) + ")", false},
		{"up, learned parameters rank before the prior", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Variants[0].Prior = &fast
			in.State.Variants = map[string]perfmodel.State{"a100": {Params: paramsA100}}
		}), map[string]want{"h100": {2, ActionScaleUp, "+1 on cheapest variant per request h100"}}, upOrder, false},
		{"up, the token mix from the forecast when the window has none", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Traffic = forecast.Observation{}
			in.State.Forecast = forecast.State{Level: 10, Mix: convMix, Windows: 10, Updated: t0.Add(-time.Minute)}
		}), map[string]want{"h100": {2, ActionScaleUp, "+1 on cheapest variant per request h100"}}, upOrder, false},
		{"up, no token mix: per replica, saying why", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Traffic.Mix = perfmodel.Mix{}
		}), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100"}},
			"; cheapest per replica (no cost per request: no token mix learned)", false},
		{"up, invalid proactive settings: per replica, saying why", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Settings.Attainment = 2
		}), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100"}},
			"; cheapest per replica (no cost per request: invalid proactive settings)", false},
		{"up, a variant that cannot meet the objectives: per replica, saying why", editHybrid(up(1, 1), func(in *ProactiveInput) {
			in.Classes = []ServiceClass{{Name: "tight", TTFT: time.Second, ITL: 8 * time.Millisecond}} // below the A100's step
		}), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100"}},
			"; cheapest per replica (no cost per request: variant a100 cannot meet the objectives at any rate)", false},
		{"up, a tie per request goes to the cheaper per replica", tie(up(1, 1)),
			map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant per request a100"}, "h100": {1, ActionHold, ""}}, "by cost per request (a100 ", false},
		{"down, a tie per request goes to the dearer per replica", tie(down(2, 2)),
			map[string]want{"h100": {1, ActionScaleDown, "-1 on most expensive variant per request h100 (cost 2.99)"}, "a100": {2, ActionHold, ""}}, "by cost per request (h100 ", false},
		{"up, a variant in flight is no candidate: its unknown rate does not stop the ranking", withL4(up(1, 1), 2, 0.75, func(v *VariantState) {
			v.PreviousDesired = ptr(3)
		}), map[string]want{"h100": {2, ActionScaleUp, "+1 on cheapest variant per request h100"}, "a100": {1, ActionHold, ""}, "l4": {3, ActionScaleUp, "change in flight"}},
			upOrder, false},
		{"up, the cheapest per request in flight: the lone candidate needs no ranking", func() Snapshot {
			s := up(1, 1)
			s.Variants[1].PreviousDesired = ptr(2)
			return s
		}(), map[string]want{"a100": {2, ActionScaleUp, "scale-up: average spare KV 0.05 <= trigger 0.10 over 2 non-saturated replica(s); +1 on cheapest variant a100 (cost 1.79)"}, "h100": {2, ActionScaleUp, "change in flight"}},
			"scale-up: " + upSignal, true},
		{"up, pending replicas: the other variant, without ranking", func() Snapshot {
			s := up(1, 2)
			s.Variants[1].ReadyReplicas = 1
			s.Replicas = s.Replicas[:2]
			return s
		}(), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100"}, "h100": {2, ActionHold, "1 pending replica(s)"}}, "scale-up: " + upSignal, true},
		{"up, the H100 at its maximum: the A100 takes it, without ranking", func() Snapshot {
			s := up(1, 1)
			s.Variants[1].MaxReplicas = ptr(1)
			return s
		}(), map[string]want{"a100": {2, ActionScaleUp, "+1 on cheapest variant a100 (cost 1.79)"}, "h100": {1, ActionHold, "hold: at maxReplicas 1; scale-up needed (" + upSignal + ") goes elsewhere"}},
			"scale-up: " + upSignal, true},
		{"up, a variant at its maximum whose rate is unknown does not stop the ranking", withL4(up(1, 1), 2, 0.75, func(v *VariantState) {
			v.MaxReplicas = ptr(2)
		}), map[string]want{"h100": {2, ActionScaleUp, "+1 on cheapest variant per request h100"}, "l4": {2, ActionHold, "at maxReplicas 2"}}, upOrder, false},
		{"down, the A100's last replica goes: the H100s keep serving", down(1, 3),
			map[string]want{"a100": {0, ActionScaleDown, "-1 on most expensive variant per request a100 (cost 1.79)"}, "h100": {3, ActionHold, "taken from more expensive variant per request a100"}},
			"scale-down: load of 4 replicas on 3: spare KV 0.667 vs trigger 0.10, spare queue 5.00 vs trigger 3.0; " + downOrder, true},
		{"down, CAPACITY-ONLY: a variant's last replica stays, the H100 gives", capOnly(down(1, 3)),
			map[string]want{"h100": {2, ActionScaleDown, "-1 on most expensive variant h100"}, "a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}}, "", false},
		{"down, the A100 at minReplicas 1: the H100 gives", func() Snapshot {
			s := down(1, 3)
			s.Variants[0].MinReplicas = ptr(1)
			return s
		}(), map[string]want{"h100": {2, ActionScaleDown, "-1 on most expensive variant h100"}, "a100": {1, ActionHold, "hold: at minReplicas 1; scale-down safe"}}, "", false},
		{"down, the A100's rate unknown: its last replica stays, the H100 gives", editHybrid(down(1, 3), noPrior("a100")),
			map[string]want{"h100": {2, ActionScaleDown, "-1 on most expensive variant h100"}, "a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}}, "", false},
		{"down, the H100's rate unknown: ranked per replica its last replica would go, so it stays", editHybrid(down(3, 1), noPrior("h100")),
			map[string]want{"a100": {2, ActionScaleDown, "-1 on most expensive variant a100"}, "h100": {1, ActionHold, "hold: at floor 1; scale-down safe"}}, "", false},
		{"down, no token mix: no last replica goes", editHybrid(down(1, 3), func(in *ProactiveInput) { in.Traffic.Mix = perfmodel.Mix{} }),
			map[string]want{"h100": {2, ActionScaleDown, "-1 on most expensive variant h100"}, "a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}}, "", false},
		{"down, no other variant serving: the last replica stays (a second, stale sample)", func() Snapshot {
			s := down(1, 0)
			s.Replicas = append(s.Replicas, replica("a100", 1, 0.1, 0))
			return s
		}(), map[string]want{"a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}, "h100": {0, ActionHold, ""}},
			"hold: scale-down safe (load of 2 replicas on 1: spare KV 0.60 vs trigger 0.10, spare queue 5.00 vs trigger 3.0) but every variant is at its floor or has a change in flight", true},
		{"down, the other variant's replicas not ready: the A100's last replica stays", func() Snapshot {
			s := down(1, 2)
			s.Variants[1].ReadyReplicas = 0
			s.Replicas = append(s.Replicas[:1], replica("a100", 1, 0.1, 0))
			return s
		}(), map[string]want{"a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}, "h100": {1, ActionScaleDown, "-1 on most expensive variant h100"}}, "", false},
		{"down, the other variant going to zero: the A100's last replica stays", func() Snapshot {
			s := down(1, 1)
			s.Variants[1].PreviousDesired = ptr(0)
			return s
		}(), map[string]want{"a100": {1, ActionHold, "hold: at floor 1; scale-down safe"}, "h100": {0, ActionScaleDown, "change in flight"}},
			"but every variant is at its floor or has a change in flight", false},
		{"down, a variant at its minimum whose rate is unknown does not stop the ranking", withL4(down(2, 2), 2, 0.1, func(v *VariantState) {
			v.MinReplicas = ptr(2)
		}), map[string]want{"a100": {1, ActionScaleDown, "-1 on most expensive variant per request a100"}, "h100": {2, ActionHold, ""}, "l4": {2, ActionHold, "at minReplicas 2"}},
			downOrder, false},
		{"down, a variant in flight whose rate is unknown does not stop the ranking", withL4(down(2, 2), 2, 0.1, func(v *VariantState) {
			v.PreviousDesired = ptr(1)
		}), map[string]want{"a100": {1, ActionScaleDown, "-1 on most expensive variant per request a100"}, "l4": {1, ActionScaleDown, "change in flight"}},
			downOrder, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := capacityAnswerOnly(t, tc.snap)
			check(t, d, tc.want)
			switch {
			case tc.exact && d.Reason != tc.reason:
				t.Errorf("model reason\n %q\nwant\n %q", d.Reason, tc.reason)
			case !tc.exact && !strings.Contains(d.Reason, tc.reason):
				t.Errorf("model reason %q lacks %q", d.Reason, tc.reason)
			}
		})
	}
}

// TestV1HybridOneVariantUnchanged: a model with one variant has nothing to rank, so its
// HYBRID capacity answer reads as in CAPACITY-ONLY, scale-up and scale-down alike.
func TestV1HybridOneVariantUnchanged(t *testing.T) {
	for _, kv := range []float64{0.75, 0.1} {
		s := hybridSnap(0, 3, kv, 0, 10)
		s.Variants, s.Proactive.Variants = s.Variants[1:], s.Proactive.Variants[1:]
		c := s
		c.Proactive = nil
		h, w := capacityAnswerOnly(t, s), capacityAnswerOnly(t, c)
		if h.Reason != w.Reason || h.Variants[0].Reason != w.Variants[0].Reason || h.Variants[0].DesiredReplicas != w.Variants[0].DesiredReplicas {
			t.Errorf("kv %v: HYBRID %q / %q (%d), CAPACITY-ONLY %q / %q (%d)", kv, h.Reason, h.Variants[0].Reason, h.Variants[0].DesiredReplicas,
				w.Reason, w.Variants[0].Reason, w.Variants[0].DesiredReplicas)
		}
	}
}

// TestV1HybridFloorPerRequest: the capacity answer is the floor the model keeps per
// variant, so the variant v1 ranks first is the one the model cannot remove. Ranked per
// request, v1's scale-up lands on the H100 and its scale-down on the A100, and the
// decision keeps no A100 that only a ranking per replica asked for (with per-replica
// ranking the A100 added here, and the one kept there, would stay).
func TestV1HybridFloorPerRequest(t *testing.T) {
	settled := func(s Snapshot) Snapshot { // a full stabilisation history of the rate
		s.Proactive.State.Since = t0.Add(-time.Hour)
		s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-time.Minute), Rate: s.Proactive.Traffic.Rate}}
		return s
	}
	cases := []struct {
		name     string
		snap     Snapshot
		capacity map[string]int // the saturation answer per variant
		desired  map[string]int
	}{
		{"scale-up: the floor grows on the H100", hybridSnap(1, 1, 0.75, 0, 5), map[string]int{"a100": 1, "h100": 2}, map[string]int{"a100": 1, "h100": 2}},
		{"scale-down: the A100 goes and the H100s stay", settled(hybridSnap(2, 2, 0.1, 0, 1)), map[string]int{"a100": 1, "h100": 2}, map[string]int{"a100": 1, "h100": 2}},
		{"scale-down: the A100's last replica goes while the H100s serve", settled(hybridSnap(1, 3, 0.1, 0, 1)), map[string]int{"a100": 0, "h100": 3}, map[string]int{"a100": 0, "h100": 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDecide(t, tc.snap)
			if d.Proactive == nil || !d.Proactive.Ran {
				t.Fatalf("the model did not run: %s", d.Reason)
			}
			for _, vo := range d.Proactive.Variants {
				if vo.CapacityAnswer != tc.capacity[vo.Name] {
					t.Errorf("%s: capacity answer %d, want %d (%s)", vo.Name, vo.CapacityAnswer, tc.capacity[vo.Name], d.Reason)
				}
			}
			for name, w := range tc.desired {
				if got := variantByName(t, d, name).DesiredReplicas; got != w {
					t.Errorf("%s: desired %d, want %d (%s)", name, got, w, d.Reason)
				}
			}
			if !strings.Contains(d.Reason, "(saturation scale-") || !strings.Contains(d.Reason, "by cost per request (") {
				t.Errorf("the model's reason does not carry the saturation answer's ranking: %s", d.Reason)
			}
		})
	}
}

// TestV1HybridEqualCostsRankPerReplica: variants of equal variantCost (its default is the
// same for all) are ranked as the configuration guide says of the saturation analyser,
// in HYBRID too: a scale-up goes to the variant with the most spare capacity, whatever
// their rates, and a scale-down never takes a variant's last replica.
func TestV1HybridEqualCostsRankPerReplica(t *testing.T) {
	sameCost := func(s Snapshot) Snapshot {
		for i := range s.Variants {
			s.Variants[i].Cost = 10
		}
		return s
	}
	up := sameCost(hybridSnap(2, 2, 0.75, 0, 20))
	for i := range up.Replicas {
		if up.Replicas[i].Variant == "a100" {
			up.Replicas[i].KvCacheUsage = 0.72 // the A100s have the more spare KV
		}
	}
	d := capacityAnswerOnly(t, up)
	a, h := d.Variants[0], d.Variants[1]
	if a.DesiredReplicas != 3 || h.DesiredReplicas != 2 || strings.Contains(a.Reason, "per request") {
		t.Errorf("scale-up: a100 %d, h100 %d, want 3 and 2 by spare capacity (%s | %s)", a.DesiredReplicas, h.DesiredReplicas, a.Reason, h.Reason)
	}
	down := sameCost(hybridSnap(1, 3, 0.1, 0, 5))
	d = capacityAnswerOnly(t, down)
	a, h = d.Variants[0], d.Variants[1]
	if a.DesiredReplicas != 1 || h.DesiredReplicas != 2 {
		t.Errorf("scale-down: a100 %d, h100 %d, want 1 and 2 (the last A100 stays) (%s | %s)", a.DesiredReplicas, h.DesiredReplicas, a.Reason, h.Reason)
	}
	lone := sameCost(hybridSnap(1, 3, 0.1, 0, 5))
	lone.Variants[1].PreviousDesired = ptr(2) // the H100s' change in flight: the A100 is the lone candidate
	d = capacityAnswerOnly(t, lone)
	if a = d.Variants[0]; a.DesiredReplicas != 1 {
		t.Errorf("scale-down, lone candidate: a100 %d, want 1 (the last A100 stays) (%s)", a.DesiredReplicas, a.Reason)
	}
}

// TestV1HybridEqualCandidatesKeepTheLastReplica: when the scale-down's candidates share one
// variantCost, v1 ranks them per replica, so no last replica goes, though another variant
// of the model costs less.
func TestV1HybridEqualCandidatesKeepTheLastReplica(t *testing.T) {
	s := withL4(hybridSnap(1, 3, 0.1, 0, 5), 2, 0.1, func(v *VariantState) { v.MinReplicas = ptr(2) })
	for i := range s.Variants {
		if s.Variants[i].Name != "l4" {
			s.Variants[i].Cost = 10
		}
	}
	d := capacityAnswerOnly(t, s)
	got := map[string]int{}
	for _, v := range d.Variants {
		got[v.Name] = v.DesiredReplicas
	}
	if got["a100"] != 1 || got["h100"] != 2 {
		t.Errorf("a100 %d, h100 %d, want 1 and 2 (candidates of one cost: the last A100 stays): %s", got["a100"], got["h100"], d.Reason)
	}
}

// TestV1HybridRankRatesRemembered: the rates v1 ranks by in HYBRID are remembered in the
// learned state and reused the next cycle while their inputs stay within 1%, so that a
// steady decision does not search each variant's rate again; inputs that moved further
// are computed afresh, and the memos of a variant the model no longer has are dropped.
func TestV1HybridRankRatesRemembered(t *testing.T) {
	rh := defaultRate(paramsH100, engineH100)
	s := hybridSnap(1, 1, 0.75, 0, 10) // v1 scales up and ranks the two variants
	d := mustDecide(t, s)
	m, ok := d.Proactive.State.RankRates["h100"]
	if !ok || math.Abs(m.Rate-rh) > 1e-9 {
		t.Fatalf("remembered h100 rate %+v (present %v), want %.4f", m, ok, rh)
	}
	gone := editHybrid(s, func(in *ProactiveInput) {
		in.State.RankRates = map[string]RateMemo{"l4": m}
		in.State.Rates = map[string]RateMemo{"l4": m}
	})
	st := mustDecide(t, gone).Proactive.State
	if _, kept := st.RankRates["l4"]; kept {
		t.Errorf("the rank memo of a variant the model no longer has is kept: %+v", st.RankRates)
	}
	if _, kept := st.Rates["l4"]; kept {
		t.Errorf("the rate memo of a variant the model no longer has is kept: %+v", st.Rates)
	}
	for _, c := range []struct {
		name  string
		edit  func(*RateMemo)
		shown float64
	}{
		{"inputs unchanged: the remembered rate ranks", func(*RateMemo) {}, 99},
		{"a parameter 0.5% off: still remembered", func(m *RateMemo) { m.Params.Beta *= 1.005 }, 99},
		{"a parameter 5% off: computed afresh", func(m *RateMemo) { m.Params.Beta *= 1.05 }, rh},
		{"another attainment: computed afresh", func(m *RateMemo) { m.Attainment = 0.9 }, rh},
	} {
		t.Run(c.name, func(t *testing.T) {
			memo := m
			memo.Rate = 99 // a figure the reason can only show if the memo was used
			c.edit(&memo)
			next := editHybrid(s, func(in *ProactiveInput) {
				in.State.RankRates = map[string]RateMemo{"h100": memo}
			})
			d := mustDecide(t, next)
			if want := rateFigure("h100", c.shown, 2.99); !strings.Contains(d.Reason, want) {
				t.Errorf("reason lacks %q: %s", want, d.Reason)
			}
		})
	}
}
