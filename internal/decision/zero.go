package decision

import (
	"cmp"
	"fmt"
)

// decideAtZero handles a model whose variants all have zero replicas: it wakes the
// cheapest variant when requests wait upstream, and otherwise leaves the model asleep.
// It needs no replica signals, since a model at zero has no replicas to report them.
func (p *plan) decideAtZero(s *Snapshot) {
	demand := s.WaitingDemand
	p.analysis.Analyzer = AnalyzerScaleFromZero
	for i := range p.variants {
		if p.variants[i].inFlight && p.variants[i].base > 0 {
			p.reason = fmt.Sprintf("hold: scale from zero already in flight (variant %s desired %d)", p.variants[i].state.Name, p.variants[i].base)
			p.holdAll(p.reason)
			return
		}
	}
	if p.rewake(demand) {
		return
	}
	if !demand.Known || demand.Requests <= 0 {
		p.reason = "hold: model at zero and no requests waiting"
		if !demand.Known {
			p.reason = "hold: model at zero and waiting demand unknown"
			if demand.Failure != "" {
				p.reason += " (" + demand.Failure + ")"
			}
		}
		p.holdAll(p.reason)
		return
	}
	p.wakeCheapest(s, demand.Requests)
}

// rewake handles a wake-up whose change expired without the target moving (an HPA that
// keeps a target it did not take to zero paused, a scaler that is gone): the same replica
// is asked for again while requests wait or the demand is unknown, never one more each
// time it expires, and withdrawn once no request waits. It reports whether it decided.
func (p *plan) rewake(demand Demand) bool {
	for i := range p.variants {
		v := &p.variants[i]
		if v.expired == "" || v.base <= 0 {
			continue
		}
		if demand.Known && demand.Requests <= 0 {
			v.desired = 0
			p.reason = fmt.Sprintf("hold: wake-up of variant %s withdrawn, no request waits any more", v.state.Name)
		} else {
			p.reason = fmt.Sprintf("scale-from-zero: wake-up of variant %s (desired %d) not followed by its target yet; asked again, not raised", v.state.Name, v.base)
		}
		p.holdAll(p.reason)
		return true
	}
	return false
}

// wakeCheapest asks for one replica of the cheapest variant that may have one (per
// replica, or per request in HYBRID: see wakeOrder), with the others, cheapest first, as
// alternatives for the GPU limiter.
func (p *plan) wakeCheapest(s *Snapshot, waiting int) {
	p.analysis.Need = 1
	p.analysis.ScaleUpNeeded = true
	cands := make([]int, 0, len(p.variants))
	for i := range p.variants {
		if p.variants[i].headroom() > 0 {
			cands = append(cands, i)
		}
	}
	label, perReplicaWhy := p.wakeOrder(s, cands)
	signal := fmt.Sprintf("%d request(s) waiting for a model at zero", waiting)
	if perReplicaWhy != "" {
		signal += "; cheapest per replica (no cost per request: " + perReplicaWhy + ")"
	}
	if len(cands) == 0 {
		p.reason = "hold: " + signal + " but every variant has maxReplicas 0"
		p.holdAll(p.reason)
		return
	}
	p.reason = "scale-from-zero: " + signal
	p.holdAll("hold: scale from zero wakes a cheaper variant")
	p.requests = append(p.requests, scaleUp{
		variant: cands[0], replicas: 1, alternatives: cands[1:],
		prefix: "scale-from-zero: " + signal, label: label,
	})
}

// holdAll gives every variant (except those with a change in flight) the same reason.
func (p *plan) holdAll(reason string) {
	for i := range p.variants {
		p.setReason(i, "%s", reason)
	}
}

// applyZeroPolicy scales the whole model to zero when it is enabled and the data shows
// no successful request during the retention period. It reports whether it did.
func (p *plan) applyZeroPolicy(s *Snapshot, samples []sample, excluded int) bool {
	idle, why := zeroVerdict(s, p, samples, excluded)
	p.analysis.ZeroPolicy = why
	if !idle {
		return false
	}
	p.analysis.Analyzer = AnalyzerScaleToZero
	p.reason = "scale-to-zero: " + why
	for i := range p.variants {
		p.variants[i].desired = 0
		p.variants[i].reason = p.reason
	}
	return true
}

// zeroVerdict decides whether the model is idle. Missing, stale, invalid or partial data
// is never taken for zero traffic: every condition below must hold on data that covers
// the retention period.
func zeroVerdict(s *Snapshot, p *plan, samples []sample, excluded int) (bool, string) {
	z := effectiveRetention(s.Zero)
	switch {
	case !z.Enabled:
		return false, "disabled"
	case excluded > 0:
		return false, fmt.Sprintf("not applied: %d replica sample(s) excluded", excluded)
	case s.SuccessWindow < z.RetentionPeriod:
		return false, fmt.Sprintf("not applied: success counts cover %s, retention period is %s", s.SuccessWindow, z.RetentionPeriod)
	case zeroWaitsForRecovery(s, z.RetentionPeriod) != "":
		return false, zeroWaitsForRecovery(s, z.RetentionPeriod)
	case s.WaitingDemand.Known && s.WaitingDemand.Requests > 0:
		return false, fmt.Sprintf("not applied: %d request(s) waiting upstream", s.WaitingDemand.Requests)
	case s.WaitingDemand.Failure != "":
		return false, "not applied: requests waiting upstream could not be read (" + s.WaitingDemand.Failure + ")"
	}
	if v := uncoveredVariant(p); v != nil {
		return false, fmt.Sprintf("not applied: variant %s has %d ready replica(s) but %d sample(s)", v.state.Name, v.state.ReadyReplicas, v.samples)
	}
	var successes, busy float64
	for i := range samples {
		successes += samples[i].SuccessCount
		busy += samples[i].Waiting + samples[i].Running
	}
	// Pods replaced within the retention period served requests too: the model-level
	// count includes them, so it is never read as fewer than the live replicas' sum.
	successes = max(successes, s.ModelSuccesses)
	switch {
	case successes > 0:
		return false, fmt.Sprintf("traffic: %s successful request(s) in the last %s", fmtNum(successes), s.SuccessWindow)
	case busy > 0:
		return false, "traffic: requests running or waiting in replicas"
	}
	return true, fmt.Sprintf("no successful request during the %s retention period (%d replica(s) sampled)", z.RetentionPeriod, len(samples))
}

// uncoveredVariant returns a variant with fewer samples than ready replicas, if any:
// its silent replicas might be serving traffic.
func uncoveredVariant(p *plan) *variantPlan {
	for i := range p.variants {
		if p.variants[i].samples < p.variants[i].state.ReadyReplicas {
			return &p.variants[i]
		}
	}
	return nil
}

// byCostThenSpare orders variants cheapest first; equal costs (within tolerance) go to
// the one with most spare KV capacity, then by name.
func (p *plan) byCostThenSpare(a, b int) int {
	va, vb := &p.variants[a], &p.variants[b]
	if c := tolerantCompare(va.state.Cost, vb.state.Cost); c != 0 {
		return c
	}
	return cmp.Or(tolerantCompare(vb.spareKv, va.spareKv), cmp.Compare(va.state.Name, vb.state.Name))
}

// tolerantCompare compares two floats, treating values within tolerance as equal.
func tolerantCompare(a, b float64) int {
	switch {
	case a < b-tolerance:
		return -1
	case a > b+tolerance:
		return 1
	}
	return 0
}
