package decision

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// hybridAtZero is the two-variant HYBRID model at zero with one request waiting, having
// learned the conversation mix and an arrival rate of expected requests/s before it slept.
func hybridAtZero(expected float64) Snapshot {
	s := hybridSnap(0, 0, 0, 0, 0)
	s.Replicas = nil
	s.Proactive.Traffic = forecast.Observation{}
	s.Proactive.State.Forecast = forecast.State{Level: expected, Mix: convMix, Windows: 10, Updated: t0.Add(-time.Minute)}
	s.WaitingDemand = Demand{Known: true, Requests: 1}
	return s
}

// In HYBRID mode a model at zero wakes the variant that is cheapest per request at the
// rate it is expected to see: above what one A100 replica sustains within the objectives,
// the H100 (dearer per replica, cheaper per request); at a low rate, which one replica of
// either serves, the A100 (cheaper per replica), as in CAPACITY-ONLY.
func TestHybridWakesCheapestPerRequest(t *testing.T) {
	target := DefaultServiceClass()
	targets := []perfmodel.Target{{TTFT: target.TTFT.Seconds(), ITL: target.ITL.Seconds(), Share: 1}}
	att := DefaultProactiveSettings().Attainment
	ra := perfmodel.SustainableRate(paramsA100, engineA100, convMix, targets, att)
	rh := perfmodel.SustainableRate(paramsH100, engineH100, convMix, targets, att)
	if !(ra < rh && 2.99/rh < 1.79/ra) {
		t.Fatalf("fixture: want the H100 to sustain more and be cheaper per request (a100 %.3f/s, h100 %.3f/s)", ra, rh)
	}

	busy := hybridAtZero((ra + rh) / 2)
	d := mustDecide(t, busy)
	check(t, d, map[string]want{"h100": {1, ActionScaleUp, "cheapest variant per request at the expected"}, "a100": {0, ActionHold, ""}})
	if d.Proactive == nil || d.Proactive.State.Forecast.Mix != convMix {
		t.Fatalf("the learned state does not pass through: %+v", d.Proactive)
	}

	t.Run("a low expected rate wakes the cheapest per replica", func(t *testing.T) {
		check(t, mustDecide(t, hybridAtZero(ra/10)), map[string]want{"a100": {1, ActionScaleUp, "per request at the expected"}, "h100": {0, ActionHold, ""}})
	})

	t.Run("capacity-only wakes the cheapest per replica", func(t *testing.T) {
		c := busy
		c.Proactive = nil
		check(t, mustDecide(t, c), map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}, "h100": {0, ActionHold, ""}})
	})

	t.Run("without a learned mix, per replica, saying so", func(t *testing.T) {
		c := busy
		in := *busy.Proactive
		in.State.Forecast.Mix = perfmodel.Mix{}
		c.Proactive = &in
		d := mustDecide(t, c)
		check(t, d, map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}})
		if !strings.Contains(d.Reason, "cheapest per replica (no cost per request: no token mix learned)") {
			t.Fatalf("reason %q does not say why the cost per replica decided", d.Reason)
		}
	})

	t.Run("a variant whose rate is not known: per replica, saying so", func(t *testing.T) {
		c := hybridAtZero((ra + rh) / 2)
		in := *c.Proactive
		in.Variants = []VariantModel{{Name: "a100", Engine: engineA100}, in.Variants[1]}
		c.Proactive = &in
		d := mustDecide(t, c)
		check(t, d, map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}})
		if !strings.Contains(d.Reason, "the rate variant a100 sustains within the objectives is not known yet") {
			t.Fatalf("reason %q", d.Reason)
		}
	})

	t.Run("no traffic forecast: per replica, saying so", func(t *testing.T) {
		c := hybridAtZero(0)
		in := *c.Proactive
		in.State.Forecast.Windows = 0
		c.Proactive = &in
		d := mustDecide(t, c)
		check(t, d, map[string]want{"a100": {1, ActionScaleUp, "cheapest variant a100"}})
		if !strings.Contains(d.Reason, "no traffic forecast learned") {
			t.Fatalf("reason %q", d.Reason)
		}
	})
}
