package decision

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// v1Figures are the spare-capacity figures of one model (reference section 3).
type v1Figures struct {
	nonSaturated int
	saturated    int
	sumKv        float64 // total KV usage of non-saturated replicas
	sumQueue     float64 // total waiting requests of non-saturated replicas
}

// analyseV1 runs the spare-capacity analyser and plans at most one replica of change.
func (p *plan) analyseV1(s *Snapshot, samples []sample, cfg SaturationConfig) {
	f := p.v1Measure(samples, cfg)
	a := &p.analysis
	a.Analyzer = AnalyzerSaturationV1
	a.SaturatedReplicas, a.NonSaturatedReplicas = f.saturated, f.nonSaturated
	if n := float64(f.nonSaturated); n > 0 {
		a.AvgSpareKv = cfg.KvCacheThreshold - f.sumKv/n
		a.AvgSpareQueue = cfg.QueueLengthThreshold - f.sumQueue/n
	}
	up, signal := v1ScaleUp(f, a, cfg)
	a.ScaleUpNeeded = up
	if up {
		a.Need = v1Need(f, a, cfg)
		p.planV1Up(s, signal)
		return
	}
	safe, why := v1ScaleDownSafe(f, a, cfg)
	a.ScaleDownSafe = safe
	if safe {
		p.planV1Down(s, why)
		return
	}
	p.reason = "hold: " + signal + "; " + why
	p.holdAll(p.reason)
}

// v1Measure classifies replicas and accumulates load and per-variant spare capacity.
func (p *plan) v1Measure(samples []sample, cfg SaturationConfig) v1Figures {
	var f v1Figures
	for i := range samples {
		r := &samples[i]
		v := &p.variants[r.variant]
		if r.KvCacheUsage >= cfg.KvCacheThreshold-tolerance || r.Waiting >= cfg.QueueLengthThreshold-tolerance {
			f.saturated++
			continue
		}
		f.nonSaturated++
		f.sumKv += r.KvCacheUsage
		f.sumQueue += r.Waiting
		v.spareKv += cfg.KvCacheThreshold - r.KvCacheUsage
	}
	for i := range p.variants {
		if v := &p.variants[i]; v.samples > 0 {
			v.spareKv /= float64(v.samples) // saturated replicas count as zero spare
		}
	}
	return f
}

// v1ScaleUp applies the trigger rule; a spare equal to its trigger (within tolerance)
// triggers, as in the published worked example. The text names the deciding signal.
func v1ScaleUp(f v1Figures, a *Analysis, cfg SaturationConfig) (bool, string) {
	if f.nonSaturated == 0 {
		return true, fmt.Sprintf("all %d sampled replica(s) saturated (kv >= %s or queue >= %s)",
			f.saturated, fmtFrac(cfg.KvCacheThreshold), fmtNum(cfg.QueueLengthThreshold))
	}
	var short []string
	if a.AvgSpareKv <= cfg.KvSpareTrigger+tolerance {
		short = append(short, fmt.Sprintf("average spare KV %s <= trigger %s", fmtFrac(a.AvgSpareKv), fmtFrac(cfg.KvSpareTrigger)))
	}
	if a.AvgSpareQueue <= cfg.QueueSpareTrigger+tolerance {
		short = append(short, fmt.Sprintf("average spare queue %s <= trigger %s", fmtFrac(a.AvgSpareQueue), fmtNum(cfg.QueueSpareTrigger)))
	}
	over := fmt.Sprintf(" over %d non-saturated replica(s)", f.nonSaturated)
	if len(short) > 0 {
		return true, strings.Join(short, " and ") + over
	}
	return false, fmt.Sprintf("average spare KV %s > trigger %s and spare queue %s > trigger %s",
		fmtFrac(a.AvgSpareKv), fmtFrac(cfg.KvSpareTrigger), fmtFrac(a.AvgSpareQueue), fmtNum(cfg.QueueSpareTrigger)) + over
}

