package decision

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// TestHybridAddsAheadOfSaturation: saturation holds (spare capacity above its triggers,
// scale-down unsafe) while the forecast load needs more than two H100s: HYBRID adds
// H100s, the variant cheapest per request, and the reason names both answers, the
// forecast, each variant's sustainable rate and the predicted latencies.
func TestHybridAddsAheadOfSaturation(t *testing.T) {
	s := hybridSnap(0, 2, 0.5, 0, 30)
	capOnly := s
	capOnly.Proactive = nil
	if d := mustDecide(t, capOnly); variantByName(t, d, "h100").DesiredReplicas != 2 {
		t.Fatalf("saturation alone should hold at 2: %+v", variantByName(t, d, "h100"))
	}
	d := mustDecide(t, s)
	h := variantByName(t, d, "h100")
	if h.DesiredReplicas <= 2 || variantByName(t, d, "a100").DesiredReplicas != 0 {
		t.Fatalf("h100 desired %d, a100 %d: want more H100s and no A100 (%s)", h.DesiredReplicas, variantByName(t, d, "a100").DesiredReplicas, h.Reason)
	}
	for _, w := range []string{"capacity answer 2", "model answer", "forecast 30.0 req/s", "a100 ", "h100 ", "/s", "predicted p95 TTFT", "ITL", "default objectives"} {
		if !strings.Contains(d.Reason, w) {
			t.Errorf("model reason lacks %q: %s", w, d.Reason)
		}
	}
	if !strings.Contains(h.Reason, "capacity answer 2, model answer") {
		t.Errorf("variant reason lacks both answers: %s", h.Reason)
	}
	out := d.Proactive
	if out == nil || !out.Ran || out.CapacityReplicas != 2 || out.ModelReplicas != h.DesiredReplicas || out.PredictedTTFT <= 0 || out.PredictedITL <= 0 {
		t.Fatalf("outcome %+v", out)
	}
	// The chosen allocation is predicted to meet the objectives at its planned rate.
	if out.PredictedTTFT > 1 || out.PredictedITL > 0.05 {
		t.Errorf("predicted p95 TTFT %.3f s, ITL %.4f s at the chosen allocation exceed the default objectives", out.PredictedTTFT, out.PredictedITL)
	}
}

// TestHybridCapacityIsAFloor: when saturation asks for a replica the model thinks
// unnecessary, the capacity is still added: at least as much sustainable rate as the
// capacity answer's, possibly on a variant cheaper per request than the one it named.
func TestHybridCapacityIsAFloor(t *testing.T) {
	s := hybridSnap(0, 4, 0.85, 6, 5) // every replica saturated, little traffic forecast
	d := mustDecide(t, s)
	capOnly := s
	capOnly.Proactive = nil
	dc := mustDecide(t, capOnly)
	if dc.Variants[0].DesiredReplicas+dc.Variants[1].DesiredReplicas <= 4 {
		t.Fatalf("the capacity answer should add: %+v", dc.Variants)
	}
	rates := map[string]float64{}
	for _, vo := range d.Proactive.Variants {
		rates[vo.Name] = vo.SustainableRate
	}
	hybrid, capacity := 0.0, 0.0
	for _, v := range dc.Variants {
		if rates[v.Name] <= 0 {
			t.Fatalf("%s: no sustainable rate: %+v", v.Name, d.Proactive.Variants)
		}
		capacity += float64(v.DesiredReplicas) * rates[v.Name]
		hybrid += float64(variantByName(t, d, v.Name).DesiredReplicas) * rates[v.Name]
	}
	if hybrid < capacity {
		t.Errorf("hybrid's allocation sustains %.2f/s, below the capacity answer's %.2f/s: %+v against %+v", hybrid, capacity, d.Variants, dc.Variants)
	}
}

// TestHybridHoldBlocksRemoval: while saturation says removing a replica is unsafe, the
// model removes nothing, however little it forecasts.
func TestHybridHoldBlocksRemoval(t *testing.T) {
	s := hybridSnap(1, 3, 0.6, 1, 0.5)
	s.Proactive.State.Since = t0.Add(-time.Hour) // a full stabilisation history of low rates
	s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-time.Minute), Rate: 0.5}}
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a100": {desired: 1}, "h100": {desired: 3}})
}

