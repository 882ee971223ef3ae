package decision

import (
	"fmt"
	"slices"
	"testing"
)

// TestOrderIndependence checks that float sums, choices and reasons do not depend on
// the order the collector listed replicas and variants in: values are chosen so that
// summing them in different orders gives different last bits.
func TestOrderIndependence(t *testing.T) {
	kvs := []float64{0.1, 0.2, 0.3, 0.7, 0.11, 0.13, 0.17, 0.19, 0.23, 0.29}
	for _, version := range []SaturationVersion{SaturationV1, SaturationV2} {
		var rs []ReplicaSignals
		for i, kv := range kvs {
			rs = append(rs, replica([]string{"a", "b", "c"}[i%3], i, kv, float64(i%3)*0.7))
		}
		// Two samples under one pod name (a restarted pod scraped twice) must not make
		// the order matter either.
		rs = append(rs, replica("a", 0, 0.31, 1))
		s := snap([]VariantState{variant("a", 5, 4), variant("b", 5, 3), variant("c", 9, 3)}, rs...)
		s.Saturation.Version = version
		want := fmt.Sprintf("%+v", mustDecide(t, s))
		for k := 1; k < len(rs); k++ {
			p := s
			p.Replicas = append(slices.Clone(rs[k:]), rs[:k]...)
			if k%2 == 0 {
				slices.Reverse(p.Replicas)
			}
			p.Variants = slices.Clone(s.Variants)
			slices.Reverse(p.Variants)
			if got := fmt.Sprintf("%+v", mustDecide(t, p)); got != want {
				t.Fatalf("%s: rotation %d changed the decision:\n got %s\nwant %s", version, k, got, want)
			}
		}
	}
}
