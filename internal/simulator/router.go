package simulator

import "time"

// route sends request i to the ready replica of its model with the fewest outstanding
// requests (ties: the replica that became ready first). A request no ready replica can
// take waits at the gateway; one no variant of the model can ever run is rejected.
func (s *sim) route(i int, now time.Duration) {
	a := &s.wl.arrivals[i]
	m := s.models[a.model]
	if r := leastOutstanding(m.ready, a); r != nil {
		s.submit(r, i, now)
		return
	}
	if !anyVariantFits(m, a) {
		s.records[i].state = reqFailed
		s.failed++
		return
	}
	s.records[i].waitedNoReplica = true
	m.queue = append(m.queue, i)
	if w := s.traits.WakeWithin; w > 0 && !m.wakePending && m.atZero() {
		m.wakePending = true
		s.timers.addFor(now+w, timerWake, m)
	}
}

// leastOutstanding picks the replica with the fewest outstanding requests that can run a.
func leastOutstanding(ready []*replica, a *arrival) *replica {
	var best *replica
	bestN := 0
	for _, r := range ready {
		if !r.fits(a) {
			continue
		}
		if n := r.outstanding(); best == nil || n < bestN {
			best, bestN = r, n
		}
	}
	return best
}

// anyVariantFits reports whether some variant of the model could run the request.
func anyVariantFits(m *modelRun, a *arrival) bool {
	for _, v := range m.variants {
		if a.prompt+a.output <= v.params.MaxModelLen {
			return true
		}
	}
	return false
}

// submit hands request i to replica r at now.
func (s *sim) submit(r *replica, i int, now time.Duration) {
	a := &s.wl.arrivals[i]
	req := servermodelRequest(i, a)
	if err := r.srv.Submit(req, now); err != nil {
		s.fail(err)
		return
	}
	r.assigned = append(r.assigned, i)
}

// flushQueue routes requests waiting at the gateway now that a replica is ready; those
// that still fit nowhere keep waiting, in order.
func (s *sim) flushQueue(m *modelRun, now time.Duration) {
	kept := m.queue[:0]
	for _, i := range m.queue {
		if r := leastOutstanding(m.ready, &s.wl.arrivals[i]); r != nil {
			s.submit(r, i, now)
		} else {
			kept = append(kept, i)
		}
	}
	m.queue = kept
}
