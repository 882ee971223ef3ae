package suite

import (
	"fmt"
	"slices"
)

// costSlack absorbs floating-point noise in cost comparisons.
const costSlack = 1e-9

// Check verifies on every scenario the properties that make the suite a fair
// yardstick, and returns one error per violation:
//
//   - the oracle tuned to the target meets it, and costs no more than any run of any
//     other policy that meets it (rows as written, tuned rows, and every probe of every
//     search);
//   - every tuned row that meets the target has, for each model not already at its
//     knob's cheapest step, a run one step cheaper for that model, and that run misses;
//     a row whose search did not settle (Unsettled) is instead the cheapest of its
//     search's runs that met the target.
func Check(r *Result) []error {
	var errs []error
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		errs = append(errs, checkOracle(s)...)
		for pi := range s.Policies {
			errs = append(errs, checkTuning(s.Name, &s.Policies[pi])...)
		}
	}
	return errs
}

// checkOracle checks that the reference oracle meets the target and is the cheapest
// way found to meet it.
func checkOracle(s *ScenarioResult) []error {
	o := s.Oracle()
	if o == nil {
		return []error{fmt.Errorf("%s: no tuned oracle", s.Name)}
	}
	if o.CannotMeet || !o.Result.MeetsSLO {
		return []error{fmt.Errorf("%s: the oracle does not meet the target (best %.2f%% at %s)", s.Name, 100*o.Result.Attainment, o.SettingText)}
	}
	var errs []error
	below := func(what string, meets bool, cost float64) {
		if meets && cost < o.Result.Cost-costSlack {
			errs = append(errs, fmt.Errorf("%s: %s meets the target at cost %.4f, below the oracle's %.4f", s.Name, what, cost, o.Result.Cost))
		}
	}
	for _, p := range s.Policies {
		if p.Type == oracleType {
			continue
		}
		for _, row := range p.Rows() {
			below(row.Label, row.Result.MeetsSLO, row.Result.Cost)
		}
		for _, pr := range p.Probes {
			below(fmt.Sprintf("%s at %s %v", p.Name, p.Knob.Name, pr.Setting), pr.MeetsSLO, pr.Cost)
		}
	}
	return errs
}

// checkTuning checks a tuned row against the runs one step cheaper.
func checkTuning(scenario string, p *PolicyOutcome) []error {
	t := p.Tuned
	if t == nil || t.CannotMeet {
		return nil
	}
	where := fmt.Sprintf("%s: %s tuned to %s", scenario, p.Name, t.SettingText)
	if !t.Result.MeetsSLO {
		return []error{fmt.Errorf("%s: the tuned run misses the target (%.2f%%)", where, 100*t.Result.Attainment)}
	}
	if t.Unsettled {
		return cheapestOfSearch(where, p, t)
	}
	var errs []error
	for m, v := range t.Setting {
		steps := p.Knob.Steps[m]
		i := slices.Index(steps, v)
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("%s: model %d's value %g is not a step of the knob", where, m, v))
			continue
		case i == 0:
			continue // the cheapest step meets: nothing cheaper to try
		}
		want := slices.Clone(t.Setting)
		want[m] = steps[i-1]
		k := slices.IndexFunc(t.Cheaper, func(c Probe) bool { return slices.Equal(c.Setting, want) })
		switch {
		case k < 0:
			errs = append(errs, fmt.Errorf("%s: no run one step cheaper for model %d (%v)", where, m, want))
		case t.Cheaper[k].MeetsSLO:
			errs = append(errs, fmt.Errorf("%s: one step cheaper for model %d (%v) still meets the target", where, m, want))
		}
	}
	return errs
}

// cheapestOfSearch checks a row whose search did not settle: each value is a step of the
// knob, and no run of the search met the target at a lower cost.
func cheapestOfSearch(where string, p *PolicyOutcome, t *Row) []error {
	var errs []error
	for m, v := range t.Setting {
		if slices.Index(p.Knob.Steps[m], v) < 0 {
			errs = append(errs, fmt.Errorf("%s: model %d's value %g is not a step of the knob", where, m, v))
		}
	}
	for _, pr := range p.Probes {
		if pr.MeetsSLO && pr.Cost < t.Result.Cost-costSlack {
			errs = append(errs, fmt.Errorf("%s (search unsettled): the run at %v met the target at cost %.4f, below the row's %.4f", where, pr.Setting, pr.Cost, t.Result.Cost))
		}
	}
	return errs
}