// TestHybridScaleDownAfterStabilisation: saturation finds a replica safe to remove; the
// model gives capacity back only once the planned rate has stayed low for the
// stabilisation period, and never below the saturation answer of any variant (the
// capacity answer is a floor per variant). Saturation alone removes the H100, dearer per
// replica (a100 2, h100 3); in HYBRID it removes the A100, dearer per request (a100 1,
// h100 4), so the floor the model keeps is the allocation cheaper per request.
func TestHybridScaleDownAfterStabilisation(t *testing.T) {
	s := hybridSnap(2, 4, 0.1, 0, 10)
	d := mustDecide(t, s)
	if got := variantByName(t, d, "a100").DesiredReplicas + variantByName(t, d, "h100").DesiredReplicas; got < 5 {
		t.Fatalf("first decision removed capacity without a stabilisation history: a100 %d h100 %d (%s)",
			variantByName(t, d, "a100").DesiredReplicas, variantByName(t, d, "h100").DesiredReplicas, d.Reason)
	}
	if !strings.Contains(d.Reason, "scale-down waits") {
		t.Errorf("reason should say scale-down waits: %s", d.Reason)
	}
	// Four minutes of the same low rate, one decision every 30 s.
	for range 8 {
		s = next(s, d, 30*time.Second)
		d = mustDecide(t, s)
	}
	capOnly := s
	capOnly.Proactive = nil
	dc := mustDecide(t, capOnly)
	if a, h := variantByName(t, dc, "a100").DesiredReplicas, variantByName(t, dc, "h100").DesiredReplicas; a != 2 || h != 3 {
		t.Fatalf("saturation alone: a100 %d, h100 %d; want 2 and 3", a, h)
	}
	a, h := variantByName(t, d, "a100"), variantByName(t, d, "h100")
	if a.DesiredReplicas != 1 || h.DesiredReplicas != 4 {
		t.Errorf("after stabilisation: a100 %d, h100 %d; want HYBRID's saturation answer a100 1, h100 4 (the A100 is dearer per request; never below it per variant) (%s)", a.DesiredReplicas, h.DesiredReplicas, a.Reason)
	}
	for _, vo := range d.Proactive.Variants {
		if w := map[string]int{"a100": 1, "h100": 4}[vo.Name]; vo.CapacityAnswer != w {
			t.Errorf("%s: capacity answer %d, want %d", vo.Name, vo.CapacityAnswer, w)
		}
	}
}

// TestHybridSteadyLoadHolds: on a steady load, with each decision applied and the state
// fed back, the allocation settles (the initial surplus goes after the stabilisation
// period) and then never moves.
func TestHybridSteadyLoadHolds(t *testing.T) {
	s := hybridSnap(0, 5, 0.4, 0, 25)
	d := mustDecide(t, s)
	var history [][]int
	for range 16 {
		for j := range s.Variants {
			s.Variants[j].CurrentReplicas = variantByName(t, d, s.Variants[j].Name).DesiredReplicas
			s.Variants[j].ReadyReplicas = s.Variants[j].CurrentReplicas
		}
		s = next(s, d, 30*time.Second)
		s.Replicas = nil
		for _, v := range s.Variants {
			for k := range v.CurrentReplicas {
				r := replica(v.Name, k, 0.4, 0)
				r.SampleTime = s.Now
				s.Replicas = append(s.Replicas, r)
			}
		}
		d = mustDecide(t, s)
		history = append(history, []int{variantByName(t, d, "a100").DesiredReplicas, variantByName(t, d, "h100").DesiredReplicas})
	}
	settled := history[len(history)-1]
	for i, h := range history[len(history)-8:] {
		if !reflect.DeepEqual(h, settled) {
			t.Fatalf("still moving in the last four minutes (decision %d of the last 8: %v, then %v): %v", i, h, settled, history)
		}
	}
	if settled[0] != 0 || settled[1] >= 5 {
		t.Errorf("settled at a100 %d, h100 %d: want the surplus H100s given back and no A100", settled[0], settled[1])
	}
}

