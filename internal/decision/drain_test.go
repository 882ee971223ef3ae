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
