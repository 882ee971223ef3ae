package suite

import (
	"fmt"
	"strings"
	"sync"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
)

// Run runs every scenario of the suite with every policy: each entry as written, and
// each tunable entry (unless `tune: false`) tuned to the cheapest setting meeting the
// target. Runs go Parallel at a time; the result does not depend on it.
func Run(s *Suite, reg *policy.Registry, opt Options) (*Result, error) {
	scenarios := make([]*simulator.Scenario, len(s.Scenarios))
	err := parallel(len(s.Scenarios), opt.Parallel, func(i int) error {
		sc, err := simulator.NewScenario(s.Scenarios[i].Config, "")
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.Scenarios[i].Name, err)
		}
		if _, err := sc.Capacities(); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Scenarios[i].Name, err)
		}
		scenarios[i] = sc
		logf(opt, "%s: %d requests over %v; capacities calibrated", s.Scenarios[i].Name, sc.Workload.Len(), sc.Workload.End)
		return nil
	})
	if err != nil {
		return nil, err
	}
	type job struct{ si, pi int }
	var jobs []job
	res := &Result{Scenarios: make([]ScenarioResult, len(s.Scenarios))}
	for si, sc := range s.Scenarios {
		res.Short = res.Short || sc.Shortened
		res.Scenarios[si] = ScenarioResult{Name: sc.Name, File: sc.File, Description: sc.Description,
			Policies: make([]PolicyOutcome, len(sc.Config.Policies))}
		for pi := range sc.Config.Policies {
			jobs = append(jobs, job{si, pi})
		}
	}
	err = parallel(len(jobs), opt.Parallel, func(j int) error {
		si, pi := jobs[j].si, jobs[j].pi
		pc := s.Scenarios[si].Config.Policies[pi]
		out, err := runOutcome(scenarios[si], reg, pc, prefixed(opt, s.Scenarios[si].Name))
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.Scenarios[si].Name, err)
		}
		res.Scenarios[si].Policies[pi] = out
		return nil
	})
	if err != nil {
		return nil, err
	}
	for si, sc := range scenarios {
		r := &res.Scenarios[si]
		r.Summary, r.Load = sc.Summary(), sc.LoadSeries()
		r.setCostRatios()
	}
	return res, nil
}

// runOutcome runs one entry as written and, when tunable, tuned.
func runOutcome(sc *simulator.Scenario, reg *policy.Registry, pc simulator.PolicyConfig, opt Options) (PolicyOutcome, error) {
	kind, err := reg.Kind(pc)
	if err != nil {
		return PolicyOutcome{}, err
	}
	out := PolicyOutcome{Name: pc.Name, Type: pc.Type}
	p, err := reg.Build(sc, pc)
	if err != nil {
		return PolicyOutcome{}, err
	}
	def, err := sc.Run(p, simulator.RunOptions{})
	if err != nil {
		return PolicyOutcome{}, err
	}
	logf(opt, "%s as written: %.2f%% at cost %.2f", pc.Name, 100*def.Attainment, def.Cost)
	out.Default = Row{Label: label(kind.Labels[0], pc.Name), Result: def}
	if pc.Tune != nil && !*pc.Tune {
		return out, nil
	}
	knob, err := reg.Knob(sc, pc)
	if err != nil || knob == nil {
		return out, err
	}
	out.Knob = &KnobResult{Name: knob.Name, Steps: knob.Steps, Default: knob.Default}
	out.Default.Setting = knob.Default
	out.Default.SettingText = knob.Name + " " + FormatSetting(knob.Default, knob.Format)
	t, err := Tune(sc, reg, pc, knob, TuneOptions{Log: opt.Log, Default: &def})
	if err != nil {
		return PolicyOutcome{}, err
	}
	out.Probes = t.Probes
	out.Tuned = &Row{Label: label(kind.Labels[1], pc.Name), Setting: t.Setting,
		SettingText: knob.Name + " " + FormatSetting(t.Setting, knob.Format), CannotMeet: t.CannotMeet, Unsettled: t.Unsettled, Cheaper: t.Cheaper, Result: t.Result}
	return out, nil
}

// label fills a kind's row label with the entry's name.
func label(pattern, name string) string { return strings.ReplaceAll(pattern, "%s", name) }

// setCostRatios sets every row's cost ratio to the reference oracle's cost.
func (s *ScenarioResult) setCostRatios() {
	o := s.Oracle()
	if o == nil || o.Result.Cost <= 0 {
		return
	}
	s.OracleCost = o.Result.Cost
	for pi := range s.Policies {
		for _, r := range s.Policies[pi].Rows() {
			r.Result.CostRatio = r.Result.Cost / s.OracleCost
		}
	}
}

// parallel runs f(0..n-1) on up to workers goroutines and returns the first error by
// index (so which error is reported does not depend on timing).
func parallel(n, workers int, f func(int) error) error {
	workers = max(1, min(workers, n))
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// prefixed prefixes the options' progress lines with a scenario's name.
func prefixed(opt Options, name string) Options {
	if opt.Log != nil {
		log := opt.Log
		opt.Log = func(s string) { log(name + ": " + s) }
	}
	return opt
}

// logf writes a progress line when logging.
func logf(opt Options, format string, args ...any) {
	if opt.Log != nil {
		opt.Log(fmt.Sprintf(format, args...))
	}
}