// TestHybridStateRoundTrip: learning carries over between decisions through the
// returned state, and the caller's state is never written.
func TestHybridStateRoundTrip(t *testing.T) {
	s := hybridSnap(0, 2, 0.5, 0, 8)
	wrong := paramsH100.Scaled(2, 2, 2)
	s.Proactive.Variants[1].Prior = &wrong
	observe(&s, "h100", paramsH100, engineH100, 2, 4)
	s.Proactive.State.Variants = map[string]perfmodel.State{}
	d := mustDecide(t, s)
	if len(s.Proactive.State.Variants) != 0 {
		t.Fatalf("the caller's state map was written")
	}
	st := d.Proactive.State.Variants["h100"]
	if st.Updates != 1 || st.Source != "prior" {
		t.Fatalf("after one window: %+v", st)
	}
	for range 5 {
		s = next(s, d, 30*time.Second)
		d = mustDecide(t, s)
	}
	st = d.Proactive.State.Variants["h100"]
	if st.Updates != 6 || !within(st.Params.Alpha, paramsH100.Alpha, 0.15) {
		t.Errorf("after six windows: updates %d, alpha %.4g (true %.4g)", st.Updates, st.Params.Alpha, paramsH100.Alpha)
	}
	if d.Proactive.State.Forecast.Windows != 6 || len(d.Proactive.State.Planned) != 6 {
		t.Errorf("forecast windows %d, planned history %d; want 6 each", d.Proactive.State.Forecast.Windows, len(d.Proactive.State.Planned))
	}
}

// TestHybridNotRun: the optimiser stands aside, leaving the rules' answer and passing the
// state through, when the safety net or the zero policy decides, the settings are
// invalid, no mix was observed, or no variant is known.
func TestHybridNotRun(t *testing.T) {
	state := ProactiveState{Forecast: forecast.State{Level: 3, Windows: 4, Updated: t0.Add(-time.Minute)}}
	cases := map[string]struct {
		mutate func(*Snapshot)
		why    string
	}{
		"safety net":       {func(s *Snapshot) { s.Signals = SignalStatus{Reason: "PrometheusError"} }, "safety-net decided"},
		"invalid settings": {func(s *Snapshot) { s.Proactive.Settings.Attainment = 1.5 }, "attainment 1.5"},
		"no mix":           {func(s *Snapshot) { s.Proactive.Traffic.Mix = perfmodel.Mix{}; s.Proactive.State = ProactiveState{} }, "no token mix"},
		"nothing known": {func(s *Snapshot) {
			for i := range s.Proactive.Variants {
				s.Proactive.Variants[i].Prior = nil
			}
		}, "no variant is known"},
	}
	for name, c := range cases {
		s := hybridSnap(0, 2, 0.5, 0, 30)
		s.Proactive.State = state
		c.mutate(&s)
		capOnly := s
		capOnly.Proactive = nil
		d, dc := mustDecide(t, s), mustDecide(t, capOnly)
		if d.Proactive == nil || d.Proactive.Ran || !strings.Contains(d.Proactive.Why, c.why) {
			t.Errorf("%s: outcome %+v, want not run because %q", name, d.Proactive, c.why)
			continue
		}
		for i := range d.Variants {
			if d.Variants[i].DesiredReplicas != dc.Variants[i].DesiredReplicas {
				t.Errorf("%s: %s desired %d, capacity answer %d", name, d.Variants[i].Name, d.Variants[i].DesiredReplicas, dc.Variants[i].DesiredReplicas)
			}
		}
		if name == "safety net" && !reflect.DeepEqual(d.Proactive.State, s.Proactive.State) {
			t.Errorf("%s: the state did not pass through unchanged", name)
		}
	}
}

// TestHybridUnknownVariantLeftAlone: a variant with nothing learned keeps the capacity
// answer; the model sizes with the variants it knows.
func TestHybridUnknownVariantLeftAlone(t *testing.T) {
	s := hybridSnap(2, 2, 0.5, 0, 40)
	s.Proactive.Variants[0].Prior = nil // a100: no prior, no window
	d := mustDecide(t, s)
	if a := variantByName(t, d, "a100"); a.DesiredReplicas != 2 {
		t.Errorf("unknown a100 moved to %d (%s)", a.DesiredReplicas, a.Reason)
	}
	if h := variantByName(t, d, "h100"); h.DesiredReplicas <= 2 {
		t.Errorf("the known h100 should cover the forecast: %d", h.DesiredReplicas)
	}
}

// TestHybridGPULimit: scale-ups the GPUs cannot hold go to the next variant cheapest per
// request.
func TestHybridGPULimit(t *testing.T) {
	s := hybridSnap(0, 2, 0.5, 0, 40)
	s.FreeGPUs = map[string]int{"acc-h100": 1, "acc-a100": 8}
	d := mustDecide(t, s)
	h, a := variantByName(t, d, "h100"), variantByName(t, d, "a100")
	if h.DesiredReplicas != 3 || h.GPUShortfall == 0 || a.DesiredReplicas == 0 {
		t.Errorf("h100 %d (shortfall %d), a100 %d: want one H100 granted and the rest on A100s", h.DesiredReplicas, h.GPUShortfall, a.DesiredReplicas)
	}
}

