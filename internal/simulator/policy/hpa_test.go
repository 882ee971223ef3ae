package policy

import (
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

func readyPods(values ...float64) []simulator.PodView {
	var out []simulator.PodView
	for _, v := range values {
		out = append(out, simulator.PodView{Variant: "v", Ready: true, HasSample: true, Running: v})
	}
	return out
}

// TestHPARecommend checks the HPA controller's calculation on a Pods metric.
func TestHPARecommend(t *testing.T) {
	p := &hpaPolicy{tolerance: 0.1}
	cases := []struct {
		name    string
		current int
		pods    []simulator.PodView
		want    int
	}{
		{"within tolerance holds", 2, readyPods(10.9, 10.9), 2},
		{"above tolerance scales up", 2, readyPods(15, 15), 3},
		{"below tolerance scales down", 4, readyPods(2, 2, 2, 2), 1},
		{"unready pods count as zero on scale-up", 3, append(readyPods(15, 15), simulator.PodView{Variant: "v"}), 3},
		{"unscraped pods count as at target on scale-down", 3, append(readyPods(2, 2), simulator.PodView{Variant: "v", Ready: true}), 2},
		{"no metrics holds", 3, []simulator.PodView{{Variant: "v"}}, 3},
	}
	for _, c := range cases {
		if got := p.recommend(c.current, c.pods, 10); got != c.want {
			t.Errorf("%s: recommend = %d, want %d", c.name, got, c.want)
		}
	}
}

// TestHPAStabilisation: scale-up is immediate (rate-limited), scale-down waits for the
// highest recommendation of the window to come down.
func TestHPAStabilisation(t *testing.T) {
	p := &hpaPolicy{targets: []float64{10}, tolerance: 0.1, window: 5 * time.Minute, bounds: [][2]int{{1, 100}}, history: [][]recommendation{nil}}
	at := func(m int) time.Duration { return time.Duration(m) * time.Minute }
	if got := p.variant(0, 2, readyPods(100, 100), at(0)); got != 6 {
		t.Errorf("scale-up from 2 wanting 20 = %d, want 6 (max(2×2, 2+4) per period)", got)
	}
	if got := p.variant(0, 6, readyPods(1, 1, 1, 1, 1, 1), at(1)); got != 6 {
		t.Errorf("scale-down inside the window = %d, want 6 (recommendation 20 still in the window)", got)
	}
	if got := p.variant(0, 6, readyPods(1, 1, 1, 1, 1, 1), at(5)); got != 1 {
		t.Errorf("scale-down after the window = %d, want 1", got)
	}
}
