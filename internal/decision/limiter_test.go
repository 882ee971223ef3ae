package decision

import (
	"strings"
	"testing"
)

// hotPair is a model of two variants whose replicas are all saturated.
func hotPair(cheapGPUs, priceyGPUs int) Snapshot {
	cheap, pricey := variant("cheap", 5, 1), variant("pricey", 20, 1)
	cheap.GPUsPerReplica, pricey.GPUsPerReplica = cheapGPUs, priceyGPUs
	return snap([]VariantState{cheap, pricey}, replica("cheap", 0, 0.9, 0), replica("pricey", 0, 0.9, 0))
}

// TestGPULimiter checks that scale-ups get whole replicas only as far as GPUs allow.
func TestGPULimiter(t *testing.T) {
	cases := []struct {
		name     string
		snapshot Snapshot
		free     map[string]int
		wants    map[string]want
		short    int // GPUShortfall of "cheap"
	}{
		{"no inventory: no limit", hotPair(8, 8), nil,
			map[string]want{"cheap": {2, ActionScaleUp, ""}, "pricey": {1, ActionHold, ""}}, 0},
		{"enough GPUs", hotPair(8, 8), map[string]int{"acc-cheap": 8},
			map[string]want{"cheap": {2, ActionScaleUp, ""}}, 0},
		{"7 of 8 GPUs is no replica: the next variant gets it", hotPair(8, 4), map[string]int{"acc-cheap": 7, "acc-pricey": 4},
			map[string]want{"cheap": {1, ActionHold, `GPU limit: 7 free "acc-cheap" GPU(s), 8 per replica`}, "pricey": {2, ActionScaleUp, "cheapest variant cheap could not get GPUs"}}, 1},
		{"no GPUs anywhere: nothing granted", hotPair(1, 1), map[string]int{"acc-cheap": 0, "acc-pricey": 0},
			map[string]want{"cheap": {1, ActionHold, "GPU limit"}, "pricey": {1, ActionHold, "could not take the +1 cheap could not get either"}}, 1},
		{"accelerator absent from the inventory is not limited", hotPair(1, 1), map[string]int{"other": 0},
			map[string]want{"cheap": {2, ActionScaleUp, ""}}, 0},
		{"variant needing no GPU is not limited", hotPair(0, 1), map[string]int{"acc-cheap": 0},
			map[string]want{"cheap": {2, ActionScaleUp, ""}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.snapshot.FreeGPUs = tc.free
			d := mustDecide(t, tc.snapshot)
			check(t, d, tc.wants)
			if got := variantByName(t, d, "cheap").GPUShortfall; got != tc.short {
				t.Fatalf("shortfall %d, want %d", got, tc.short)
			}
			if tc.short > 0 && variantByName(t, d, "pricey").DesiredReplicas == 1 && !strings.Contains(d.Reason, "could not be granted") {
				t.Fatalf("model reason %q does not say what was not granted", d.Reason)
			}
		})
	}
}

// TestGPULimiterDoesNotMutateInventory checks the caller's map is left alone.
func TestGPULimiterDoesNotMutateInventory(t *testing.T) {
	s := hotPair(2, 2)
	s.FreeGPUs = map[string]int{"acc-cheap": 4}
	mustDecide(t, s)
	if s.FreeGPUs["acc-cheap"] != 4 {
		t.Fatalf("inventory mutated: %v", s.FreeGPUs)
	}
}

