package simulator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Progress reports how far a run has come, for long runs to print.
type Progress struct {
	// Policy is the policy being simulated.
	Policy string
	// Now and End are the virtual time reached and the end of the period.
	Now, End time.Duration
}

// RunOptions tune one run.
type RunOptions struct {
	// Progress, when set, is called about every ProgressEvery of virtual time.
	Progress func(Progress)
	// ProgressEvery defaults to five virtual minutes.
	ProgressEvery time.Duration
}

// sim is the state of one run of one policy over the scenario's workload.
type sim struct {
	cfg      *Config
	wl       *Workload
	policy   Policy
	traits   Traits
	ideal    bool
	warm     bool // initial replicas start ready
	rng      *rand.Rand
	models   []*modelRun
	replicas []*replica // every replica ever created, by id
	active   []*replica // replicas whose engines hold or may hold requests
	records  []reqRecord
	timers   timerQueue
	gpusUsed map[string]int
	keep     time.Duration
	now      time.Duration
	err      error

	finished, failed, draining int
	drain                      drainCounts
	retired                    bool // some replica terminated since the active list was pruned
	decisions                  []decisionEvent
	readyLog                   []readyEvent
	series                     []seriesPoint
}

// decisionEvent records one change of a variant's desired replicas.
type decisionEvent struct {
	at             time.Duration
	model, variant int
	from, to       int
}

// readyEvent records a replica starting to serve.
type readyEvent struct {
	at, created    time.Duration
	model, variant int
}

// seriesPoint is the replica counts at one resolution boundary.
type seriesPoint struct {
	at    time.Duration
	spec  [][]int
	ready [][]int
}

// Run simulates the scenario's workload under one policy and measures the outcome.
func (sc *Scenario) Run(p Policy, opt RunOptions) (PolicyResult, error) {
	s, err := sc.newSim(p)
	if err != nil {
		return PolicyResult{}, err
	}
	if err := s.loop(opt); err != nil {
		return PolicyResult{}, fmt.Errorf("policy %s: %w", p.Name(), err)
	}
	res, err := s.measure(sc)
	if err != nil {
		return PolicyResult{}, fmt.Errorf("policy %s: %w", p.Name(), err)
	}
	return res, nil
}

// newSim sets up the cluster with the policy's initial replicas, ready at time zero.
func (sc *Scenario) newSim(p Policy) (*sim, error) {
	s := &sim{
		cfg: &sc.Config, wl: sc.Workload, policy: p, traits: p.Traits(),
		rng:      rand.New(rand.NewPCG(sc.Config.Seed, 0x5c4a9e)),
		records:  make([]reqRecord, sc.Workload.Len()),
		gpusUsed: map[string]int{},
	}
	s.ideal = s.traits.Ideal
	for mi := range sc.Config.Models {
		m := &modelRun{idx: mi, cfg: &sc.Config.Models[mi]}
		for vi := range m.cfg.Variants {
			m.variants = append(m.variants, &variantRun{idx: vi, model: m, cfg: &m.cfg.Variants[vi],
				params: sc.params[mi][vi], accelerator: sc.accelerators[mi][vi]})
		}
		s.models = append(s.models, m)
	}
	s.keep = s.keepSamples()
	s.warm = true // the initial replicas are already loaded at time zero
	if err := s.apply(p.Initial(), nil, 0, false); err != nil {
		return nil, err
	}
	s.warm = false
	s.timers.add(s.traits.Interval, timerDecision, nil)
	for t := time.Duration(0); t <= s.wl.End; t += s.cfg.Resolution.D() {
		s.timers.add(t, timerRecord, nil)
	}
	return s, s.err
}

// fail records the first internal error; the loop stops at the next event.
func (s *sim) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// loop runs events in time order: arrivals, replicas becoming ready, scrapes, decisions,
// drain time-outs and series records, until the period ends and every request has
// finished (or can no longer be served).
func (s *sim) loop(opt RunOptions) error {
	every := opt.ProgressEvery
	if every <= 0 {
		every = 5 * time.Minute
	}
	nextProgress := every
	tailEnd := s.wl.End + s.cfg.DrainTimeout.D()
	next := 0
	for s.err == nil {
		t, ok := s.timers.peek()
		arrivalNext := next < len(s.wl.arrivals) && (!ok || s.wl.arrivals[next].at < t.at)
		var at time.Duration
		switch {
		case arrivalNext:
			at = s.wl.arrivals[next].at
		case ok:
			at = t.at
		default:
			return s.finish()
		}
		if at > tailEnd || (next == len(s.wl.arrivals) && s.allSettled() && at > s.wl.End) {
			return s.finish()
		}
		if err := s.advanceAll(at); err != nil {
			return err
		}
		if arrivalNext {
			s.route(next, at)
			next++
		} else {
			s.fire(s.timers.pop())
		}
		if opt.Progress != nil && at >= nextProgress {
			opt.Progress(Progress{Policy: s.policy.Name(), Now: min(at, s.wl.End), End: s.wl.End})
			nextProgress += every
		}
	}
	return s.err
}

// allSettled reports whether every request has finished or failed.
func (s *sim) allSettled() bool { return s.finished+s.failed == len(s.records) }

// advanceAll brings every engine holding requests to time t and retires drained replicas.
func (s *sim) advanceAll(t time.Duration) error {
	s.now = t
	for _, r := range s.active {
		if err := r.srv.Advance(t, r.sink); err != nil {
			return fmt.Errorf("replica %s: %w", r.pod, err)
		}
	}
	if s.draining > 0 || s.retired {
		s.retireDrained()
	}
	return nil
}

