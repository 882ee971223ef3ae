package policy

import (
	"math"
	"slices"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// TestCheapestCover checks the oracle's per-interval choice.
func TestCheapestCover(t *testing.T) {
	m := &simulator.ModelConfig{Variants: []simulator.VariantConfig{{Name: "a100", Cost: 1.8}, {Name: "h100", Cost: 3, MinReplicas: simtest.IntP(1)}}}
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
	m.Variants[1].MaxReplicas = simtest.IntP(1)
	m.Variants[0].MaxReplicas = simtest.IntP(2)
	if got, ok := cheapestCover(100, caps, m); ok || !slices.Equal(got, []int{2, 1}) {
		t.Errorf("uncoverable load = %v (%v), want the maxima [2 1] and false", got, ok)
	}
}

// TestJointCoverSharesGPUs: with a shared inventory, the oracle's covers of several
// models are chosen together: the cheapest combination that fits, else every rate
// rationed by the same share.
func TestJointCoverSharesGPUs(t *testing.T) {
	model := simulator.ModelConfig{Variants: []simulator.VariantConfig{{Name: "a100", Cost: 1.8, GPUsPerReplica: 1}, {Name: "h100", Cost: 3, GPUsPerReplica: 1}}}
	pl := &coverPlanner{
		models: []simulator.ModelConfig{model, model},
		caps:   [][]float64{{4, 10}, {4, 10}},
		accs:   [][]string{{"A100", "H100"}, {"A100", "H100"}},
		gpus:   map[string]int{"H100": 3, "A100": 4},
	}
	d, outcome := pl.plan([]float64{10, 10})
	if outcome != covered || !slices.Equal(d[0], []int{0, 1}) || !slices.Equal(d[1], []int{0, 1}) {
		t.Errorf("room for both: %v (%v), want one h100 each", d, outcome)
	}
	d, outcome = pl.plan([]float64{20, 20}) // alone each wants 2 h100; 3 exist
	if outcome != covered || !pl.fits(d) {
		t.Fatalf("shared: %v (%v), want a cover that fits", d, outcome)
	}
	if got := pl.cost(0, d[0]) + pl.cost(1, d[1]); math.Abs(got-14.4) > 1e-9 {
		t.Errorf("shared cover %v costs %.2f, want 14.4 (2 h100 for one model, 1 h100 + 3 a100 for the other)", d, got)
	}
	d, outcome = pl.plan([]float64{40, 40}) // needs far more than 3 h100 + 4 a100
	if outcome != coverRationed || !pl.fits(d) {
		t.Errorf("short: %v (%v), want a rationed cover that fits", d, outcome)
	}
}
