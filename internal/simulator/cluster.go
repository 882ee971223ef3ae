package simulator

import (
	"fmt"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// modelRun is one model during a run: its variants, the replicas that report metrics,
// and the gateway queue of requests that found no ready replica.
type modelRun struct {
	idx      int
	cfg      *ModelConfig
	variants []*variantRun
	// ready lists the replicas taking requests, in the order they became ready.
	ready []*replica
	// reporting lists replicas that may still have samples inside a query window.
	reporting []*replica
	// queue holds request indices waiting at the gateway for a ready replica.
	queue []int
	// wakePending is set while a fast-path decision for the model is scheduled.
	wakePending bool
}

// atZero reports whether no variant of the model has a pod in its spec.
func (m *modelRun) atZero() bool {
	for _, v := range m.variants {
		if len(v.live) > 0 {
			return false
		}
	}
	return true
}

// variantRun is one variant during a run: its pods and what was last decided for it.
type variantRun struct {
	idx         int
	model       *modelRun
	cfg         *VariantConfig
	params      servermodel.Params
	accelerator string
	// live are the pods of the target's spec: unscheduled, starting or ready.
	live      []*replica
	published *int
	podSeq    int
}

// readyCount is the number of live replicas that serve.
func (v *variantRun) readyCount() int {
	n := 0
	for _, r := range v.live {
		if r.state == stateReady {
			n++
		}
	}
	return n
}

// scaleTo creates or removes pods until the variant's spec has n of them. The pods
// removed are those a ReplicaSet deletes first, told by the deletion-cost marks WVA sets
// from signals when the drain-aware hint is on (see victims).
func (s *sim) scaleTo(v *variantRun, n int, now time.Duration, signals []decision.ReplicaSignals) error {
	for len(v.live) < n {
		if err := s.createReplica(v, now); err != nil {
			return err
		}
	}
	if k := len(v.live) - n; k > 0 {
		for _, r := range victims(v.live, k, s.drainFirst(v, n, signals)) {
			s.removeReplica(v, r, now)
		}
	}
	return nil
}

// createReplica adds a pod to the variant and schedules it if GPUs allow.
func (s *sim) createReplica(v *variantRun, now time.Duration) error {
	v.podSeq++
	r := &replica{id: len(s.replicas), pod: fmt.Sprintf("%s-%d", v.cfg.Name, v.podSeq), v: v, created: now, servedTo: -1}
	srv, err := servermodel.NewReplica(v.params, servermodel.Options{
		Seed: s.cfg.Seed*1_000_003 + uint64(r.id), StepJitter: s.cfg.StepJitter,
	})
	if err != nil {
		return fmt.Errorf("variant %s: %w", v.cfg.Name, err)
	}
	r.srv = srv
	r.sink = s.sinkFor(r)
	s.replicas = append(s.replicas, r)
	v.live = append(v.live, r)
	s.schedulePending(now)
	return nil
}

// removeReplica takes a pod out of the spec: a pod not yet serving goes at once, a
// ready one stops taking requests and drains.
func (s *sim) removeReplica(v *variantRun, r *replica, now time.Duration) {
	v.live = slices.DeleteFunc(v.live, func(x *replica) bool { return x == r })
	r.removedAt = now
	switch r.state {
	case stateUnscheduled, stateStarting:
		s.terminate(r, now)
		return
	}
	m := v.model
	m.ready = slices.DeleteFunc(m.ready, func(x *replica) bool { return x == r })
	r.servedTo = now
	r.state = stateDraining
	s.draining++
	s.drain.removedServing++
	s.drain.inFlightAtRemoval += r.outstanding()
	if s.ideal {
		// an ideal policy's drain is free: no bill, and its GPUs serve the next replica
		s.stopBilling(r, now)
		s.releaseGPUs(r, now)
	}
	if r.srv.Idle() {
		s.terminate(r, now)
		return
	}
	s.timers.add(now+s.cfg.DrainTimeout.D(), timerDrainTimeout, r)
}

// terminate ends a pod: its GPUs are released and pending pods may now be scheduled.
func (s *sim) terminate(r *replica, now time.Duration) {
	if r.state == stateDraining {
		s.draining--
	}
	held := r.state != stateUnscheduled
	r.state = stateGone
	s.retired = true
	s.stopBilling(r, now)
	if held {
		s.releaseGPUs(r, now)
	}
}

// releaseGPUs returns a bound replica's GPUs once, and schedules pods waiting for them.
// A drained replica ends at its last event, which may lie before the simulation's
// present; the pods it makes room for are bound no earlier than the present, since the
// engines of other replicas have already run up to it.
func (s *sim) releaseGPUs(r *replica, now time.Duration) {
	if r.gpusReleased {
		return
	}
	r.gpusReleased = true
	s.gpusUsed[r.v.accelerator] -= r.v.cfg.GPUsPerReplica
	s.schedulePending(max(now, s.now))
}

// stopBilling closes the replica's billed interval once.
func (s *sim) stopBilling(r *replica, now time.Duration) {
	if r.billed && r.billTo < 0 {
		r.billTo = now
	}
}

// schedulePending binds unscheduled pods to free GPUs in creation order.
func (s *sim) schedulePending(now time.Duration) {
	for _, m := range s.models {
		for _, v := range m.variants {
			for _, r := range v.live {
				if r.state == stateUnscheduled && s.gpuFits(v) {
					s.bind(r, now)
				}
			}
		}
	}
}

// gpuFits reports whether one more replica of v fits the cluster's GPU limit.
func (s *sim) gpuFits(v *variantRun) bool {
	limit, limited := s.cfg.GPUs[v.accelerator]
	return !limited || s.gpusUsed[v.accelerator]+v.cfg.GPUsPerReplica <= limit
}

// bind gives a pod its GPUs and starts loading the model; the oracle's pods and the
// initial pods are ready at once.
func (s *sim) bind(r *replica, now time.Duration) {
	s.gpusUsed[r.v.accelerator] += r.v.cfg.GPUsPerReplica
	r.state = stateStarting
	r.billed, r.billFrom, r.billTo = true, now, -1
	delay := r.v.cfg.StartupDelay.D()
	if s.ideal || s.warm || delay == 0 {
		s.makeReady(r, now)
		return
	}
	r.readyAt = now + delay
	s.timers.add(r.readyAt, timerReady, r)
}

// makeReady lets a started pod serve: it joins the router, starts being scraped at its
// own offset within the scrape interval, and takes requests waiting at the gateway.
func (s *sim) makeReady(r *replica, now time.Duration) {
	if r.state != stateStarting {
		return // removed while starting
	}
	r.state = stateReady
	r.readyAt, r.served = now, true
	if err := r.srv.Advance(now, r.sink); err != nil {
		s.fail(err)
		return
	}
	m := r.v.model
	m.ready = append(m.ready, r)
	m.reporting = append(m.reporting, r)
	s.active = append(s.active, r)
	s.readyLog = append(s.readyLog, readyEvent{at: now, created: r.created, model: m.idx, variant: r.v.idx})
	offset := time.Duration(s.rng.Int64N(int64(s.cfg.ScrapeInterval.D())))
	s.timers.add(now+offset, timerScrape, r)
	s.flushQueue(m, now)
}
