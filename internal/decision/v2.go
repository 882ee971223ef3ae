package decision

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// v2Totals are the token figures of one model (reference section 4).
type v2Totals struct {
	demand      float64 // tokens in use plus queued prompt tokens of the replicas that reported
	supply      float64 // capacity of the ready replicas that reported: the same replicas
	anticipated float64 // capacity of ready, pending and desired-in-flight replicas
	ready       int     // ready replicas of the model
	reported    int     // ready replicas that reported (at most ready per variant)
}

// coverage is the fraction of ready replicas that reported; 1 when none is ready.
func (t v2Totals) coverage() float64 {
	if t.ready == 0 {
		return 1
	}
	return float64(t.reported) / float64(t.ready)
}

// coverageText says how much of the model reported, when not all of it did.
func (t v2Totals) coverageText() string {
	if t.reported >= t.ready {
		return ""
	}
	return fmt.Sprintf("; supply and demand over the %d of %d ready replica(s) reported (coverage %.0f%%), the others count as capacity on its way",
		t.reported, t.ready, 100*t.coverage())
}

// analyseV2 runs the token-based analyser: it sizes the capacity to add or remove in
// tokens and turns it into whole replicas of the most cost-effective variants.
func (p *plan) analyseV2(samples []sample, cfg SaturationConfig) {
	p.analysis.Analyzer = AnalyzerSaturationV2
	t, used := p.v2Measure(samples, cfg)
	p.analysis.ExcludedReplicas += p.analysis.SampledReplicas - used
	p.analysis.SampledReplicas = used
	if v := p.unsizedVariant(); v != nil {
		p.applySafetyNet(fmt.Sprintf("v2 cannot size variant %s: no KV cache size reported and no token capacity configured", v.state.Name))
		return
	}
	a := &p.analysis
	a.DemandTokens, a.SupplyTokens, a.AnticipatedSupplyTokens = t.demand, t.supply, t.anticipated
	a.RequiredTokens = max(0, t.demand/cfg.ScaleUpThreshold-t.anticipated)
	a.SpareTokens = max(0, t.supply-t.demand/cfg.ScaleDownBoundary)
	figures := fmt.Sprintf("demand %.0f tokens, ready supply %.0f, with pending and in flight %.0f (scaleUpThreshold %.2f, scaleDownBoundary %.2f)%s",
		t.demand, t.supply, t.anticipated, cfg.ScaleUpThreshold, cfg.ScaleDownBoundary, t.coverageText())
	switch {
	case a.RequiredTokens > tolerance:
		a.ScaleUpNeeded = true
		if t.demand > 0 {
			a.Need = min(1, a.RequiredTokens/(t.demand/cfg.ScaleUpThreshold))
		}
		p.planV2Up(fmt.Sprintf("required %.0f tokens; %s", a.RequiredTokens, figures), cfg)
	case a.SpareTokens > tolerance && t.coverage() < cfg.ScaleDownMinCoverage-tolerance:
		p.reason = fmt.Sprintf("hold: scale-down not applied: %d of %d ready replica(s) reported (coverage %.0f%% < scaleDownMinCoverage %.0f%%); spare %.0f tokens; %s",
			t.reported, t.ready, 100*t.coverage(), 100*cfg.ScaleDownMinCoverage, a.SpareTokens, figures)
		p.holdAll(p.reason)
	case a.SpareTokens > tolerance:
		a.ScaleDownSafe = true
		p.planV2Down(fmt.Sprintf("spare %.0f tokens; %s", a.SpareTokens, figures))
	default:
		p.reason = "hold: no capacity required or spare; " + figures
		p.holdAll(p.reason)
	}
}

// variantLoad is what the replicas of one variant that reported add up to.
type variantLoad struct {
	demand   float64
	reported int
	caps     []float64
}

