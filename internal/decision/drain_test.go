package decision

import (
	"math"
	"slices"
	"testing"
)

func TestDrainFirstTakesTheReplicasWithLeastWorkInFlight(t *testing.T) {
	rs := []ReplicaSignals{
		{Variant: "a", Pod: "a-busy", Running: 12, Waiting: 3},
		{Variant: "a", Pod: "a-idle-2", KvCacheUsage: 0.2},
		{Variant: "a", Pod: "a-idle-1", KvCacheUsage: 0.2},
		{Variant: "a", Pod: "a-light", Running: 1, KvCacheUsage: 0.05},
		{Variant: "a", Pod: "a-idle-kv", KvCacheUsage: 0.1},
		{Variant: "b", Pod: "b-idle"},
	}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, []string{"a-idle-kv"}},
		{3, []string{"a-idle-kv", "a-idle-1", "a-idle-2"}},
		{4, []string{"a-idle-kv", "a-idle-1", "a-idle-2", "a-light"}},
		{9, []string{"a-idle-kv", "a-idle-1", "a-idle-2", "a-light", "a-busy"}},
	} {
		if got := DrainFirst(rs, "a", tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("DrainFirst(n=%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	// The order of the input does not matter.
	slices.Reverse(rs)
	if got := DrainFirst(rs, "a", 3); !slices.Equal(got, []string{"a-idle-kv", "a-idle-1", "a-idle-2"}) {
		t.Errorf("reversed input: %v", got)
	}
	if got := DrainFirst([]ReplicaSignals{{Variant: "a", Pod: "x", Running: math.NaN()}, {Variant: "a", Pod: "y"}}, "a", 1); len(got) != 1 {
		t.Errorf("NaN work: %v", got)
	}
}

// TestNoScaleDownWhileReplicasAboveTheTargetRemain: a scale-down was written (the target
// asks for 2) but the ReplicaSet has not removed the third replica yet, which still
// reports. Deciding on its samples would take the model down again, to 1, for the same
// load: the variant holds until the replicas above its target are gone.
func TestNoScaleDownWhileReplicasAboveTheTargetRemain(t *testing.T) {
	leaving := variant("a", 5, 2)
	leaving.Leaving = 1
	s := snap([]VariantState{leaving}, replica("a", 0, 0.05, 0), replica("a", 1, 0.05, 0), replica("a", 2, 0.05, 0))
	check(t, mustDecide(t, s), map[string]want{"a": {desired: 2, action: ActionHold,
		reason: "hold: 1 replica(s) above the target of 2 not removed yet; scale-down waits"}})
	// Once they are gone, the scale-down the load allows goes ahead.
	done := snap([]VariantState{variant("a", 5, 2)}, replica("a", 0, 0.05, 0), replica("a", 1, 0.05, 0))
	check(t, mustDecide(t, done), map[string]want{"a": {desired: 1, action: ActionScaleDown}})
}
