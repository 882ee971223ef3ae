package decision

import (
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// In HYBRID mode a model at zero wakes the variant that is cheapest per request (cost over
// the rate one replica sustains within the objectives), not per replica: here the H100,
// dearer per replica than the A100 but cheaper per request for this mix.
func TestHybridWakesCheapestPerRequest(t *testing.T) {
	s := hybridSnap(0, 0, 0, 0, 0)
	s.Replicas = nil
	s.Proactive.Traffic = forecast.Observation{}
	s.Proactive.State.Forecast.Mix = convMix // what the model learned before it went to zero
	s.WaitingDemand = Demand{Known: true, Requests: 1}

	target := DefaultServiceClass()
	targets := []perfmodel.Target{{TTFT: target.TTFT.Seconds(), ITL: target.ITL.Seconds(), Share: 1}}
	att := DefaultProactiveSettings().Attainment
	ra := perfmodel.SustainableRate(paramsA100, engineA100, convMix, targets, att)
	rh := perfmodel.SustainableRate(paramsH100, engineH100, convMix, targets, att)
	if !(2.99/rh < 1.79/ra) {
		t.Fatalf("fixture: want the H100 cheaper per request (a100 %.3f/s, h100 %.3f/s)", ra, rh)
	}

	d := mustDecide(t, s)
	check(t, d, map[string]want{"h100": {1, ActionScaleUp, "cheapest variant per request h100"}, "a100": {0, ActionHold, ""}})

	t.Run("capacity-only wakes the cheapest per replica", func(t *testing.T) {
		c := s
		c.Proactive = nil
		check(t, mustDecide(t, c), map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}, "h100": {0, ActionHold, ""}})
	})

	t.Run("without a learned mix, per replica, saying so", func(t *testing.T) {
		c := s
		in := *s.Proactive
		in.State.Forecast.Mix = perfmodel.Mix{}
		c.Proactive = &in
		d := mustDecide(t, c)
		check(t, d, map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}})
		if !strings.Contains(d.Reason, "cheapest per replica (no cost per request: no token mix learned)") {
			t.Fatalf("reason %q does not say why the cost per replica decided", d.Reason)
		}
	})

	t.Run("a variant with no rate known goes after those with one", func(t *testing.T) {
		c := s
		in := *s.Proactive
		in.Variants = []VariantModel{{Name: "a100", Engine: engineA100}, in.Variants[1]}
		c.Proactive = &in
		check(t, mustDecide(t, c), map[string]want{"h100": {1, ActionScaleUp, "per request"}})
	})

	t.Run("the learned state passes through", func(t *testing.T) {
		if d.Proactive == nil || d.Proactive.State.Forecast.Mix != convMix {
			t.Fatalf("proactive outcome %+v", d.Proactive)
		}
	})
}