// TestGrantAlternativesCapacityLeft: in HYBRID the variants standing in for a refused
// one are asked for the fewest replicas that carry the refused replicas' rate, capped by
// the demand the model's replicas (and its scale-ups still to be granted) leave
// uncovered; without rates (CAPACITY-ONLY) they are offered the replica count.
func TestGrantAlternativesCapacityLeft(t *testing.T) {
	rates := []float64{10, 4, 0, 2} // pref, alt, unknown, slow
	cases := []struct {
		name    string
		rates   []float64
		demand  float64
		alts    []int
		pool    map[string]int
		queued  []scaleUp
		want    []int // desired per variant afterwards
		wantOut int   // replicas still not granted
	}{
		{"rates nil: the replica count", nil, 0, []int{1}, nil, nil, []int{2, 2, 0, 0}, 0},
		{"the refused replicas' rate when less than uncovered", rates, 100, []int{1}, nil, nil, []int{2, 5, 0, 0}, 0},
		{"only the demand left uncovered", rates, 25, []int{1}, nil, nil, []int{2, 2, 0, 0}, 0},
		{"demand already covered: nothing offered", rates, 18, []int{1}, nil, nil, []int{2, 0, 0, 0}, 0},
		{"demand covered several times over: nothing taken away", rates, 5, []int{1}, nil, nil, []int{2, 0, 0, 0}, 0},
		{"queued scale-ups count as covering", rates, 30, []int{1}, nil, []scaleUp{{variant: 3, replicas: 2}}, []int{2, 2, 0, 0}, 0},
		{"zero alternative rate: the replicas the uncovered rate is worth", rates, 25, []int{2, 1}, nil, nil, []int{2, 0, 1, 0}, 0},
		{"partial grants: the next alternative carries the rest", rates, 40, []int{1, 3}, map[string]int{"acc-alt": 3, "acc-slow": 2},
			nil, []int{2, 3, 0, 2}, 1},
		{"refused variant of unknown rate: nothing placed by rate", []float64{0, 4, 0, 2}, 40, []int{1}, nil, nil, []int{2, 0, 0, 0}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &plan{}
			for _, n := range []string{"pref", "alt", "unknown", "slow"} {
				p.variants = append(p.variants, variantPlan{state: variant(n, 1, 0)})
			}
			p.variants[0].desired = 2 // granted so far; 2 more refused
			r := scaleUp{variant: 0, replicas: 4, alternatives: tc.alts, rates: tc.rates, demand: tc.demand}
			left := p.grantAlternatives(r, 2, "pref", tc.pool, tc.queued)
			for i, w := range tc.want {
				if got := p.variants[i].desired; got != w {
					t.Errorf("%s %d, want %d (%s)", p.variants[i].state.Name, got, w, p.variants[i].reason)
				}
			}
			if left != tc.wantOut {
				t.Errorf("%d replica(s) left, want %d", left, tc.wantOut)
			}
		})
	}
}

// TestHybridGPULimitKeepsTheCapacityAnswer: when the replica the saturation analyser asks
// for is refused on its variant, it has a stand-in, as in CAPACITY-ONLY, even
// where the model's current replicas cover its planned rate: the capacity answer is a
// floor on the model's capacity, and capping stand-ins at the demand left uncovered
// applies only to what the optimiser adds above it.
func TestHybridGPULimitKeepsTheCapacityAnswer(t *testing.T) {
	for _, rate := range []float64{3, 5, 10} {
		s := hybridSnap(1, 1, 0.75, 0, rate) // both replicas saturated by KV: the analyser asks for one more
		s.FreeGPUs = map[string]int{"acc-h100": 0, "acc-a100": 20}
		d, err := Decide(s)
		if err != nil {
			t.Fatal(err)
		}
		if d.Proactive == nil || d.Proactive.CapacityReplicas < 3 {
			t.Fatalf("rate %v: capacity answer %+v, want 3 replicas or more for the test to mean anything", rate, d.Proactive)
		}
		total := 0
		for _, v := range d.Variants {
			total += v.DesiredReplicas
		}
		if total < d.Proactive.CapacityReplicas {
			t.Errorf("rate %v: %d replica(s) desired, below the capacity answer's %d: %s | %s | %s",
				rate, total, d.Proactive.CapacityReplicas, d.Reason, d.Variants[0].Reason, d.Variants[1].Reason)
		}
	}
}

