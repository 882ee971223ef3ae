package decision

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// v2Totals are the token figures of one model (reference section 4).
type v2Totals struct {
	demand      float64 // tokens in use plus queued prompt tokens
	supply      float64 // capacity of ready replicas
	anticipated float64 // capacity of ready and pending replicas
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
	figures := fmt.Sprintf("demand %.0f tokens, ready supply %.0f, with pending %.0f (scaleUpThreshold %.2f, scaleDownBoundary %.2f)",
		t.demand, t.supply, t.anticipated, cfg.ScaleUpThreshold, cfg.ScaleDownBoundary)
	switch {
	case a.RequiredTokens > tolerance:
		a.ScaleUpNeeded = true
		if t.demand > 0 {
			a.Need = min(1, a.RequiredTokens/(t.demand/cfg.ScaleUpThreshold))
		}
		p.planV2Up(fmt.Sprintf("required %.0f tokens; %s", a.RequiredTokens, figures))
	case a.SpareTokens > tolerance:
		a.ScaleDownSafe = true
		p.planV2Down(fmt.Sprintf("spare %.0f tokens; %s", a.SpareTokens, figures))
	default:
		p.reason = "hold: no capacity required or spare; " + figures
		p.holdAll(p.reason)
	}
}

// v2Measure computes per-replica capacity and demand, each variant's capacity per
// replica (median of its replicas, capped by a configured token capacity), and the
// model totals. It returns the totals and the number of samples with KV cache size.
func (p *plan) v2Measure(samples []sample, cfg SaturationConfig) (v2Totals, int) {
	caps := make([][]float64, len(p.variants))
	var t v2Totals
	used := 0
	for i := range samples {
		r := &samples[i]
		if r.NumGPUBlocks <= 0 || r.BlockSize <= 0 {
			continue
		}
		used++
		v := &p.variants[r.variant]
		total := float64(r.NumGPUBlocks) * float64(r.BlockSize)
		inUse := r.KvCacheUsage * total
		t.demand += inUse + r.Waiting*r.AvgInputTokens
		caps[r.variant] = append(caps[r.variant], replicaCapacity(total, inUse, r.Waiting, v.state.TokenCapacity, cfg))
	}
	for i := range p.variants {
		v := &p.variants[i]
		v.capacity = median(caps[i])
		if v.capacity == 0 {
			v.capacity = v.state.TokenCapacity
		}
		ready := float64(v.state.ReadyReplicas)
		t.supply += ready * v.capacity
		t.anticipated += (ready + float64(v.pending)) * v.capacity
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
func (p *plan) planV2Up(signal string) {
	cands := p.v2Candidates(func(v *variantPlan) bool { return v.headroom() > 0 })
	slices.SortFunc(cands, p.costPerToken)
	left := p.analysis.RequiredTokens
	p.reason = "scale-up: " + signal
	p.holdAll("hold: scale-up (" + signal + ") covered by more cost-effective variants")
	for _, i := range cands {
		if left <= tolerance {
			break
		}
		v := &p.variants[i]
		n := wholeReplicas(math.Ceil(left/v.capacity-tolerance), v.headroom())
		left -= float64(n) * v.capacity
		p.requests = append(p.requests, scaleUp{
			variant: i, replicas: n,
			prefix: fmt.Sprintf("scale-up: %s; %.0f tokens per replica", signal, v.capacity),
			label:  "lowest cost-per-token variant",
		})
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
	for _, i := range cands {
		v := &p.variants[i]
		n := wholeReplicas(math.Floor(left/v.capacity+tolerance), min(v.base-v.floor(), v.state.ReadyReplicas))
		if n <= 0 {
			continue
		}
		left -= float64(n) * v.capacity
		v.desired = v.base - n
		v.reason = fmt.Sprintf("scale-down: %s; -%d on most expensive per token variant %s (cost %s, %.0f tokens per replica)",
			signal, n, v.state.Name, fmtNum(v.state.Cost), v.capacity)
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
