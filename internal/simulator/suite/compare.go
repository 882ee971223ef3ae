package suite

import (
	"fmt"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/policy"
)

// Options tune a comparison or a suite run.
type Options struct {
	// Log, when set, receives progress lines (policy started, virtual time reached,
	// search probes), for long runs. It may be called from several goroutines.
	Log func(string)
	// Parallel is how many runs may go at once (default 1).
	Parallel int
}

// Compare runs every entry of the scenario's config as written, except entries with
// `tune: true`, whose knob is tuned first (the row is the cheapest setting meeting the
// target). An oracle tuned to the target is added when the config has no oracle entry,
// since costs are reported relative to it; costs are relative to the first oracle row.
func Compare(sc *simulator.Scenario, reg *policy.Registry, opt Options) (*simulator.Result, error) {
	entries := withOracle(sc.Config.Policies)
	res := &simulator.Result{Load: sc.LoadSeries()}
	oracleCost := -1.0
	for _, pc := range entries {
		pr, err := runEntry(sc, reg, pc, opt)
		if err != nil {
			return nil, err
		}
		if pc.Type == policy.TypeOracle && oracleCost < 0 {
			oracleCost = pr.Cost
		}
		res.Policies = append(res.Policies, pr)
	}
	for i := range res.Policies {
		if oracleCost > 0 {
			res.Policies[i].CostRatio = res.Policies[i].Cost / oracleCost
		}
	}
	res.Scenario = sc.Summary()
	return res, nil
}

// withOracle appends a tuned oracle when none is configured.
func withOracle(pcs []simulator.PolicyConfig) []simulator.PolicyConfig {
	for _, pc := range pcs {
		if pc.Type == policy.TypeOracle {
			return pcs
		}
	}
	tune := true
	return append(append([]simulator.PolicyConfig(nil), pcs...), simulator.PolicyConfig{Name: "oracle", Type: policy.TypeOracle, Tune: &tune})
}

// runEntry runs one entry as written, or tuned when it asks to be.
func runEntry(sc *simulator.Scenario, reg *policy.Registry, pc simulator.PolicyConfig, opt Options) (simulator.PolicyResult, error) {
	if pc.Tune != nil && *pc.Tune {
		knob, err := reg.Knob(sc, pc)
		if err != nil {
			return simulator.PolicyResult{}, err
		}
		if knob == nil {
			return simulator.PolicyResult{}, fmt.Errorf("%w: policy %q: type %s has no knob to tune", simulator.ErrConfig, pc.Name, pc.Type)
		}
		t, err := Tune(sc, reg, pc, knob, TuneOptions{Log: opt.Log})
		if err != nil {
			return simulator.PolicyResult{}, err
		}
		r := t.Result
		setting := knob.Name + " " + FormatSetting(t.Setting, knob.Format)
		switch {
		case t.CannotMeet:
			r.Detail = "cannot meet the target; best attainment at " + setting + ": " + r.Detail
		case t.Unsettled:
			r.Detail = "cheapest found to meet the target (search unsettled) at " + setting + ": " + r.Detail
		default:
			r.Detail = "tuned " + setting + ": " + r.Detail
		}
		return r, nil
	}
	p, err := reg.Build(sc, pc)
	if err != nil {
		return simulator.PolicyResult{}, err
	}
	return sc.Run(p, runOptions(opt))
}

// runOptions turns the comparison's logger into per-run progress.
func runOptions(opt Options) simulator.RunOptions {
	if opt.Log == nil {
		return simulator.RunOptions{}
	}
	return simulator.RunOptions{Progress: func(p simulator.Progress) {
		opt.Log(fmt.Sprintf("%s: %v of %v simulated", p.Policy, p.Now.Truncate(time.Second), p.End.Truncate(time.Second)))
	}}
}
