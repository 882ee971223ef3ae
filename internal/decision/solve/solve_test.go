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
		{"a removal is judged at the keep rate", Problem{Variants: []Variant{a100(0), func() Variant { v := h100(3); v.Rate, v.KeepRate = 7.71, 7.36; return v }()}, Demand: 15.1, Keep: 15.4}, []int{0, 3}, false, "below 15.4/s at the lowest recent rate per replica (22.1/s)"},
		{"at the rate alone it would go", Problem{Variants: []Variant{a100(0), func() Variant { v := h100(3); v.Rate = 7.71; return v }()}, Demand: 15.1, Keep: 15.4}, []int{0, 2}, false, "remove 1 h100"},
		{"a keep rate above the rate counts as the rate", Problem{Variants: []Variant{a100(0), func() Variant { v := h100(3); v.Rate, v.KeepRate = 7.71, 16; return v }()}, Demand: 15.1, Keep: 15.4}, []int{0, 2}, false, "remove 1 h100"},
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

// TestSolveWobblingRateHolds: under a steady demand, a per-replica rate estimate that
// moves by a few percent from one cycle to the next takes a replica away and back again
// when removals are judged at the rate of the cycle; judged at the lowest rate of the
// stabilisation period (KeepRate), the allocation holds.
func TestSolveWobblingRateHolds(t *testing.T) {
	rates := []float64{7.36, 7.63, 7.71, 7.36, 7.81, 7.22, 7.63, 7.71}
	run := func(lowest bool) (moves int) {
		v := h100(3)
		for i, r := range rates {
			v.Rate, v.KeepRate = r, 0
			if lowest {
				v.KeepRate = r
				for _, w := range rates[max(0, i-5) : i+1] { // the last six cycles
					v.KeepRate = math.Min(v.KeepRate, w)
				}
			}
			res := Solve(Problem{Variants: []Variant{v}, Demand: 15.1, Keep: 15.4})
			if res.Counts[0] != v.Current {
				moves++
			}
			v.Current = res.Counts[0]
		}
		return moves
	}
	if m := run(false); m < 2 {
		t.Fatalf("judged at each cycle's rate the allocation moved %d times; the case no longer shows the wobble", m)
	}
	if m := run(true); m != 0 {
		t.Errorf("judged at the lowest rate of the period the allocation moved %d times under steady load", m)
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