// retireDrained terminates draining replicas that have finished their last request and
// drops terminated replicas from the active list. Terminating frees GPUs, which may
// make pending pods ready and add them to the active list, so the list is pruned only
// after every termination.
func (s *sim) retireDrained() {
	s.retired = false
	var drained []*replica
	for _, r := range s.active {
		if r.state == stateDraining && r.srv.Idle() {
			drained = append(drained, r)
		}
	}
	for _, r := range drained {
		s.terminate(r, max(r.lastEvent, r.removedAt))
	}
	s.active = slices.DeleteFunc(s.active, func(r *replica) bool { return r.state == stateGone })
}

// fire handles one timer.
func (s *sim) fire(t timer) {
	switch t.kind {
	case timerReady:
		s.makeReady(t.rep, t.at)
	case timerScrape:
		if st := t.rep.state; st == stateReady || st == stateDraining {
			t.rep.scrape(t.at, s.keep)
			s.timers.add(t.at+s.cfg.ScrapeInterval.D(), timerScrape, t.rep)
		}
	case timerDrainTimeout:
		s.abortDrain(t.rep, t.at)
	case timerDecision:
		s.decide(t.at)
	case timerWake:
		s.wake(t.model, t.at)
	case timerRecord:
		s.record(t.at)
	}
}

// decide asks the policy for desired replicas and applies them; decisions stop at the
// end of the period.
func (s *sim) decide(now time.Duration) {
	if now > s.wl.End {
		return
	}
	view := s.view(now)
	d, err := s.policy.Decide(view)
	if err != nil {
		s.fail(fmt.Errorf("decide at %v: %w", now, err))
		return
	}
	if err := s.apply(d, view, now, true); err != nil {
		s.fail(err)
		return
	}
	s.timers.add(now+s.traits.Interval, timerDecision, nil)
}

// wake is the policy's scale-from-zero fast path: a model still at zero with requests
// waiting is decided now, between intervals; only its own answer is applied, as the
// controller's fast path decides that model alone.
func (s *sim) wake(m *modelRun, now time.Duration) {
	m.wakePending = false
	if now > s.wl.End || !m.atZero() || len(m.queue) == 0 {
		return
	}
	view := s.view(now)
	d, err := s.policy.Decide(view)
	if err != nil {
		s.fail(fmt.Errorf("decide at %v: %w", now, err))
		return
	}
	if len(d) != len(s.models) {
		s.fail(fmt.Errorf("policy %s returned %d models, want %d", s.policy.Name(), len(d), len(s.models)))
		return
	}
	if err := s.applyModel(m.idx, d[m.idx], signalsOf(view, m.idx), now, true); err != nil {
		s.fail(err)
	}
}

// apply scales every variant to its desired count and logs the changes; view is what the
// policy decided from (nil for the initial replicas).
func (s *sim) apply(d Desired, view *View, now time.Duration, log bool) error {
	if len(d) != len(s.models) {
		return fmt.Errorf("policy %s returned %d models, want %d", s.policy.Name(), len(d), len(s.models))
	}
	for mi := range s.models {
		if err := s.applyModel(mi, d[mi], signalsOf(view, mi), now, log); err != nil {
			return err
		}
	}
	return nil
}

// signalsOf is model mi's per-replica signals in view, nil without a view.
func signalsOf(view *View, mi int) []decision.ReplicaSignals {
	if view == nil {
		return nil
	}
	return view.Models[mi].Snapshot.Replicas
}

// applyModel scales one model's variants to their desired counts and logs the changes;
// signals are the replicas' signals the decision was made from.
func (s *sim) applyModel(mi int, want []int, signals []decision.ReplicaSignals, now time.Duration, log bool) error {
	m := s.models[mi]
	if len(want) != len(m.variants) {
		return fmt.Errorf("policy %s returned %d variants for model %s, want %d", s.policy.Name(), len(want), m.cfg.Name, len(m.variants))
	}
	for vi, v := range m.variants {
		n := max(0, want[vi])
		if from := len(v.live); log && n != from {
			s.decisions = append(s.decisions, decisionEvent{at: now, model: mi, variant: vi, from: from, to: n})
		}
		published := n
		v.published = &published
		if err := s.scaleTo(v, n, now, signals); err != nil {
			return err
		}
	}
	return nil
}

// abortDrain ends a drain that ran out of time: requests still on the replica fail.
func (s *sim) abortDrain(r *replica, now time.Duration) {
	if r.state != stateDraining {
		return
	}
	for _, i := range r.assigned {
		if st := s.records[i].state; st == reqPending || st == reqStarted {
			if err := r.srv.Abort(servermodel.RequestID(i), now); err != nil {
				s.fail(err)
				return
			}
			s.records[i].state = reqFailed
			s.failed++
			s.drain.aborted++
		}
	}
	s.terminate(r, now)
}

// record takes the replica counts for the time series.
func (s *sim) record(now time.Duration) {
	p := seriesPoint{at: now, spec: make([][]int, len(s.models)), ready: make([][]int, len(s.models))}
	for mi, m := range s.models {
		for _, v := range m.variants {
			p.spec[mi] = append(p.spec[mi], len(v.live))
			p.ready[mi] = append(p.ready[mi], v.readyCount())
		}
	}
	s.series = append(s.series, p)
}

// finish fails requests that can no longer be served and closes the books at the end
// of the period.
func (s *sim) finish() error {
	for i := range s.records {
		if st := s.records[i].state; st == reqPending || st == reqStarted {
			s.records[i].state = reqFailed
			s.failed++
		}
	}
	for _, r := range s.replicas {
		if r.billed && r.billTo < 0 {
			r.billTo = s.wl.End
		}
	}
	return s.err
}
