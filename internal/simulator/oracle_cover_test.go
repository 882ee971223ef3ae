package simulator

import (
	"slices"
	"testing"
)

// TestCheapestCover checks the oracle's per-interval choice.
func TestCheapestCover(t *testing.T) {
	m := &ModelConfig{Variants: []VariantConfig{{Name: "a100", Cost: 1.8}, {Name: "h100", Cost: 3, MinReplicas: intp(1)}}}
	caps := []float64{4, 10}
	cases := []struct {
		rate float64
		want []int
	}{
		{0, []int{0, 1}},     // the minimum stays
		{10, []int{0, 1}},    // one H100 covers it
		{13, []int{1, 1}},    // topping up with an A100 is cheaper than a second H100
		{19.5, []int{0, 2}},  // two H100 (6.0) beat one H100 + three A100 (8.4)
		{24, []int{1, 2}},    // 7.8
		{0.01, []int{0, 1}},  // tiny load, minimum
		{40, []int{0, 4}},    // 12.0
		{41, []int{1, 4}},    // 13.8 < 5 H100 (15)
		{15.5, []int{0, 2}},  // 6.0 < 1 H100 + 2 A100 (6.6)
		{14, []int{1, 1}},    // 4.8
		{4.01, []int{0, 1}},  // covered by the minimum
		{20.01, []int{1, 2}}, // just over two H100
	}
	for _, c := range cases {
		got, ok := cheapestCover(c.rate, caps, m)
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("cover %.2f req/s = %v (%v), want %v", c.rate, got, ok, c.want)
		}
	}
	m.Variants[1].MaxReplicas = intp(1)
	m.Variants[0].MaxReplicas = intp(2)
	if got, ok := cheapestCover(100, caps, m); ok || !slices.Equal(got, []int{2, 1}) {
		t.Errorf("uncoverable load = %v (%v), want the maxima [2 1] and false", got, ok)
	}
}
