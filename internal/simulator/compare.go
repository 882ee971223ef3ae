package simulator

import (
	"fmt"
	"time"
)

// CompareOptions tune a comparison.
type CompareOptions struct {
	// Log, when set, receives progress lines (policy started, virtual time reached,
	// search probes), for long runs.
	Log func(string)
}

// NewPolicy builds a policy from its configuration. static-search is not a single
// policy (it runs the simulation repeatedly); use Compare or SearchStatic for it.
func (sc *Scenario) NewPolicy(pc PolicyConfig) (Policy, error) {
	switch pc.Type {
	case PolicyWVA:
		return newWVAPolicy(sc, pc)
	case PolicyHPA:
		return newHPAPolicy(sc, pc), nil
	case PolicyStatic:
		return newStaticPolicy(sc, pc.Name, pc.Replicas)
	case PolicyOracle:
		return newOraclePolicy(sc, pc)
	}
	return nil, fmt.Errorf("%w: policy %q: type %q cannot be built on its own", ErrConfig, pc.Name, pc.Type)
}

// Compare runs every configured policy on the scenario (adding the oracle when the
// config has none, since costs are reported relative to it) and returns the result.
func (sc *Scenario) Compare(opt CompareOptions) (*Result, error) {
	pcs := withOracle(sc.Config.Policies)
	res := &Result{Load: sc.loadSeries()}
	oracleCost := -1.0
	for _, pc := range pcs {
		pr, err := sc.runConfigured(pc, opt)
		if err != nil {
			return nil, err
		}
		if pc.Type == PolicyOracle && oracleCost < 0 {
			oracleCost = pr.Cost
		}
		res.Policies = append(res.Policies, pr)
	}
	for i := range res.Policies {
		if oracleCost > 0 {
			res.Policies[i].CostRatio = res.Policies[i].Cost / oracleCost
		}
	}
	res.Scenario = sc.summary()
	return res, nil
}

// withOracle appends an oracle policy when none is configured.
func withOracle(pcs []PolicyConfig) []PolicyConfig {
	for _, pc := range pcs {
		if pc.Type == PolicyOracle {
			return pcs
		}
	}
	return append(append([]PolicyConfig(nil), pcs...), PolicyConfig{Name: "oracle", Type: PolicyOracle})
}

// runConfigured runs one configured policy (or the static search), logging progress.
func (sc *Scenario) runConfigured(pc PolicyConfig, opt CompareOptions) (PolicyResult, error) {
	if pc.Type == PolicyStaticSearch {
		return sc.SearchStatic(pc, opt)
	}
	p, err := sc.NewPolicy(pc)
	if err != nil {
		return PolicyResult{}, err
	}
	return sc.Run(p, runOptions(opt))
}

// runOptions turns the comparison's logger into per-run progress.
func runOptions(opt CompareOptions) RunOptions {
	if opt.Log == nil {
		return RunOptions{}
	}
	return RunOptions{Progress: func(p Progress) {
		opt.Log(fmt.Sprintf("%s: %v of %v simulated", p.Policy, p.Now.Truncate(time.Second), p.End.Truncate(time.Second)))
	}}
}