// TestHybridGPULimitAlternativesCoverTheCapacity: the A100s that stand in for H100s the
// GPUs cannot hold carry the capacity of those H100s, not their count (an A100 sustains
// well under half an H100's rate), and no more of it than the planned rate the model's
// replicas leave uncovered: a whole H100 refused for a sliver of planned rate is not
// three A100s, which would keep GPUs from the next model (the scarce-GPU scenario).
func TestHybridGPULimitAlternativesCoverTheCapacity(t *testing.T) {
	chat := func(a, h int, kv, waiting, rate float64, upstream int) Snapshot {
		s := hybridSnap(a, h, kv, waiting, rate)
		s.ModelID = "chat"
		s.WaitingDemand = Demand{Known: upstream > 0, Requests: upstream}
		return s
	}
	code := hybridSnap(2, 1, 0.5, 0, 25)
	code.ModelID = "code"
	cases := []struct {
		name  string
		snaps []Snapshot
		pool  map[string]int
		want  map[string]int // model/variant: desired replicas
	}{
		{"one of two H100s refused", []Snapshot{chat(0, 2, 0.5, 0, 40, 0)}, map[string]int{"acc-h100": 1, "acc-a100": 20},
			map[string]int{"chat/h100": 3, "chat/a100": 2}},
		{"both H100s refused", []Snapshot{chat(0, 2, 0.5, 0, 40, 0)}, map[string]int{"acc-h100": 0, "acc-a100": 20},
			map[string]int{"chat/h100": 2, "chat/a100": 4}},
		{"an H100 refused for a sliver of planned rate", []Snapshot{chat(0, 2, 0.5, 0, 24, 0)}, map[string]int{"acc-h100": 0, "acc-a100": 20},
			map[string]int{"chat/h100": 2, "chat/a100": 1}},
		{"the A100 already serving counts", []Snapshot{chat(1, 2, 0.5, 0, 40, 0)}, map[string]int{"acc-h100": 0, "acc-a100": 20},
			map[string]int{"chat/h100": 2, "chat/a100": 4}},
		{"the backlog waiting upstream counts", []Snapshot{chat(0, 2, 0.5, 0, 40, 150)}, map[string]int{"acc-h100": 0, "acc-a100": 20},
			map[string]int{"chat/h100": 2, "chat/a100": 5}},
		{"the H100 the model adds anyway counts", []Snapshot{chat(2, 2, 0.85, 6, 40, 0)}, map[string]int{"acc-h100": 20, "acc-a100": 0},
			map[string]int{"chat/h100": 3, "chat/a100": 2}},
		{"A100s are left for the next model", []Snapshot{chat(0, 2, 0.5, 0, 40, 0), code}, map[string]int{"acc-h100": 0, "acc-a100": 6},
			map[string]int{"chat/h100": 2, "chat/a100": 4, "code/h100": 1, "code/a100": 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]VariantDecision{}
			rates := map[string]float64{}
			demand := 0.0 // the chat model's planned rate and upstream backlog
			upstream := 0 // the chat model's requests waiting upstream
			for _, s := range tc.snaps {
				if s.ModelID == "chat" {
					upstream = s.WaitingDemand.Requests
				}
			}
			for _, r := range decideAll(t, tc.snaps, tc.pool) {
				for _, vo := range r.Decision.Proactive.Variants {
					rates[vo.Name] = vo.SustainableRate
				}
				for _, v := range r.Decision.Variants {
					got[r.ModelID+"/"+v.Name] = v
				}
				if fo := r.Decision.Proactive.Forecast; r.ModelID == "chat" {
					demand = fo.Planned + float64(upstream)/fo.Horizon.Seconds()
				}
			}
			for k, w := range tc.want {
				if got[k].DesiredReplicas != w {
					t.Errorf("%s %d, want %d (%s)", k, got[k].DesiredReplicas, w, got[k].Reason)
				}
			}
			// The chat model's replicas cover its demand, without an A100 to spare.
			h, a := got["chat/h100"].DesiredReplicas, got["chat/a100"].DesiredReplicas
			if c := float64(h)*rates["h100"] + float64(a)*rates["a100"]; c < demand || c-rates["a100"] >= demand {
				t.Errorf("chat sustains %.2f/s on %d H100 and %d A100: want its %.2f/s covered without an A100 to spare", c, h, a, demand)
			}
		})
	}
}

