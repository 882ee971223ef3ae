package perfmodel

import (
	"strings"
	"testing"
)

// TestSustainableRate: at the returned rate the miss is within budget, a little above it
// is not, and tighter targets or a higher attainment give a lower rate.
func TestSustainableRate(t *testing.T) {
	for name, m := range mixes {
		r := SustainableRate(h100, h100Engine, m, slo, 0.95)
		if r <= 0 {
			t.Errorf("%s: sustainable rate %v, want positive", name, r)
			continue
		}
		at, above := Predict(h100, h100Engine, m, r), Predict(h100, h100Engine, m, r*1.01)
		if at.Miss(slo) > 0.05 {
			t.Errorf("%s: miss %.4f at the sustainable rate %.3f exceeds 5%%", name, at.Miss(slo), r)
		}
		if above.Stable && above.Miss(slo) <= 0.05 && r < 0.999/Predict(h100, h100Engine, m, 1).Utilisation {
			t.Errorf("%s: 1%% above the sustainable rate %.3f the miss %.4f is still within 5%%: not the highest", name, r, above.Miss(slo))
		}
		tight := []Target{{TTFT: 0.5, ITL: 0.025, Share: 1}}
		if rt := SustainableRate(h100, h100Engine, m, tight, 0.95); rt > r {
			t.Errorf("%s: tighter targets sustain more (%.3f > %.3f)", name, rt, r)
		}
		if r99 := SustainableRate(h100, h100Engine, m, slo, 0.99); r99 > r {
			t.Errorf("%s: 99%% attainment sustains more than 95%% (%.3f > %.3f)", name, r99, r)
		}
	}
}

// TestSustainableRateImpossible: a target below one step's time cannot be met at all.
func TestSustainableRateImpossible(t *testing.T) {
	tooTight := []Target{{TTFT: 1, ITL: h100.Alpha / 2, Share: 1}}
	if r := SustainableRate(h100, h100Engine, chat, tooTight, 0.95); r != 0 {
		t.Errorf("ITL target below α: sustainable rate %v, want 0", r)
	}
}

// TestMissWorstClass: with two classes, the miss is that of the class that fares worst.
func TestMissWorstClass(t *testing.T) {
	pr := Predict(h100, h100Engine, chat, 0.7*saturation(t, h100, chat))
	tight := Target{TTFT: 0.2, ITL: 0.015, Share: 0.25}
	loose := Target{TTFT: 2, ITL: 0.1, Share: 0.75}
	mt, ml := pr.Miss([]Target{tight}), pr.Miss([]Target{loose})
	if !(mt > ml) {
		t.Fatalf("tight miss %.4f should exceed loose miss %.4f", mt, ml)
	}
	if got := pr.Miss([]Target{loose, tight}); got != mt {
		t.Errorf("two classes: miss %.6f, want the tight class's %.6f", got, mt)
	}
}

// TestValidate names the field and value of bad input.
func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"alpha zero", Params{Beta: 1, Gamma: 1}.Validate(), "alpha 0"},
		{"gamma negative", Params{Alpha: 1, Beta: 1, Gamma: -1}.Validate(), "gamma -1"},
		{"mix input mean", Mix{Input: Tokens{Mean: 0.5}, Output: Tokens{Mean: 3}}.Validate(), "input mean 0.5"},
		{"mix output sd", Mix{Input: Tokens{Mean: 5}, Output: Tokens{Mean: 3, SD: -1}}.Validate(), "output sd -1"},
		{"target share", Target{TTFT: 1, ITL: 1, Share: 2}.Validate(), "share 2"},
		{"target itl", Target{TTFT: 1, Share: 1}.Validate(), "itl 0"},
		{"observation rate", Observation{Rate: -1, Mix: chat}.Validate(), "rate -1"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.name, c.err, c.want)
		}
	}
	for _, err := range []error{h100.Validate(), chat.Validate(), slo[0].Validate(), Observation{Rate: 1, Replicas: 1, Mix: chat}.Validate()} {
		if err != nil {
			t.Errorf("valid input rejected: %v", err)
		}
	}
}

// TestTokensFromHistogram estimates a mean exactly and a spread from buckets.
func TestTokensFromHistogram(t *testing.T) {
	bounds := []float64{100, 200, 400}
	counts := []float64{10, 20, 10, 0} // midpoints 50, 150, 300
	tk, ok := TokensFromHistogram(bounds, counts, 6500)
	if !ok || tk.Mean != 162.5 || !within(tk.SD, 89.27, 0.001) {
		t.Errorf("got %+v %v, want mean 162.5 sd 89.27 (midpoints 50, 150, 300)", tk, ok)
	}
	if _, ok := TokensFromHistogram(bounds, []float64{0, 0, 0, 0}, 0); ok {
		t.Errorf("an empty window has no distribution")
	}
	if _, ok := TokensFromHistogram(bounds, []float64{1, 1}, 10); ok {
		t.Errorf("counts must have one entry more than bounds")
	}
}