// v1ScaleDownSafe simulates spreading the load of the N non-saturated replicas over
// N-1. Both spares must stay above their triggers (strictly, so that the next cycle does
// not scale straight back up), N must be at least 2, and no replica may be saturated.
func v1ScaleDownSafe(f v1Figures, a *Analysis, cfg SaturationConfig) (bool, string) {
	if f.saturated > 0 {
		return false, fmt.Sprintf("scale-down unsafe: %d replica(s) saturated", f.saturated)
	}
	if f.nonSaturated < 2 {
		return false, fmt.Sprintf("scale-down unsafe: %d non-saturated replica(s), need at least 2", f.nonSaturated)
	}
	rest := float64(f.nonSaturated - 1)
	a.SpareKvAfterRemoval = cfg.KvCacheThreshold - f.sumKv/rest
	a.SpareQueueAfterRemoval = cfg.QueueLengthThreshold - f.sumQueue/rest
	kvOK := a.SpareKvAfterRemoval > cfg.KvSpareTrigger+tolerance
	queueOK := a.SpareQueueAfterRemoval > cfg.QueueSpareTrigger+tolerance
	after := fmt.Sprintf("load of %d replicas on %d: spare KV %s vs trigger %s, spare queue %s vs trigger %s",
		f.nonSaturated, f.nonSaturated-1, fmtFrac(a.SpareKvAfterRemoval), fmtFrac(cfg.KvSpareTrigger), fmtFrac(a.SpareQueueAfterRemoval), fmtNum(cfg.QueueSpareTrigger))
	if kvOK && queueOK {
		return true, after
	}
	return false, "scale-down unsafe: " + after
}

// v1Need ranks a model short of capacity for the GPU limiter: the larger relative
// shortfall of the two spares, 1 when every replica is saturated.
func v1Need(f v1Figures, a *Analysis, cfg SaturationConfig) float64 {
	if f.nonSaturated == 0 {
		return 1
	}
	need := 0.0
	if cfg.KvSpareTrigger > 0 {
		need = max(need, (cfg.KvSpareTrigger-a.AvgSpareKv)/cfg.KvSpareTrigger)
	}
	if cfg.QueueSpareTrigger > 0 {
		need = max(need, (cfg.QueueSpareTrigger-a.AvgSpareQueue)/cfg.QueueSpareTrigger)
	}
	return min(1, max(0, need))
}

