package decision

import "cmp"

// perRequestCosts is, in HYBRID mode, each variant's cost per request: its cost per
// replica over the rate one replica sustains within the objectives, as the optimiser
// last computed it (ProactiveState.Rates). The saturation analyser then places and
// removes its replicas in the order the solver ranks variants, so the capacity answer,
// a floor under the model's answer for every variant, never holds replicas of a variant
// the model would not choose. It is nil in CAPACITY-ONLY, and while any variant's rate
// is unknown or zero (not learned yet, or unable to meet the objectives alone), so that
// the cost per replica decides as the saturation analyser's contract describes.
func perRequestCosts(s *Snapshot, p *plan) []float64 {
	if s.Proactive == nil || len(p.variants) < 2 {
		return nil
	}
	costs := make([]float64, len(p.variants))
	for i := range p.variants {
		m, ok := s.Proactive.State.Rates[p.variants[i].state.Name]
		if !ok || !(m.Rate > 0) {
			return nil
		}
		costs[i] = p.variants[i].state.Cost / m.Rate
	}
	return costs
}

// byRankThenSpare orders variants cheapest first for the saturation analyser: by cost
// per request when perRequest is known (HYBRID), else by cost per replica; ties as
// byCostThenSpare.
func (p *plan) byRankThenSpare(a, b int) int {
	if p.perRequest != nil {
		if c := cmp.Compare(p.perRequest[a], p.perRequest[b]); c != 0 {
			return c
		}
	}
	return p.byCostThenSpare(a, b)
}

// rankLabel names the order of byRankThenSpare in reasons.
func (p *plan) rankLabel(perReplica, perRequest string) string {
	if p.perRequest != nil {
		return perRequest
	}
	return perReplica
}

// downFloor is the count v1's scale-down keeps variant i at: one replica, or its min if
// higher. In HYBRID, once variants are ranked per request, a variant whose min allows
// may go to zero while the model keeps a replica elsewhere: the last replica of a
// variant dearer per request is capacity the model would otherwise keep for good, since
// the saturation answer is a floor for every variant. The model itself still keeps at
// least one replica; only the zero policy takes it to zero.
func (p *plan) downFloor(i int) int {
	v := &p.variants[i]
	if p.perRequest == nil {
		return v.floor()
	}
	lo, _, _, _ := v.bounds()
	if lo > 0 || p.totalBase()-v.base < 1 {
		return v.floor()
	}
	return 0
}

// totalBase is the model's replica count if every variant held.
func (p *plan) totalBase() int {
	n := 0
	for i := range p.variants {
		n += p.variants[i].base
	}
	return n
}
