package decision

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// keepWarm is the HYBRID mode's opt-in say on the zero policy (ProactiveSettings.
// KeepWarm; off by default, the zero policy then decides alone): scaling to zero is kept only
// when the requests expected to arrive while the model wakes again fit the attainment
// budget. When the traffic comes in busy spells between idle ones, a cold start costs
// the requests of its first minutes (the start-up time and half a decision interval); as
// a share of a busy spell's requests that is the start-up over the spell's length. If
// that share exceeds the budget left (the observed attainment above the goal, or the
// whole budget before anything was observed), the cheapest variant that meets the
// objectives keeps one replica warm instead; the replicas of other variants stay until
// it is ready. The zero policy's own safety rules already held: the model has had no
// request for the retention period on complete data.
func (p *plan) keepWarm(s *Snapshot, settings ProactiveSettings, out *ProactiveOutcome) {
	in := s.Proactive
	fo := in.State.Forecast
	share, why := coldShare(in, settings, fo.Busy)
	budget := 1 - settings.Feedback.Goal
	if b := in.State.Budget; b.Requests > 0 {
		budget = math.Max(0, b.Attainment-settings.Feedback.Goal)
	}
	if share <= budget {
		out.Why = fmt.Sprintf("model not run: scale-to-zero decided (%s: within the attainment budget of %.1f%%)", why, 100*budget)
		p.reason += fmt.Sprintf("; a cold start is affordable (%s, budget %.1f%%)", why, 100*budget)
		return
	}
	warm := p.warmVariant(in)
	if warm < 0 {
		out.Why = "model not run: scale-to-zero decided (no variant may keep a replica)"
		return
	}
	p.analysis.ZeroPolicy += "; overruled by HYBRID: a cold start would cost more than the attainment budget"
	w := &p.variants[warm]
	reason := fmt.Sprintf("hybrid: keeps one %s replica warm instead of scaling to zero: %s, above the attainment budget of %.1f%%", w.state.Name, why, 100*budget)
	p.reason = reason
	ready := w.state.ReadyReplicas > 0
	for i := range p.variants {
		v := &p.variants[i]
		switch {
		case i == warm:
			v.desired = min(v.base, 1)
		case ready:
			v.desired = 0
		default:
			v.desired = v.base // until the warm replica serves
		}
		v.reason = reason
	}
	if w.base < 1 { // the warm replica is asked of the GPU limiter like any scale-up
		var alts []int
		for _, i := range p.warmCandidates(in) {
			if i != warm {
				alts = append(alts, i)
			}
		}
		p.requests = append(p.requests, scaleUp{variant: warm, replicas: 1, alternatives: alts, prefix: reason, label: "cheapest variant"})
	}
	out.Why = reason
}

// coldShare is the share of a busy spell's requests a cold start is expected to cost.
func coldShare(in *ProactiveInput, settings ProactiveSettings, busy time.Duration) (float64, string) {
	startup := time.Duration(0)
	for _, vm := range in.Variants {
		startup = max(startup, cmp.Or(vm.StartupTime, settings.DefaultStartup))
	}
	cold := startup + in.Interval/2
	if busy <= 0 {
		return 1, fmt.Sprintf("a cold start takes %v and no busy spell has ended yet to weigh it against", cold.Round(time.Second))
	}
	share := math.Min(1, cold.Seconds()/busy.Seconds())
	return share, fmt.Sprintf("a cold start of %v would cost about %.0f%% of a busy spell of %v", cold.Round(time.Second), 100*share, busy.Round(time.Second))
}

// warmVariant is the variant to keep one replica of: the cheapest per replica among
// those that may meet the objectives and may have a replica; -1 when none may.
func (p *plan) warmVariant(in *ProactiveInput) int {
	cands := p.warmCandidates(in)
	if len(cands) == 0 {
		return -1
	}
	return cands[0]
}

// warmCandidates are the variants that may have a replica and are not known to miss
// the objectives (a sustainable rate of 0), cheapest per replica first.
func (p *plan) warmCandidates(in *ProactiveInput) []int {
	var cands []int
	for i := range p.variants {
		_, _, hi, _ := p.variants[i].bounds()
		if hi < 1 {
			continue
		}
		if m, ok := in.State.Rates[p.variants[i].state.Name]; ok && m.Rate <= 0 {
			continue
		}
		cands = append(cands, i)
	}
	slices.SortFunc(cands, p.byCostThenSpare)
	return cands
}
