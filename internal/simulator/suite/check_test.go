package suite

import (
	"strings"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// checkScenario is a scenario result in which every property holds: an oracle meeting
// the target at cost 10, an HPA tuned from target 30 to 12 (13 misses), a static
// policy that misses as written and is tuned to 6 (5 misses).
func checkScenario() ScenarioResult {
	run := func(cost float64, meets bool) simulator.PolicyResult {
		return simulator.PolicyResult{Cost: cost, MeetsSLO: meets, Attainment: 0.96}
	}
	targets := [][]float64{{14, 13, 12, 11}}
	return ScenarioResult{Name: "s", Policies: []PolicyOutcome{
		{Name: "hpa", Type: "hpa", Knob: &KnobResult{Name: "target", Steps: targets},
			Default: Row{Label: "hpa", Result: run(25, true)},
			Tuned:   &Row{Label: "hpa tuned", Setting: []float64{12}, Result: run(15, true), Cheaper: []Probe{{Setting: []float64{13}, Cost: 14}}},
			Probes:  []Probe{{Setting: []float64{13}, Cost: 14}, {Setting: []float64{12}, Cost: 15, MeetsSLO: true}}},
		{Name: "static", Type: "static", Knob: &KnobResult{Name: "count", Steps: [][]float64{{0, 1, 2, 3, 4, 5, 6, 7}}},
			Default: Row{Label: "static", Result: run(8, false)},
			Tuned:   &Row{Label: "static tuned", Setting: []float64{6}, Result: run(12, true), Cheaper: []Probe{{Setting: []float64{5}, Cost: 10}}}},
		{Name: "oracle", Type: "oracle", Knob: &KnobResult{Name: "headroom", Steps: [][]float64{{1, 1.02}}},
			Default: Row{Label: "capacity-bound", Result: run(9, false)},
			Tuned:   &Row{Label: "oracle", Setting: []float64{1.02}, Result: run(10, true), Cheaper: []Probe{{Setting: []float64{1}, Cost: 9}}}},
	}}
}

// TestCheck: Check passes a consistent result and names each broken property.
func TestCheck(t *testing.T) {
	if errs := Check(&Result{Scenarios: []ScenarioResult{checkScenario()}}); len(errs) != 0 {
		t.Fatalf("consistent result rejected: %v", errs)
	}
	for _, tc := range []struct {
		name   string
		mutate func(s *ScenarioResult)
		want   string
	}{
		{"a probe beats the oracle", func(s *ScenarioResult) { s.Policies[0].Probes[0].MeetsSLO = true; s.Policies[0].Probes[0].Cost = 9.5 },
			"hpa at target [13] meets the target at cost 9.5000, below the oracle's 10.0000"},
		{"a default row beats the oracle", func(s *ScenarioResult) { s.Policies[1].Default.Result.MeetsSLO = true },
			"static meets the target at cost 8.0000"},
		{"the oracle misses", func(s *ScenarioResult) { s.Policies[2].Tuned.Result.MeetsSLO = false }, "the oracle does not meet the target"},
		{"no oracle", func(s *ScenarioResult) { s.Policies = s.Policies[:2] }, "no tuned oracle"},
		{"one step cheaper meets", func(s *ScenarioResult) { s.Policies[1].Tuned.Cheaper[0].MeetsSLO = true },
			"one step cheaper for model 0 ([5]) still meets the target"},
		{"no cheaper run", func(s *ScenarioResult) { s.Policies[0].Tuned.Cheaper = nil }, "no run one step cheaper for model 0 ([13])"},
		{"tuned run misses", func(s *ScenarioResult) { s.Policies[1].Tuned.Result.MeetsSLO = false }, "the tuned run misses the target"},
		{"setting off the grid", func(s *ScenarioResult) { s.Policies[1].Tuned.Setting = []float64{6.5} }, "is not a step of the knob"},
		{"unsettled, a run of its search met it more cheaply", func(s *ScenarioResult) {
			hpa := &s.Policies[0]
			hpa.Tuned.Unsettled, hpa.Tuned.Cheaper = true, nil
			hpa.Probes[0].MeetsSLO, hpa.Probes[0].Cost = true, 14
		}, "(search unsettled): the run at [13] met the target at cost 14.0000, below the row's 15.0000"},
		{"unsettled, setting off the grid", func(s *ScenarioResult) {
			s.Policies[0].Tuned.Unsettled, s.Policies[0].Tuned.Setting = true, []float64{12.5}
		}, "is not a step of the knob"},
	} {
		s := checkScenario()
		tc.mutate(&s)
		errs := Check(&Result{Scenarios: []ScenarioResult{s}})
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s: errors %v, want one containing %q", tc.name, errs, tc.want)
		}
	}
	s := checkScenario()
	s.Policies[0].Tuned.Unsettled, s.Policies[0].Tuned.Cheaper = true, nil
	if errs := Check(&Result{Scenarios: []ScenarioResult{s}}); len(errs) != 0 {
		t.Errorf("an unsettled row, the cheapest of its search's runs that met the target, rejected: %v", errs)
	}
	s = checkScenario()
	s.Policies[1].Tuned = &Row{Label: "static tuned", Setting: []float64{7}, CannotMeet: true, Result: simulator.PolicyResult{Cost: 3}}
	if errs := Check(&Result{Scenarios: []ScenarioResult{s}}); len(errs) != 0 {
		t.Errorf("a policy that cannot meet the target is not held to it: %v", errs)
	}
}
