package solve

import (
	"math"
	"strings"
	"testing"
)

// h100 and a100 are the benchmark's variants: the dearer H100 sustains more than twice
// the A100's rate, so it is cheaper per request.
func h100(current int) Variant {
	return Variant{Name: "h100", Cost: 2.99, Rate: 10, Current: current, Max: -1}
}
func a100(current int) Variant {
	return Variant{Name: "a100", Cost: 1.79, Rate: 4.2, Current: current, Max: -1}
}

func TestSolve(t *testing.T) {
	cases := []struct {
		name  string
		p     Problem
		want  []int
		short bool
		says  string
	}{
		{"cheapest per request, not per replica", Problem{Variants: []Variant{a100(0), h100(1)}, Demand: 40}, []int{0, 4}, false, "add 3 h100"},
		{"a remainder is not mixed onto a variant dearer per request", Problem{Variants: []Variant{a100(0), h100(1)}, Demand: 42}, []int{0, 5}, false, "add 4 h100"},
		{"max bound sends the rest elsewhere", Problem{Variants: []Variant{a100(0), func() Variant { v := h100(1); v.Max = 3; return v }()}, Demand: 40}, []int{3, 3}, false, "add"},
		{"floor is kept", Problem{Variants: []Variant{func() Variant { v := a100(0); v.Floor = 2; return v }(), h100(1)}, Demand: 5}, []int{2, 0}, false, "remove 1 h100"},
		{"remove dearest per request first", Problem{Variants: []Variant{a100(2), h100(6)}, Demand: 40, Keep: 40}, []int{0, 4}, false, "remove 2 a100"},
		{"stabilisation keeps capacity for the recent peak", Problem{Variants: []Variant{a100(0), h100(5)}, Demand: 30, Keep: 45}, []int{0, 5}, false, "hold"},
		{"capacity floor stops removal", Problem{Variants: []Variant{a100(0), h100(5)}, Demand: 10, CapacityFloor: 45}, []int{0, 5}, false, "hold"},
		{"capacity floor adds", Problem{Variants: []Variant{a100(0), h100(2)}, Demand: 10, CapacityFloor: 30}, []int{0, 3}, false, "add 1 h100"},
		{"cannot cover: everything with room, and says so", Problem{Variants: []Variant{func() Variant { v := a100(0); v.Max = 1; return v }(), func() Variant { v := h100(1); v.Max = 2; return v }()}, Demand: 100}, []int{1, 2}, true, "still short"},
		{"a variant that cannot meet the targets is never added", Problem{Variants: []Variant{{Name: "l4", Cost: 0.5, Max: -1}, h100(0)}, Demand: 15}, []int{0, 2}, false, "add 2 h100"},
		{"a variant that cannot meet the targets goes first", Problem{Variants: []Variant{{Name: "l4", Cost: 0.5, Current: 2, Max: -1}, h100(2)}, Demand: 15, Keep: 15}, []int{0, 2}, false, "remove 2 l4"},
		{"no demand keeps the floors", Problem{Variants: []Variant{a100(3), func() Variant { v := h100(3); v.Floor = 1; return v }()}}, []int{0, 1}, false, "remove"},
	}
	for _, c := range cases {
		r := Solve(c.p)
		if !equal(r.Counts, c.want) || (r.Short > 0) != c.short || !strings.Contains(r.Reason, c.says) {
			t.Errorf("%s: counts %v short %.2f reason %q; want %v short %v reason containing %q", c.name, r.Counts, r.Short, r.Reason, c.want, c.short, c.says)
		}
	}
}

// TestSolveSteadyLoadHolds: fed its own answer back under a steady or slightly noisy
// demand (with the stabilisation window's maximum as Keep), the solver holds after the
// first step: no oscillation.
func TestSolveSteadyLoadHolds(t *testing.T) {
	vs := []Variant{a100(0), h100(1)}
	demands := []float64{38, 41, 39.5, 40.9, 38.2, 40, 41, 39}
	keep := 0.0
	var prev []int
	for i, d := range demands {
		keep = math.Max(keep, d)
		r := Solve(Problem{Variants: vs, Demand: d, Keep: keep})
		if i > 1 && !equal(r.Counts, prev) {
			t.Fatalf("window %d (demand %.1f): %v after %v: the allocation moved under steady load", i, d, r.Counts, prev)
		}
		for k := range vs {
			vs[k].Current = r.Counts[k]
		}
		prev = r.Counts
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
