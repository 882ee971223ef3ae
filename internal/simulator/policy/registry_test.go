package policy

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// TestRegistry: a kind plugs in by registration; unknown types and keys are errors that
// name what is known; a type cannot be registered twice.
func TestRegistry(t *testing.T) {
	extra := Kind{Type: "always-two", New: func(sc *simulator.Scenario, pc simulator.PolicyConfig) (simulator.Policy, error) {
		return newStatic(sc, Entry(pc.Name, TypeStatic, StaticSpec{Replicas: map[string]int{"h100": 2}}))
	}}
	reg, err := NewRegistry(WVA(), HPA(), Static(), Oracle(), extra)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Types(); !slices.Equal(got, []string{"always-two", "hpa", "oracle", "static", "wva"}) {
		t.Errorf("types %v", got)
	}
	sc := simtest.Scenario(t, simtest.Config(simulator.PatternConfig{Kind: "constant", Rate: 2, Duration: simulator.Duration(time.Minute), PromptTokens: 100, OutputTokens: 10}))
	if p, err := reg.Build(sc, Entry("two", "always-two", nil)); err != nil || p.Initial()[0][0] != 2 {
		t.Errorf("registered kind: %v", err)
	}
	if k, err := reg.Knob(sc, Entry("two", "always-two", nil)); k != nil || err != nil {
		t.Errorf("a kind without a knob has knob %v, err %v", k, err)
	}
	if _, err := reg.Build(sc, Entry("x", "magic", nil)); !errors.Is(err, simulator.ErrConfig) || !strings.Contains(err.Error(), "known: always-two, hpa") {
		t.Errorf("unknown type: %v", err)
	}
	_, err = reg.Build(sc, Entry("h", TypeHPA, map[string]any{"target": 10, "tolerancePercent": 20}))
	if !errors.Is(err, simulator.ErrConfig) || !strings.Contains(err.Error(), `unknown field "tolerancePercent"`) || !strings.Contains(err.Error(), "target, tolerance, scaleDownStabilization") {
		t.Errorf("misspelt key: %v", err)
	}
	if _, err := NewRegistry(HPA(), HPA()); err == nil {
		t.Error("a type registered twice was accepted")
	}
}

// TestKnobs: every built-in knob searches cheapest first from a default on its grid,
// and a setting reaches the policy.
func TestKnobs(t *testing.T) {
	sc := simtest.Scenario(t, simtest.Config(simulator.PatternConfig{Kind: "constant", Rate: 6, Duration: simulator.Duration(2 * time.Minute), PromptTokens: 800, OutputTokens: 100}))
	for _, tc := range []struct {
		entry      simulator.PolicyConfig
		name       string
		def        float64
		cheapFirst bool // values fall as cost rises (a higher HPA target or threshold is cheaper)
	}{
		{Entry("v1", TypeWVA, nil), "aggressiveness", 1, false},
		{Entry("v2", TypeWVA, WVASpec{Saturation: &decision.SaturationConfig{Version: decision.SaturationV2}}), "scaleUpThreshold", 0.85, true},
		{Entry("hpa", TypeHPA, HPASpec{Target: 30}), "target", 30, true},
		{Entry("static", TypeStatic, StaticSpec{Replicas: map[string]int{"h100": 4}}), "count", 4, false},
		{Entry("oracle", TypeOracle, nil), "headroom", 1, false},
	} {
		k, err := Builtin().Knob(sc, tc.entry)
		if err != nil || k == nil {
			t.Fatalf("%s: knob %v, err %v", tc.entry.Name, k, err)
		}
		steps := k.Steps[0]
		ordered := slices.IsSorted(steps)
		if tc.cheapFirst {
			ordered = slices.IsSorted(reversed(steps))
		}
		if k.Name != tc.name || k.Default[0] != tc.def || !slices.Contains(steps, tc.def) || !ordered || len(steps) < 15 {
			t.Errorf("%s: knob %s default %v over %v", tc.entry.Name, k.Name, k.Default, steps)
		}
	}
	static := Entry("static", TypeStatic, nil)
	static.Setting = []float64{3}
	if p, err := Builtin().Build(sc, static); err != nil || p.Initial()[0][0] != 3 {
		t.Errorf("static with setting 3: %v", err)
	}
}

// TestAggressiveness: the v1 knob divides the thresholds and triggers together, keeping
// the trigger below its threshold, with the KV threshold capped at 1; the v2 knob moves
// the scale-down boundary below a lowered threshold.
func TestAggressiveness(t *testing.T) {
	base := decision.DefaultSaturationConfig()
	got := withKnob(base, 2)
	if got.KvCacheThreshold != 0.4 || got.QueueLengthThreshold != 2.5 || got.KvSpareTrigger != 0.05 || got.QueueSpareTrigger != 1.5 {
		t.Errorf("aggressiveness 2: %+v", got)
	}
	if got := withKnob(base, 0.5); got.KvCacheThreshold != 1 || got.QueueLengthThreshold != 10 || got.QueueSpareTrigger != 6 {
		t.Errorf("aggressiveness 0.5: %+v (KV threshold must cap at 1)", got)
	}
	if got := withKnob(base, 1); got != base {
		t.Errorf("aggressiveness 1 changed the thresholds: %+v", got)
	}
	v2 := base
	v2.Version = decision.SaturationV2
	if got := withKnob(v2, 0.425); math.Abs(got.ScaleDownBoundary-0.35) > 1e-12 || got.ScaleUpThreshold != 0.425 {
		t.Errorf("v2 at half the threshold: %+v, want the boundary halved too", got)
	}
	if got := withKnob(v2, 0.95); got.ScaleDownBoundary != 0.7 {
		t.Errorf("v2 above the default: boundary %v, want 0.7 kept", got.ScaleDownBoundary)
	}
}

// TestStaticSizing: as written without replicas, static sizes the variant whose fleet
// for the peak minute costs least.
func TestStaticSizing(t *testing.T) {
	c := simtest.WithA100(simtest.Config(simulator.PatternConfig{Kind: "step", Rate: 1, Rate2: 30, Duration: simulator.Duration(4 * time.Minute),
		PromptTokens: 1000, OutputTokens: 200}))
	sc := simtest.Scenario(t, c)
	p, err := Builtin().Build(sc, Entry("static", TypeStatic, nil))
	if err != nil {
		t.Fatal(err)
	}
	caps, _ := sc.Capacities()
	peak := sc.Workload.PeakRate(0, time.Minute)
	want := int(math.Ceil(peak / caps[0][0]))
	if got := p.Initial()[0]; got[0] != want || got[1] != 0 {
		t.Errorf("static as written: %v, want %d h100 (peak %.1f req/s, %.2f per h100; h100 is cheaper per request) and no a100", got, want, peak, caps[0][0])
	}
	if !strings.Contains(p.Traits().Detail, "peak minute") {
		t.Errorf("detail %q does not say how it was sized", p.Traits().Detail)
	}
}
