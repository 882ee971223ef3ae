package decision

import (
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
func (p *plan) analyseV1(samples []sample, cfg SaturationConfig) {
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
		p.planV1Up(signal)
		return
	}
	safe, why := v1ScaleDownSafe(f, a, cfg)
	a.ScaleDownSafe = safe
	if safe {
		p.planV1Down(why)
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

// planV1Up asks for one replica on the cheapest variant that has no pending replicas
// and no change in flight; the others become alternatives for the GPU limiter.
func (p *plan) planV1Up(signal string) {
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
	slices.SortFunc(cands, p.byCostThenSpare)
	for _, i := range cands[1:] {
		p.setReason(i, "%s", heldForPreferred(signal, p.variants[cands[0]].state.Name))
	}
	p.reason = "scale-up: " + signal
	p.requests = append(p.requests, scaleUp{
		variant: cands[0], replicas: 1, alternatives: cands[1:],
		prefix: "scale-up: " + signal, label: v1Cheapest,
	})
}

// planV1Down removes one replica from the most expensive variant that has no change in
// flight and is above its floor.
func (p *plan) planV1Down(why string) {
	cands := make([]int, 0, len(p.variants))
	for i := range p.variants {
		v := &p.variants[i]
		switch {
		case v.inFlight:
		case v.base <= v.floor():
			p.setReason(i, "%s", heldAtFloor(v.atFloor(), why))
		default:
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		p.reason = noVariantForScaleDown(why)
		return
	}
	slices.SortFunc(cands, func(a, b int) int {
		if c := tolerantCompare(p.variants[b].state.Cost, p.variants[a].state.Cost); c != 0 {
			return c
		}
		return p.byCostThenSpare(a, b)
	})
	chosen := &p.variants[cands[0]]
	for _, i := range cands[1:] {
		p.setReason(i, "%s", heldForDearer(why, v1Dearer, chosen.state.Name))
	}
	chosen.desired = chosen.base - 1
	chosen.reason = scaledDown(why, 1, v1Dearest, chosen.state.Name, chosen.state.Cost, "")
	p.reason = "scale-down: " + why
}
