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
