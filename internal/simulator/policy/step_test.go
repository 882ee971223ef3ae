package policy

import (
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// TestStepLoadScalesUpWVA: a step from a light load to more than one replica can serve
// makes WVA (v1 and v2) scale up, and the reaction is measured and bounded: the first
// scale-up decision comes within a few decision intervals plus the metrics window, and
// the new replica serves exactly one start-up delay after that decision.
func TestStepLoadScalesUpWVA(t *testing.T) {
	const (
		interval = 30 * time.Second
		startup  = time.Minute
		stepAt   = 6 * time.Minute
	)
	for _, version := range []decision.SaturationVersion{decision.SaturationV1, decision.SaturationV2} {
		t.Run(string(version), func(t *testing.T) {
			pat := simulator.PatternConfig{Kind: "step", Rate: 2, Rate2: 16, Duration: simulator.Duration(14 * time.Minute),
				StepAt: simulator.Duration(stepAt), PromptTokens: 1000, OutputTokens: 200}
			c := simtest.Config(pat)
			c.DecisionInterval = simulator.Duration(interval)
			sc, p := run(t, c, Entry("wva", TypeWVA, WVASpec{Saturation: &decision.SaturationConfig{Version: version}}))
			if got := sc.Summary().Models[0].LoadStepsSeconds; len(got) != 1 || got[0] != stepAt.Seconds() {
				t.Fatalf("load steps %v, want [%v]", got, stepAt.Seconds())
			}
			if len(p.Reactions) != 1 || p.Reactions[0].FirstScaleUp == nil || p.Reactions[0].ReadyCapacity == nil {
				t.Fatalf("no reaction to the step: %+v", p.Reactions)
			}
			decide, ready := *p.Reactions[0].FirstScaleUp, *p.Reactions[0].ReadyCapacity
			t.Logf("%s: first scale-up %.0fs after the step, capacity ready after %.0fs", version, decide, ready)
			bound := (3*interval + sc.Config.MetricsWindow.D()).Seconds()
			if decide < 0 || decide > bound {
				t.Errorf("first scale-up %.0fs after the step, want within [0, %.0f]", decide, bound)
			}
			if ready != decide+startup.Seconds() {
				t.Errorf("capacity ready %.0fs after the step, want decision + start-up = %.0f", ready, decide+startup.Seconds())
			}
			if p.ScaleUps == 0 {
				t.Error("no scale-up counted")
			}
			h := p.Series.Replicas[0]
			before, peak := h.Ready[int(stepAt/time.Minute)-1], 0
			for _, n := range h.Ready[int(stepAt/time.Minute):] {
				peak = max(peak, n)
			}
			if peak <= before {
				t.Errorf("ready replicas %d before the step, at most %d after (%v), want more", before, peak, h.Ready)
			}
		})
	}
}