// planV1Up asks for one replica on the cheapest variant (see v1Order) that has no
// pending replicas and no change in flight; the others become alternatives for the GPU
// limiter.
func (p *plan) planV1Up(s *Snapshot, signal string) {
	cands := make([]int, 0, len(p.variants))
	for i := range p.variants {
		v := &p.variants[i]
		switch {
		case v.inFlight:
		case v.pending > 0:
			p.setReason(i, "hold: %d pending replica(s); scale-up needed (%s) goes elsewhere", v.pending, signal)
		case v.headroom() == 0:
			p.setReason(i, "%s", heldAtMax(v.atMax(), signal))
		default:
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		p.reason = noVariantForScaleUp(signal, "pending replicas, a change in flight or no headroom")
		return
	}
	rank := p.v1Order(s, cands, false)
	signal += rank.note
	for _, i := range cands[1:] {
		p.setReason(i, "%s", heldForPreferred(signal, p.variants[cands[0]].state.Name))
	}
	p.reason = "scale-up: " + signal
	p.requests = append(p.requests, scaleUp{
		variant: cands[0], replicas: 1, alternatives: cands[1:],
		prefix: "scale-up: " + signal, label: rank.label,
	})
}

// planV1Down removes one replica from the most expensive variant (see v1Order) among
// the candidates (see v1DownCandidates).
func (p *plan) planV1Down(s *Snapshot, why string) {
	cands := p.v1DownCandidates(s)
	for i := range p.variants {
		if v := &p.variants[i]; !v.inFlight && !slices.Contains(cands, i) {
			p.setReason(i, "%s", heldAtFloor(v.atFloor(), why))
		}
	}
	if len(cands) == 0 {
		p.reason = noVariantForScaleDown(why)
		return
	}
	rank := p.v1Order(s, cands, true)
	why += rank.note
	chosen := &p.variants[cands[0]]
	for _, i := range cands[1:] {
		p.setReason(i, "%s", heldForDearer(why, rank.dearer, chosen.state.Name))
	}
	chosen.desired = chosen.base - 1
	chosen.reason = scaledDown(why, 1, rank.label, chosen.state.Name, chosen.state.Cost, "")
	p.reason = "scale-down: " + why
}

// v1Rank is how v1Order ranked the candidates, for the reasons.
type v1Rank struct {
	label  string // the chosen variant's rank, e.g. v1Cheapest
	dearer string // scale-down: how the others name the one chosen, e.g. v1Dearer
	note   string // added to the signal: the rates ranked by, or why not by them
}

// v1Order sorts the candidates of a scale-up cheapest first, or those of a scale-down
// dearest first. In CAPACITY-ONLY the cost is per replica (ties: spare capacity, then
// name). In HYBRID it is per sustainable request, the measure the solver ranks by: the
// variant's cost over the rate one replica sustains within the objectives (ties: the
// order per replica). The capacity answer is the solver's floor, so a replica added on
// the variant cheaper per replica would stay however dear per request it is. While the
// rate of any candidate is unknown the cost per replica decides, and the note says why.
// Candidates of equal variantCost (a lone one included) keep the order per replica (the most spare capacity first), as the configuration guide says of the
// saturation analyser: cost per request ranks only where variantCost tells them apart.
func (p *plan) v1Order(s *Snapshot, cands []int, down bool) v1Rank {
	rank := v1Rank{label: v1Cheapest, dearer: v1Dearer}
	if down {
		rank.label = v1Dearest
	}
	slices.SortFunc(cands, p.v1PerReplica(down))
	if s.Proactive == nil || p.equalCost(cands) {
		return rank
	}
	rates, known, why := p.perRequestRates(s)
	if why == "" {
		why = p.unknownRate(cands, rates, known)
	}
	if why != "" {
		rank.note = "; cheapest per replica (no cost per request: " + why + ")"
		if down {
			rank.note = "; most expensive per replica (no cost per request: " + why + ")"
		}
		return rank
	}
	slices.SortStableFunc(cands, func(a, b int) int { // ties keep the order per replica
		ca, cb := p.variants[a].state.Cost/rates[a], p.variants[b].state.Cost/rates[b]
		if down {
			ca, cb = cb, ca
		}
		return tolerantCompare(ca, cb)
	})
	rank.label, rank.dearer = v1CheapestPerRequest, v1DearerPerRequest
	if down {
		rank.label = v1DearestPerRequest
	}
	rank.note = "; by cost per request (" + p.perRequestFigures(cands, rates) + ")"
	return rank
}

// equalCost says whether the variants listed all have the same variantCost (within
// tolerance); true of one variant or none, which need no ranking either.
func (p *plan) equalCost(idx []int) bool {
	for _, i := range idx {
		if tolerantCompare(p.variants[i].state.Cost, p.variants[idx[0]].state.Cost) != 0 {
			return false
		}
	}
	return true
}

// v1PerReplica orders by cost per replica: cheapest first for a scale-up, dearest first
// for a scale-down (ties: spare capacity, then name).
func (p *plan) v1PerReplica(down bool) func(a, b int) int {
	if !down {
		return p.byCostThenSpare
	}
	return func(a, b int) int {
		return cmp.Or(tolerantCompare(p.variants[b].state.Cost, p.variants[a].state.Cost), p.byCostThenSpare(a, b))
	}
}