// v2Measure computes per-replica capacity and demand, each variant's capacity per
// replica (median of its replicas, capped by a configured token capacity), and the
// model totals. Supply and demand are counted over the same replicas, those that
// reported: a ready replica that did not (typically one that has just become ready and
// not been scraped yet) is not measured supply, only capacity on its way, like a pending
// replica or one a change in flight has asked for. It returns the totals and the number
// of samples with KV cache size.
func (p *plan) v2Measure(samples []sample, cfg SaturationConfig) (v2Totals, int) {
	loads := make([]variantLoad, len(p.variants))
	used := 0
	for i := range samples {
		r := &samples[i]
		if r.NumGPUBlocks <= 0 || r.BlockSize <= 0 {
			continue
		}
		used++
		v, l := &p.variants[r.variant], &loads[r.variant]
		total := float64(r.NumGPUBlocks) * float64(r.BlockSize)
		inUse := r.KvCacheUsage * total
		l.demand += inUse + r.Waiting*r.AvgInputTokens
		l.reported++
		l.caps = append(l.caps, replicaCapacity(total, inUse, r.Waiting, v.state.TokenCapacity, cfg))
	}
	var t v2Totals
	for i := range p.variants {
		v, l := &p.variants[i], &loads[i]
		v.capacity = median(l.caps)
		if v.capacity == 0 {
			v.capacity = v.state.TokenCapacity
		}
		ready := v.state.ReadyReplicas
		onTheWay := ready + v.pending
		if v.inFlight {
			onTheWay = max(onTheWay, v.base)
		}
		measured := min(l.reported, ready)
		t.supply += float64(measured) * v.capacity
		t.anticipated += float64(onTheWay) * v.capacity
		t.demand += l.demand
		t.ready += ready
		t.reported += measured
	}
	return t, used
}

// replicaCapacity is min(memory-bound KV capacity, compute-bound capacity). The compute
// bound is the configured token capacity if any, else the tokens in use when the
// replica is already queueing at the queue threshold (observed), else unknown.
func replicaCapacity(total, inUse, waiting, configured float64, cfg SaturationConfig) float64 {
	c := total * cfg.KvCacheThreshold
	switch {
	case configured > 0:
		c = min(c, configured)
	case waiting >= cfg.QueueLengthThreshold-tolerance && inUse > 0:
		c = min(c, inUse)
	}
	return c
}

// median returns the lower median of xs (0 for none), a robust per-variant capacity.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

// unsizedVariant returns a variant that has replicas but no known capacity; v2 cannot
// count its supply, so it must not guess.
func (p *plan) unsizedVariant() *variantPlan {
	for i := range p.variants {
		v := &p.variants[i]
		if v.capacity <= 0 && max(v.state.CurrentReplicas, v.state.ReadyReplicas) > 0 {
			return v
		}
	}
	return nil
}

// costPerToken orders variants by cost per token of capacity, then by name.
func (p *plan) costPerToken(a, b int) int {
	va, vb := &p.variants[a], &p.variants[b]
	return cmp.Or(tolerantCompare(va.state.Cost/va.capacity, vb.state.Cost/vb.capacity), cmp.Compare(va.state.Name, vb.state.Name))
}

