package solve

import (
	"strings"
	"testing"
)

// TestSolveRules pins the optimiser's rules one case each, at their boundaries and
// tie-breaks: the rule is what the case states, and each case fails when the rule is
// broken (see testdata/mutations.yaml).
func TestSolveRules(t *testing.T) {
	l4 := func(current, maxN int) Variant { // cannot meet the targets: sustains nothing
		return Variant{Name: "l4", Cost: 0.5, Current: current, Max: maxN}
	}
	cases := []struct {
		rule string
		p    Problem
		want []int
		says string
	}{
		{"Max 0 allows no replica (only a negative Max is unbounded)",
			Problem{Variants: []Variant{func() Variant { v := h100(0); v.Max = 0; return v }(), a100(0)}, Demand: 20}, []int{0, 5}, "add 5 a100"},
		{"capacity exactly at the demand is not short: a replica that adds nothing still goes",
			Problem{Variants: []Variant{l4(2, -1), h100(2)}, Demand: 20}, []int{0, 2}, "remove 2 l4"},
		{"a variant that cannot meet the targets is never added, even when nothing else has room",
			Problem{Variants: []Variant{l4(0, 3), func() Variant { v := h100(1); v.Max = 2; return v }()}, Demand: 100}, []int{0, 2}, "add 1 h100"},
		{"equal cost per request: additions go to the first name",
			Problem{Variants: []Variant{{Name: "b", Cost: 1, Rate: 10, Max: -1}, {Name: "a", Cost: 1, Rate: 10, Max: -1}}, Demand: 10}, []int{0, 1}, "add 1 a"},
		{"removals take the dearest per request first, not the biggest replica",
			Problem{Variants: []Variant{a100(3), h100(5)}, Demand: 50, Keep: 50}, []int{0, 5}, "remove 3 a100"},
		{"equal cost per request: the dearer replica goes first",
			Problem{Variants: []Variant{{Name: "big", Cost: 2, Rate: 10, Current: 1, Max: -1}, {Name: "small", Cost: 1, Rate: 5, Current: 2, Max: -1}}, Demand: 10}, []int{0, 2}, "remove 1 big"},
		{"a variant that cannot meet the targets is described as infinitely dear, not free",
			Problem{Variants: []Variant{l4(2, -1), h100(2)}, Demand: 15, Keep: 15}, []int{0, 2}, "cost ∞ per request/s"},
	}
	for _, c := range cases {
		r := Solve(c.p)
		if !equal(r.Counts, c.want) || !strings.Contains(r.Reason, c.says) {
			t.Errorf("%s: counts %v reason %q; want %v and a reason containing %q", c.rule, r.Counts, r.Reason, c.want, c.says)
		}
	}
}