// decideAll decides one snapshot with Decide and the pool as its free GPUs, or several
// with DecideCycle sharing the pool, and fails the test on an error.
func decideAll(t *testing.T, snaps []Snapshot, pool map[string]int) []CycleResult {
	t.Helper()
	if len(snaps) == 1 {
		s := snaps[0]
		s.FreeGPUs = pool
		return []CycleResult{{ModelID: s.ModelID, Namespace: s.Namespace, Decision: mustDecide(t, s)}}
	}
	res := DecideCycle(snaps, pool)
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return res
}

// TestHybridPriorityFirst: with one shared pool, a Premium model gets GPUs before a
// model without class, even when the latter's need is larger.
func TestHybridPriorityFirst(t *testing.T) {
	premium := hybridSnap(0, 1, 0.5, 0, 30)
	premium.ModelID = "premium-model"
	premium.Proactive.Classes = []ServiceClass{{Name: "Premium", Priority: 1, TTFT: 500 * time.Millisecond, ITL: 24 * time.Millisecond}}
	other := hybridSnap(0, 1, 0.95, 8, 60)
	other.ModelID = "other-model"
	res := DecideCycle([]Snapshot{other, premium}, map[string]int{"acc-h100": 2, "acc-a100": 0})
	got := map[string]int{}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, v := range r.Decision.Variants {
			got[r.ModelID+"/"+v.Name] = v.DesiredReplicas
		}
		if r.ModelID == "premium-model" && (r.Decision.Analysis.Priority != 1 || !strings.Contains(r.Decision.Reason, "Premium")) {
			t.Errorf("premium model: priority %d, reason %s", r.Decision.Analysis.Priority, r.Decision.Reason)
		}
	}
	if got["premium-model/h100"] != 3 || got["other-model/h100"] != 1 {
		t.Errorf("grants %v: want both free H100s for the Premium model", got)
	}
}

// TestHybridOrderIndependent: the variants' order does not change the decision.
func TestHybridOrderIndependent(t *testing.T) {
	s := hybridSnap(1, 3, 0.5, 0, 37)
	d1 := mustDecide(t, s)
	s.Variants = []VariantState{s.Variants[1], s.Variants[0]}
	s.Proactive.Variants = []VariantModel{s.Proactive.Variants[1], s.Proactive.Variants[0]}
	d2 := mustDecide(t, s)
	if !reflect.DeepEqual(d1, d2) {
		t.Errorf("order changed the decision:\n%+v\n%+v", d1, d2)
	}
}

func within(got, want, rel float64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= rel*want
}

// TestHybridGivesBackWhenGPUsAreShort: a model holding H100s only for its stabilisation
// period releases them when another model of the same priority cannot get H100s.
func TestHybridGivesBackWhenGPUsAreShort(t *testing.T) {
	holder := hybridSnap(0, 4, 0.2, 0, 5) // four H100s, little traffic
	holder.ModelID = "holder"
	holder.Proactive.State.Since = t0.Add(-time.Minute) // stabilisation not yet observed: it would keep them
	needy := hybridSnap(0, 1, 0.5, 0, 40)
	needy.ModelID = "needy"
	res := DecideCycle([]Snapshot{holder, needy}, map[string]int{"acc-h100": 0, "acc-a100": 0})
	got := map[string]VariantDecision{}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		for _, v := range r.Decision.Variants {
			got[r.ModelID+"/"+v.Name] = v
		}
	}
	h := got["holder/h100"]
	if h.DesiredReplicas >= 4 || !strings.Contains(h.Reason, "gives back") || !strings.Contains(h.Reason, "needy") {
		t.Errorf("holder h100 %d (%s): want H100s given back to the needy model", h.DesiredReplicas, h.Reason)
	}
	if n := got["needy/h100"]; n.GPUShortfall == 0 {
		t.Errorf("needy h100 %+v: want a shortfall this cycle", n)
	}
	// With GPUs to spare, nothing is given back.
	res = DecideCycle([]Snapshot{holder, needy}, map[string]int{"acc-h100": 20, "acc-a100": 20})
	for _, r := range res {
		for _, v := range r.Decision.Variants {
			if strings.Contains(v.Reason, "gives back") {
				t.Errorf("%s/%s gave back with GPUs to spare: %s", r.ModelID, v.Name, v.Reason)
			}
		}
	}
}
