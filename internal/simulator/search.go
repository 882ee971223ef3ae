package simulator

import (
	"fmt"
	"math"
)

// defaultSearchMax bounds the static search when the config does not.
const defaultSearchMax = 256

// SearchStatic finds the smallest static count of one variant (the same count in every
// model that has it) whose run meets every model's SLO attainment target over the whole
// period: the best an operator could do by provisioning once for this trace. It
// doubles from an estimate, then bisects; every probe is a full simulation.
func (sc *Scenario) SearchStatic(pc PolicyConfig, opt CompareOptions) (PolicyResult, error) {
	variant, guess, err := sc.searchStart(pc)
	if err != nil {
		return PolicyResult{}, err
	}
	most := pc.SearchMax
	if most <= 0 {
		most = defaultSearchMax
	}
	probes := map[int]PolicyResult{}
	probe := func(n int) (bool, error) {
		if r, ok := probes[n]; ok {
			return r.MeetsSLO, nil
		}
		p, err := newStaticPolicy(sc, pc.Name, map[string]int{variant: n})
		if err != nil {
			return false, err
		}
		r, err := sc.Run(p, runOptions(opt))
		if err != nil {
			return false, err
		}
		if opt.Log != nil {
			opt.Log(fmt.Sprintf("%s: %s×%d attains %.4f (meets SLO: %v)", pc.Name, variant, n, r.Attainment, r.MeetsSLO))
		}
		probes[n] = r
		return r.MeetsSLO, nil
	}
	lo, hi := 0, min(max(1, guess), most) // invariant: lo fails (or is 0), hi is the candidate
	for {
		ok, err := probe(hi)
		if err != nil {
			return PolicyResult{}, err
		}
		if ok {
			break
		}
		if hi == most {
			r := probes[most]
			r.Type, r.Detail = PolicyStaticSearch, fmt.Sprintf("%s×%d: no count up to searchMax %d meets the SLO", variant, most, most)
			return r, nil
		}
		lo, hi = hi, min(hi*2, most)
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		ok, err := probe(mid)
		if err != nil {
			return PolicyResult{}, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	r := probes[hi]
	r.Type = PolicyStaticSearch
	r.Detail = fmt.Sprintf("%s×%d: smallest static count meeting the SLO (%d simulations)", variant, hi, len(probes))
	return r, nil
}

// searchStart picks the variant to search (configured, else the lowest cost per
// sustainable request rate) and a first guess: the mean load over that rate.
func (sc *Scenario) searchStart(pc PolicyConfig) (string, int, error) {
	caps, err := sc.Capacities()
	if err != nil {
		return "", 0, err
	}
	m := &sc.Config.Models[0]
	best, bestRatio := -1, math.Inf(1)
	for vi, v := range m.Variants {
		if pc.Variant == v.Name {
			best = vi
			break
		}
		if pc.Variant == "" && caps[0][vi] > 0 && v.Cost/caps[0][vi] < bestRatio {
			best, bestRatio = vi, v.Cost/caps[0][vi]
		}
	}
	if best < 0 {
		if pc.Variant != "" {
			return "", 0, fmt.Errorf("%w: static-search %q: variant %q not found in model %s", ErrConfig, pc.Name, pc.Variant, m.Name)
		}
		best = 0
	}
	guess := 1
	if c := caps[0][best]; c > 0 {
		mean := float64(sc.Workload.perModel[0]) / sc.Workload.End.Seconds()
		guess = int(math.Ceil(mean / c))
	}
	return m.Variants[best].Name, guess, nil
}