// planV2Up gives the required tokens to variants in ascending cost per token, rounding
// each up to whole replicas, until the requirement is covered or no variant has room.
// One decision adds at most max(maxScaleUpStep, current replicas) to a variant, so a
// replica whose observed capacity is tiny (stalled, nearly empty KV cache) cannot ask for
// thousands of replicas at once.
func (p *plan) planV2Up(signal string, cfg SaturationConfig) {
	cands := p.v2Candidates(func(v *variantPlan) bool { return v.headroom() > 0 })
	slices.SortFunc(cands, p.costPerToken)
	left := p.analysis.RequiredTokens
	p.reason = "scale-up: " + signal
	atMax := make([]bool, len(p.variants))
	for i := range p.variants {
		if v := &p.variants[i]; !v.inFlight && v.capacity > 0 && v.headroom() == 0 {
			atMax[i] = true
			p.setReason(i, "%s", heldAtMax(v.atMax(), signal))
		}
	}
	for _, i := range cands {
		if left <= tolerance {
			break
		}
		v := &p.variants[i]
		step := max(cfg.MaxScaleUpStep, v.state.CurrentReplicas)
		wanted := math.Ceil(left/v.capacity - tolerance)
		n := wholeReplicas(wanted, min(v.headroom(), step))
		left -= float64(n) * v.capacity
		prefix := fmt.Sprintf("scale-up: %s; %.0f tokens per replica", signal, v.capacity)
		if n == step && wanted > float64(step) {
			prefix += fmt.Sprintf("; step bound: +%d of %.0f wanted (max(maxScaleUpStep %d, current %d))", n, wanted, cfg.MaxScaleUpStep, v.state.CurrentReplicas)
		}
		p.requests = append(p.requests, scaleUp{
			variant: i, replicas: n, prefix: prefix,
			label: v2Cheapest,
		})
	}
	if len(p.requests) == 0 {
		p.reason = noVariantForScaleUp(signal, "a change in flight, no known capacity or no headroom")
		for i := range p.variants {
			if !atMax[i] {
				p.setReason(i, "%s", p.reason)
			}
		}
		return
	}
	preferred := p.variants[p.requests[0].variant].state.Name
	asked := make([]bool, len(p.variants))
	for _, r := range p.requests {
		asked[r.variant] = true
	}
	for i := range p.variants {
		if !asked[i] && !atMax[i] {
			p.setReason(i, "%s", heldForPreferred(signal, preferred))
		}
	}
	if left > tolerance {
		p.reason += fmt.Sprintf("; %.0f tokens could not be placed (no variant with headroom)", left)
	}
}

// planV2Down removes whole replicas of spare capacity, most expensive per token first,
// never taking a variant below its floor or removing more than its ready replicas.
func (p *plan) planV2Down(signal string) {
	cands := p.v2Candidates(func(v *variantPlan) bool { return v.base > v.floor() })
	slices.SortFunc(cands, func(a, b int) int { return p.costPerToken(b, a) })
	left := p.analysis.SpareTokens
	p.reason = "scale-down: " + signal
	p.holdAll("hold: no whole replica of spare capacity to remove here (" + signal + ")")
	for i := range p.variants {
		if v := &p.variants[i]; v.capacity > 0 && v.base <= v.floor() {
			p.setReason(i, "%s", heldAtFloor(v.atFloor(), signal))
		}
	}
	if len(cands) == 0 {
		p.reason = noVariantForScaleDown(signal)
		return
	}
	taken := ""
	for _, i := range cands {
		v := &p.variants[i]
		n := wholeReplicas(math.Floor(left/v.capacity+tolerance), min(v.base-v.floor(), v.state.ReadyReplicas))
		if n <= 0 {
			if taken != "" {
				p.setReason(i, "%s", heldForDearer(signal, v2Dearer, taken))
			}
			continue
		}
		left -= float64(n) * v.capacity
		v.desired = v.base - n
		v.reason = scaledDown(signal, n, v2Dearest, v.state.Name, v.state.Cost, fmt.Sprintf(", %.0f tokens per replica", v.capacity))
		if taken == "" {
			taken = v.state.Name
		}
	}
}

// v2Candidates lists variants without a change in flight, with known capacity, that
// pass ok.
func (p *plan) v2Candidates(ok func(*variantPlan) bool) []int {
	out := make([]int, 0, len(p.variants))
	for i := range p.variants {
		v := &p.variants[i]
		if !v.inFlight && v.capacity > 0 && ok(v) {
			out = append(out, i)
		}
	}
	return out
}

// wholeReplicas converts a replica count computed in floats to an int no larger than
// limit, without overflowing when a tiny capacity makes the float huge.
func wholeReplicas(x float64, limit int) int {
	if !(x < float64(limit)) {
		return limit
	}
	return max(0, int(x))
}