// TestGrantAlternativesCarryTheFloorReplicaForReplica: the refused replicas the capacity
// answer asked for are carried replica for replica by the stand-ins, however well the
// demand is covered (saturation's answer is a count of replicas); the replicas of the
// first variant that were granted count towards that floor first, and demand left
// uncovered beyond the floor is carried at the stand-in's rate.
func TestGrantAlternativesCarryTheFloorReplicaForReplica(t *testing.T) {
	rates := []float64{10, 4}
	cases := []struct {
		name   string
		floor  int
		demand float64
		want   int // the stand-in's desired replicas afterwards
	}{
		{"no floor, demand covered: nothing offered", 0, 18, 0},
		{"both refused replicas are the floor's: two stand-ins", 4, 18, 2},
		{"the granted replicas fill the floor first: one refused is the floor's", 3, 18, 1},
		{"the floor met by the granted replicas: the cap applies", 2, 18, 0},
		{"uncovered demand beyond the floor: the demand decides", 3, 38, 5},
		{"uncovered demand worth less than the floor: the floor decides", 4, 22, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &plan{variants: []variantPlan{{state: variant("pref", 1, 0)}, {state: variant("alt", 1, 0)}}}
			p.variants[0].desired = 2 // granted so far; 2 more refused
			r := scaleUp{variant: 0, replicas: 4, alternatives: []int{1}, rates: rates, demand: tc.demand, floor: tc.floor}
			if left := p.grantAlternatives(r, 2, "pref", nil, nil); left != 0 {
				t.Errorf("%d replica(s) left, want 0", left)
			}
			if got := p.variants[1].desired; got != tc.want {
				t.Errorf("alt %d, want %d (%s)", got, tc.want, p.variants[1].reason)
			}
		})
	}
}

// TestHybridGPULimitStandsInReplicaForReplica: a saturation scale-up on a model whose
// planned rate its replicas cover, its H100 refused, is one A100, as in CAPACITY-ONLY:
// on the scarce-GPU benchmark a queue blip at 6 requests/s became five A100s, the H100's
// rate carried whole, and the A100s another model's ramp needed were gone.
func TestHybridGPULimitStandsInReplicaForReplica(t *testing.T) {
	s := hybridSnap(0, 1, 0.75, 0, 3) // the H100 saturated by KV: the analyser asks for one more
	s.FreeGPUs = map[string]int{"acc-h100": 0, "acc-a100": 20}
	d, err := Decide(s)
	if err != nil {
		t.Fatal(err)
	}
	if d.Proactive == nil || d.Proactive.CapacityReplicas != 2 {
		t.Fatalf("capacity answer %+v, want 2 replicas for the test to mean anything", d.Proactive)
	}
	for _, v := range d.Variants {
		if want := map[string]int{"a100": 1, "h100": 1}[v.Name]; v.DesiredReplicas != want {
			t.Errorf("%s %d, want %d: %s", v.Name, v.DesiredReplicas, want, v.Reason)
		}
	}
}

// TestGrantPassesOnTheScaleUpsStillToBeGranted: when a HYBRID scale-up is refused in
// part, the plan's scale-ups after it (not yet granted) count as covering the demand, so
// its stand-ins carry only what even those leave uncovered; the ones before it are
// already in the desired replicas.
func TestGrantPassesOnTheScaleUpsStillToBeGranted(t *testing.T) {
	rates := []float64{10, 4, 2} // pref, alt, slow
	p := &plan{}
	for _, n := range []string{"pref", "alt", "slow"} {
		p.variants = append(p.variants, variantPlan{state: variant(n, 1, 0)})
	}
	p.requests = []scaleUp{
		{variant: 0, replicas: 4, alternatives: []int{1}, rates: rates, demand: 30},
		{variant: 2, replicas: 2, rates: rates, demand: 30},
	}
	p.grant(map[string]int{"acc-pref": 2, "acc-alt": 20, "acc-slow": 20})
	// pref gets 2 of 4 (20/s); slow's 2 queued carry 4/s: 6/s left uncovered, 2 A100-like
	// replicas at 4/s (3 if slow's were not counted, 5 for the whole refused rate).
	for i, want := range []int{2, 2, 2} {
		if got := p.variants[i].desired; got != want {
			t.Errorf("%s %d, want %d (%s)", p.variants[i].state.Name, got, want, p.variants[i].reason)
		}
	}
}
