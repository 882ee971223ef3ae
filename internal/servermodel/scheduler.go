package servermodel

import "time"

// startStep schedules a batch at time t and, if anything was scheduled, puts a step in
// flight ending after the step's modelled duration.
func (r *Replica) startStep(t time.Duration, sink Sink) {
	computed, kvRead := r.schedule(t, sink)
	if len(r.batch) == 0 {
		return
	}
	r.inFlight = true
	r.stepEnd = t + r.stepDuration(computed, kvRead)
}

// schedule builds the batch of one step the way vLLM's V1 scheduler does: running
// requests first, in admission order, each taking what it still needs within the token
// budget, preempting the newest running requests when KV blocks run out; then, only if
// nothing was preempted, waiting requests in FIFO order while a sequence slot, token
// budget and KV blocks remain. It returns the tokens computed and the KV tokens read.
func (r *Replica) schedule(t time.Duration, sink Sink) (computed, kvRead int) {
	r.batch = r.batch[:0]
	budget := r.p.MaxNumBatchedTokens
	preempted := false
	for i := 0; i < len(r.running) && budget > 0; i++ {
		s := r.running[i]
		n := min(s.pending(), budget)
		if !r.allocateOrPreempt(s, n, t, sink, &preempted) {
			break
		}
		budget -= n
		computed += n
		kvRead += s.computed + n
	}
	if preempted {
		return computed, kvRead
	}
	for r.waiting.len() > 0 && budget > 0 && len(r.running) < r.p.MaxNumSeqs {
		s := r.waiting.front()
		n := min(s.pending(), budget)
		if !r.allocate(s, n) {
			break // head-of-line blocking, as vLLM's FIFO policy does
		}
		r.waiting.popFront()
		r.admit(s, n, t)
		budget -= n
		computed += n
		kvRead += s.computed + n
	}
	return computed, kvRead
}

// allocateOrPreempt gives running request s the blocks for n more tokens, evicting the
// newest running requests until that fits; it reports false if s itself was evicted.
func (r *Replica) allocateOrPreempt(s *seq, n int, t time.Duration, sink Sink, preempted *bool) bool {
	for !r.allocate(s, n) {
		victim := r.running[len(r.running)-1]
		r.running = r.running[:len(r.running)-1]
		r.preempt(victim)
		sink(r.event(EventPreempted, victim, t))
		*preempted = true
		if victim == s {
			return false
		}
	}
	s.scheduled = n
	r.batch = append(r.batch, s)
	return true
}

// allocate reserves the blocks s needs to hold n more tokens, if they are free.
func (r *Replica) allocate(s *seq, n int) bool {
	need := r.p.blocksFor(s.computed+n) - s.blocks
	if need > r.freeBlocks {
		return false
	}
	r.freeBlocks -= need
	s.blocks += need
	return true
}

// admit moves a waiting request into the running set for this step.
func (r *Replica) admit(s *seq, n int, t time.Duration) {
	if !s.everRan {
		s.everRan = true
		r.c.queue.Observe((t - s.arrival).Seconds())
	}
	r.c.prefixQueries += uint64(s.req.PromptTokens + s.outputs)
	s.scheduled = n
	r.running = append(r.running, s)
	r.batch = append(r.batch, s)
}

// preempt frees a running request's KV cache and puts it at the head of the waiting
// queue; its prompt and generated tokens are recomputed when it is admitted again.
func (r *Replica) preempt(s *seq) {
	r.freeBlocks += s.blocks
	s.blocks = 0
	s.computed = 0
	s.scheduled = 0
	s.numPreempted++
	r.c.preemptions++
	r.waiting.pushFront(s)
}

// stepDuration is α + β·computed + γ·kvRead, with optional multiplicative jitter.
func (r *Replica) stepDuration(computed, kvRead int) time.Duration {
	d := r.p.Alpha + time.Duration(computed)*r.p.Beta + time.Duration(kvRead)*r.p.Gamma
	if r.opt.StepJitter > 0 {
		f := 1 + r.opt.StepJitter*r.rng.NormFloat64()
		f = max(f, 0.5)
		d = time.Duration(float64(d) * f)
	}
	return max(d, time.Microsecond)
}

// finishStep applies the results of the step that ended at t: KV entries now exist for
// the scheduled tokens, and every request whose known tokens are all computed samples one
// new token. Finished requests release their blocks.
func (r *Replica) finishStep(t time.Duration, sink Sink) {
	r.c.steps++
	finished := false
	for _, s := range r.batch {
		if s.aborted || s.scheduled == 0 {
			continue
		}
		s.computed += s.scheduled
		s.scheduled = 0
		if s.pending() > 0 {
			continue // a prompt chunk; more to prefill
		}
		r.emitToken(s, t, sink)
		if s.outputs >= s.req.OutputTokens {
			r.finish(s, t, sink)
			finished = true
		}
	}
	if finished {
		r.compactRunning()
	}
}

// emitToken records one sampled token for s at t.
func (r *Replica) emitToken(s *seq, t time.Duration, sink Sink) {
	s.outputs++
	r.c.generationTokens++
	kind := EventToken
	if s.outputs == 1 {
		kind = EventFirstToken
		s.firstToken = t
		r.c.promptTokens += uint64(s.req.PromptTokens)
		r.c.ttft.Observe((t - s.arrival).Seconds())
	} else {
		r.c.itl.Observe((t - s.lastToken).Seconds())
	}
	s.lastToken = t
	if kind == EventFirstToken || r.opt.TokenEvents {
		sink(r.event(kind, s, t))
	}
}

// finish completes s at t.
func (r *Replica) finish(s *seq, t time.Duration, sink Sink) {
	s.done = true
	r.freeBlocks += s.blocks
	s.blocks = 0
	delete(r.live, s.req.ID)
	r.c.success[s.req.Reason]++
	r.c.e2e.Observe((t - s.arrival).Seconds())
	if s.outputs >= 2 {
		r.c.tpot.Observe((t - s.firstToken).Seconds() / float64(s.outputs-1))
	}
	r.c.promptLen.Observe(float64(s.req.PromptTokens))
	r.c.genLen.Observe(float64(s.outputs))
	sink(r.event(EventFinished, s, t))
}

func (r *Replica) event(kind EventKind, s *seq, t time.Duration) Event {
	e := Event{
		Kind: kind, ID: s.req.ID, Time: t, Arrival: s.arrival, FirstToken: s.firstToken,
		PromptTokens: s.req.PromptTokens, OutputTokens: s.outputs,
	}
	if kind == EventFinished {
		e.Reason = s.req.Reason
	}
	return e
}

// compactRunning drops finished requests from the running list, keeping admission order.
func (r *Replica) compactRunning() {
	kept := r.running[:0]
	for _, s := range r.running {
		if !s.done {
			kept = append(kept, s)
		}
	}
	clear(r.running[len(kept):])
	r.running = kept
}
