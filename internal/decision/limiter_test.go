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
