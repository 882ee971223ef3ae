package decision

// v1DownCandidates are the variants a saturation scale-down may take a replica from: no
// change in flight and above their floor (one replica, or their minimum if higher).
//
// In HYBRID a variant's last replica may go as well (lastReplicaMayGo), provided every
// candidate's rate is known: v1 then ranks them by cost per request, so the variant that
// loses its last replica is the one the solver would give back first. The capacity answer
// is the solver's floor per variant, so a last replica saturation never gives back kept
// its variant for good, however dear per request: on the ramp benchmark an A100 added in
// the first minute, before its rate was known, stayed alone beside the H100s for the whole
// run, and a router balancing outstanding requests ran it past what it sustains. While a
// candidate's rate is unknown, every variant costs the same, or the candidates do (v1 then
// ranks per replica, see v1Order), last replicas stay.
func (p *plan) v1DownCandidates(s *Snapshot) []int {
	may := p.lastReplicaMayGo(s)
	cands := p.v1Above(may)
	if may == nil {
		return cands
	}
	if p.equalCost(p.all()) || len(cands) > 1 && p.equalCost(cands) {
		return p.v1Above(nil) // v1 ranks per replica (v1Order)
	}
	rates, known, why := p.perRequestRates(s)
	if why != "" || p.unknownRate(cands, rates, known) != "" {
		return p.v1Above(nil)
	}
	return cands
}

// v1Above lists the variants without a change in flight that are above their floor, or
// at a last replica that may go (may, when set).
func (p *plan) v1Above(may []bool) []int {
	cands := make([]int, 0, len(p.variants))
	for i := range p.variants {
		v := &p.variants[i]
		if !v.inFlight && (v.base > v.floor() || may != nil && may[i]) {
			cands = append(cands, i)
		}
	}
	return cands
}

// lastReplicaMayGo says per variant whether, in HYBRID, a saturation scale-down may take
// its last replica: its minimum allows zero and another variant keeps serving (see
// othersServe); v1Above still leaves a change in flight alone. Only the zero policy takes
// the model itself to zero. Nil in CAPACITY-ONLY and when no variant's last replica may go.
func (p *plan) lastReplicaMayGo(s *Snapshot) []bool {
	if s.Proactive == nil {
		return nil
	}
	var may []bool
	for i := range p.variants {
		v := &p.variants[i]
		if lo, _, _, _ := v.bounds(); v.base != 1 || lo > 0 || !p.othersServe(i) {
			continue
		}
		if may == nil {
			may = make([]bool, len(p.variants))
		}
		may[i] = true
	}
	return may
}

// othersServe says whether a variant other than i has ready replicas and keeps replicas
// (it is not on its way to zero), so that the model still serves without i.
func (p *plan) othersServe(i int) bool {
	for j := range p.variants {
		if o := &p.variants[j]; j != i && o.base > 0 && o.state.ReadyReplicas > 0 {
			return true
		}
	}
	return false
}

// all lists every variant's index.
func (p *plan) all() []int {
	idx := make([]int, len(p.variants))
	for i := range idx {
		idx[i] = i
	}
	return idx
}
