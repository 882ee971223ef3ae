package solve

import (
	"fmt"
	"testing"
)

var sink Result

// BenchmarkSolve is one model's allocation with 3 and 10 variants, adding capacity.
func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{3, 10} {
		vs := make([]Variant, n)
		for i := range vs {
			vs[i] = Variant{Name: fmt.Sprintf("v%d", i), Cost: 1 + float64(i)*0.37, Rate: 2 + float64(i*i%7), Current: 1, Max: 50}
		}
		b.Run(fmt.Sprintf("variants=%d", n), func(b *testing.B) {
			for b.Loop() {
				sink = Solve(Problem{Variants: vs, Demand: 173.5})
			}
		})
	}
}
