package solve

import (
	"math"
	"testing"
)

// FuzzSolve: the answer respects every floor and bound, covers the need whenever the
// variants can, adds only to the variant cheapest per request with room, and
// never removes below what Keep asks for.
func FuzzSolve(f *testing.F) {
	f.Add(2.99, 10.0, 1.79, 4.2, 0.5, 0.0, 1, 0, 0, 0, 42.0, 42.0, -1, -1)
	f.Add(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5, 5, 5, 0, 3.0, 9.0, 8, 8)
	f.Add(3.0, 7.0, 2.0, 5.0, 1.0, 2.0, 0, 0, 0, 1, 23.0, 0.0, 2, -1)
	f.Fuzz(func(t *testing.T, c1, r1, c2, r2, c3, r3 float64, n1, n2, n3, floor int, demand, keep float64, max1, max2 int) {
		for _, x := range []float64{c1, r1, c2, r2, c3, r3, demand, keep} {
			if !(x >= 0 && x < 1e3) {
				return
			}
		}
		for _, n := range []int{n1, n2, n3, floor} {
			if n < 0 || n > 20 {
				return
			}
		}
		if max1 > 20 || max2 > 20 || max1 < -1 || max2 < -1 {
			return
		}
		vs := []Variant{
			{Name: "a", Cost: c1 + 0.01, Rate: r1, Current: n1, Floor: floor, Max: max1},
			{Name: "b", Cost: c2 + 0.01, Rate: r2, Current: n2, Max: max2},
			{Name: "c", Cost: c3 + 0.01, Rate: r3, Current: n3, Max: -1},
		}
		r := Solve(Problem{Variants: vs, Demand: demand, Keep: keep})
		for i, v := range vs {
			if r.Counts[i] < v.Floor {
				t.Fatalf("%s: %d below floor %d", v.Name, r.Counts[i], v.Floor)
			}
			if v.Max >= 0 && r.Counts[i] > max(v.Max, v.Floor, v.Current) {
				t.Fatalf("%s: %d above max %d (current %d)", v.Name, r.Counts[i], v.Max, v.Current)
			}
		}
		start := 0.0
		for _, v := range vs {
			start += float64(max(v.Current, v.Floor)) * v.Rate
		}
		switch {
		case start < demand-tolerance && r.Short <= tolerance:
			if r.Capacity < demand-1e-6 {
				t.Fatalf("capacity %v below demand %v without a shortfall", r.Capacity, demand)
			}
			// Additions go to the variant cheapest per request until it has no room, and
			// the last variant added to (the dearest per request) has no spare replica.
			last := -1
			for i, v := range vs {
				addedI := r.Counts[i] - max(v.Current, v.Floor)
				if addedI <= 0 {
					continue
				}
				if last < 0 || v.costPerRequest() > vs[last].costPerRequest() {
					last = i
				}
				for j, w := range vs {
					roomJ := math.MaxInt
					if w.Max >= 0 {
						roomJ = max(0, w.Max-max(w.Current, w.Floor))
					}
					if w.Rate > 0 && w.costPerRequest() < v.costPerRequest()-1e-12 && r.Counts[j]-max(w.Current, w.Floor) < roomJ {
						t.Fatalf("added %d %s while %s, cheaper per request, had room: %v", addedI, v.Name, w.Name, r.Counts)
					}
				}
			}
			if last >= 0 && r.Capacity-vs[last].Rate >= demand+1e-6 {
				t.Fatalf("capacity %v still covers demand %v without one of the %s added: %v", r.Capacity, demand, vs[last].Name, r.Counts)
			}
		case start >= demand-tolerance:
			if r.Capacity < math.Min(start, math.Max(keep, demand))-1e-6 {
				t.Fatalf("removed below keep: capacity %v, keep %v, demand %v, start %v", r.Capacity, keep, demand, start)
			}
		}
	})
}
