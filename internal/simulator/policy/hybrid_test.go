package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// TestHybridStepLoad: HYBRID through the registry on a step from a light load: it
// learns the H100 from its first windows, scales up within a few intervals of the step,
// keeps at least as many requests within the SLO as the saturation analyser alone, and
// contributes per model the forecast, both answers, the latencies and the learned
// parameters as charts.
func TestHybridStepLoad(t *testing.T) {
	const stepAt = 6 * time.Minute
	pat := simulator.PatternConfig{Kind: "step", Rate: 2, Rate2: 16, Duration: simulator.Duration(14 * time.Minute),
		StepAt: simulator.Duration(stepAt), PromptTokens: 1000, OutputTokens: 200}
	c := simtest.Config(pat)
	sc, p := run(t, c, Entry("hybrid", TypeHybrid, HybridSpec{}))
	if p.Type != TypeHybrid || !strings.Contains(p.Detail, "HYBRID") {
		t.Errorf("type %q detail %q", p.Type, p.Detail)
	}
	if len(p.Reactions) != 1 || p.Reactions[0].FirstScaleUp == nil {
		t.Fatalf("no reaction to the step: %+v", p.Reactions)
	}
	bound := (3*sc.Config.DecisionInterval.D() + sc.Config.MetricsWindow.D()).Seconds()
	if d := *p.Reactions[0].FirstScaleUp; d < 0 || d > bound {
		t.Errorf("first scale-up %.0fs after the step, want within %.0f", d, bound)
	}
	_, v1 := run(t, c, Entry("wva", TypeWVA, WVASpec{}))
	t.Logf("attainment: hybrid %.2f%% (cost %.2f), saturation v1 %.2f%% (cost %.2f)", 100*p.Attainment, p.Cost, 100*v1.Attainment, v1.Cost)
	if p.Attainment < v1.Attainment {
		t.Errorf("hybrid keeps %.2f%% within the SLO, saturation v1 alone %.2f%%", 100*p.Attainment, 100*v1.Attainment)
	}
	if len(p.Plots) != 4 {
		t.Fatalf("%d plots, want 4 (forecast, answers, latency, parameters)", len(p.Plots))
	}
	for _, pl := range p.Plots {
		if len(pl.Lines) < 2 {
			t.Errorf("plot %q has %d lines", pl.Title, len(pl.Lines))
		}
		for _, l := range pl.Lines {
			if len(l.X) == 0 {
				t.Errorf("plot %q line %q is empty", pl.Title, l.Name)
			}
		}
	}
	params := p.Plots[3].Lines[0] // α over the profile's value
	if last := params.Y[len(params.Y)-1]; last == nil || *last < 0.7 || *last > 1.4 {
		t.Errorf("learned α / true at the end: %v, want within 30%% (started from the first window)", last)
	}
}

// TestHybridKnob: the attainment the optimiser sizes for is its knob, cheapest first.
func TestHybridKnob(t *testing.T) {
	sc := simtest.Scenario(t, simtest.Config(simulator.PatternConfig{Kind: "constant", Rate: 2, Duration: simulator.Duration(time.Minute), PromptTokens: 100, OutputTokens: 10}))
	k, err := Builtin().Knob(sc, Entry("h", TypeHybrid, HybridSpec{Attainment: 0.96}))
	if err != nil || k == nil || k.Name != "attainment" || k.Default[0] != 0.96 {
		t.Fatalf("knob %+v, err %v", k, err)
	}
	steps := k.Steps[0]
	for i := 1; i < len(steps); i++ {
		if steps[i] <= steps[i-1] {
			t.Fatalf("steps not ascending (cheapest first): %v", steps)
		}
	}
	pc := Entry("h", TypeHybrid, nil)
	pc.Setting = []float64{0.9}
	if p, err := Builtin().Build(sc, pc); err != nil || !strings.Contains(p.Traits().Detail, "90%") {
		t.Errorf("setting not applied: %v %v", p.Traits().Detail, err)
	}
}
