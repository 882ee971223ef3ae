package servermodel

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Options tune a Replica beyond its engine parameters.
type Options struct {
	// Seed seeds the replica's random source; the same seed and inputs give the same run.
	Seed uint64
	// StepJitter is the relative standard deviation of step durations (0 = none). Real GPUs
	// vary a few percent from step to step; jitter keeps simulated replicas from marching
	// in lockstep.
	StepJitter float64
	// TokenEvents asks for an EventToken per generated token. Servers that stream need it;
	// simulators that only want per-request results leave it off and run faster.
	TokenEvents bool
}

// Errors returned by Submit and Abort, for callers to tell bad input from misuse.
var (
	// ErrInvalidRequest: the request can never run (lengths out of range).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrTimeTravel: the caller passed a time before the replica's current time, or
	// skipped steps that end before it.
	ErrTimeTravel = errors.New("virtual time must not go backwards")
	// ErrDuplicateID: a live request already has this ID.
	ErrDuplicateID = errors.New("duplicate request id")
	// ErrUnknownID: no live request has this ID.
	ErrUnknownID = errors.New("unknown request id")
)

// Replica is one simulated vLLM engine. It is not safe for concurrent use; a driver owns
// it (and serialises access if several goroutines need it).
type Replica struct {
	p   Params
	opt Options
	rng *rand.Rand

	now        time.Duration
	freeBlocks int
	running    []*seq
	waiting    fifo
	live       map[RequestID]*seq

	inFlight bool
	stepEnd  time.Duration
	batch    []*seq

	c counters
}

// NewReplica returns an idle replica at virtual time 0 with an empty KV cache.
func NewReplica(p Params, opt Options) (*Replica, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("new replica: %w", err)
	}
	if opt.StepJitter < 0 || opt.StepJitter > 0.5 {
		return nil, fmt.Errorf("new replica: step jitter %g outside [0, 0.5]: %w", opt.StepJitter, errInvalidParams)
	}
	return &Replica{
		p:          p,
		opt:        opt,
		rng:        rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		freeBlocks: p.NumGPUBlocks,
		live:       make(map[RequestID]*seq),
		c:          newCounters(p.MaxModelLen),
	}, nil
}

// Params returns the engine parameters the replica runs with.
func (r *Replica) Params() Params { return r.p }

// Now is the replica's current virtual time.
func (r *Replica) Now() time.Duration { return r.now }

// NumRunning is vllm:num_requests_running, cheap to read (no snapshot).
func (r *Replica) NumRunning() int { return len(r.running) }

// NumWaiting is vllm:num_requests_waiting, cheap to read.
func (r *Replica) NumWaiting() int { return r.waiting.len() }

// KVUsage is vllm:kv_cache_usage_perc, cheap to read.
func (r *Replica) KVUsage() float64 {
	return float64(r.p.NumGPUBlocks-r.freeBlocks) / float64(r.p.NumGPUBlocks)
}

// Idle reports whether the replica holds no requests at all.
func (r *Replica) Idle() bool { return len(r.live) == 0 }

// NextStepEnd returns when the step in flight ends, and false when the engine is idle:
// a discrete-event simulator schedules its next wake-up for this replica there.
func (r *Replica) NextStepEnd() (time.Duration, bool) { return r.stepEnd, r.inFlight }

// Submit queues a request arriving at now. The caller must first Advance to now, so
// that steps ending before the arrival have been applied. An idle engine starts a step at
// once; a busy one considers the request when its current step ends, as vLLM does.
func (r *Replica) Submit(req Request, now time.Duration) error {
	if err := r.checkTime(now); err != nil {
		return fmt.Errorf("submit request %d: %w", req.ID, err)
	}
	if err := r.checkRequest(req); err != nil {
		return fmt.Errorf("submit request %d: %w", req.ID, err)
	}
	if req.Reason == "" {
		req.Reason = FinishLength
	}
	s := &seq{req: req, arrival: now}
	r.live[req.ID] = s
	r.waiting.pushBack(s)
	r.now = now
	if !r.inFlight {
		r.startStep(now, Discard) // an idle engine has nothing to preempt
	}
	return nil
}

func (r *Replica) checkTime(now time.Duration) error {
	if now < r.now || (r.inFlight && r.stepEnd < now) {
		return fmt.Errorf("%w: at %v, replica at %v, step ends %v", ErrTimeTravel, now, r.now, r.stepEnd)
	}
	return nil
}

func (r *Replica) checkRequest(req Request) error {
	if req.PromptTokens < 1 || req.OutputTokens < 1 {
		return fmt.Errorf("%w: prompt %d and output %d tokens must be positive", ErrInvalidRequest, req.PromptTokens, req.OutputTokens)
	}
	if req.PromptTokens+req.OutputTokens > r.p.MaxModelLen {
		return fmt.Errorf("%w: %d prompt + %d output tokens exceed max_model_len %d",
			ErrInvalidRequest, req.PromptTokens, req.OutputTokens, r.p.MaxModelLen)
	}
	if _, dup := r.live[req.ID]; dup {
		return fmt.Errorf("%w: %d", ErrDuplicateID, req.ID)
	}
	return nil
}

// Advance runs every step that ends at or before until, delivering events to sink in
// order, and moves the replica's clock to until.
func (r *Replica) Advance(until time.Duration, sink Sink) error {
	if until < r.now {
		return fmt.Errorf("advance to %v: %w (replica at %v)", until, ErrTimeTravel, r.now)
	}
	for r.inFlight && r.stepEnd <= until {
		r.Step(sink)
	}
	r.now = until
	return nil
}

// Step completes the step in flight (moving the clock to its end), delivers its events
// and starts the next step if there is work. It reports false when the engine was idle.
func (r *Replica) Step(sink Sink) bool {
	if !r.inFlight {
		return false
	}
	end := r.stepEnd
	r.now = end
	r.inFlight = false
	r.finishStep(end, sink)
	r.startStep(end, sink)
	return true
}

// Abort removes a live request (a client disconnect), freeing its KV blocks at once.
func (r *Replica) Abort(id RequestID, now time.Duration) error {
	if err := r.checkTime(now); err != nil {
		return fmt.Errorf("abort request %d: %w", id, err)
	}
	s, ok := r.live[id]
	if !ok {
		return fmt.Errorf("abort request %d: %w", id, ErrUnknownID)
	}
	r.now = now
	s.aborted = true
	delete(r.live, id)
	r.freeBlocks += s.blocks
	s.blocks = 0
	if !r.waiting.remove(s) {
		r.running = removeSeq(r.running, s)
	}
	r.c.success[FinishAbort]++
	return nil
}

func removeSeq(list []*seq, s *seq) []*seq {
	for i, x := range list {
		if x == s {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}
