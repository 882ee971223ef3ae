package vllmsim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// engine drives a servermodel.Replica in real time: model time is the wall time since
// start multiplied by the time scale, and a goroutine (run) wakes whenever a step ends to
// deliver its tokens to the waiting HTTP handlers.
type engine struct {
	clock Clock
	start time.Time
	scale float64
	kick  chan struct{}

	mu      sync.Mutex
	rep     *servermodel.Replica
	streams map[servermodel.RequestID]*stream
	nextID  servermodel.RequestID
	rng     *rand.Rand
	meanOut int
}

func newEngine(cfg Config) (*engine, error) {
	rep, err := servermodel.NewReplica(cfg.Params, servermodel.Options{
		Seed: cfg.Seed, StepJitter: cfg.StepJitter, TokenEvents: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return &engine{
		clock:   cfg.Clock,
		start:   cfg.Clock.Now(),
		scale:   cfg.TimeScale,
		kick:    make(chan struct{}, 1),
		rep:     rep,
		streams: make(map[servermodel.RequestID]*stream),
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x5eed)),
		meanOut: cfg.DefaultOutputTokens,
	}, nil
}

// modelNow is the current model time; call with mu held so that it never goes backwards
// relative to the replica.
func (e *engine) modelNow() time.Duration {
	now := time.Duration(float64(e.clock.Now().Sub(e.start)) * e.scale)
	return max(now, e.rep.Now())
}

// wallUntil is the wall-clock wait until model time t.
func (e *engine) wallUntil(t time.Duration) time.Duration {
	wall := e.start.Add(time.Duration(float64(t) / e.scale))
	return max(wall.Sub(e.clock.Now()), 0)
}

// submit hands a request to the model; outputTokens 0 means "until the model stops",
// drawn from a geometric distribution around the configured mean.
func (e *engine) submit(promptTokens, outputTokens int) (*stream, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.modelNow()
	if err := e.rep.Advance(now, e.dispatch); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	reason := servermodel.FinishLength
	if outputTokens == 0 {
		reason = servermodel.FinishStop
		outputTokens = e.naturalLength(promptTokens)
	}
	e.nextID++
	req := servermodel.Request{ID: e.nextID, PromptTokens: promptTokens, OutputTokens: outputTokens, Reason: reason}
	if err := e.rep.Submit(req, now); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	s := newStream(e.nextID, promptTokens)
	e.streams[s.id] = s
	e.wake()
	return s, nil
}

// naturalLength draws an output length for a request without max_tokens.
func (e *engine) naturalLength(prompt int) int {
	limit := e.rep.Params().MaxModelLen - prompt
	n := 1 + int(e.rng.ExpFloat64()*float64(e.meanOut-1))
	return max(1, min(n, limit))
}

// abort cancels a request whose client went away.
func (e *engine) abort(s *stream) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, live := e.streams[s.id]; !live {
		return
	}
	delete(e.streams, s.id)
	now := e.modelNow()
	if e.rep.Advance(now, e.dispatch) == nil {
		_ = e.rep.Abort(s.id, now) // the request may have finished in this Advance
	}
	e.wake()
}

// dispatch routes a model event to its stream (called with mu held).
func (e *engine) dispatch(ev servermodel.Event) {
	s, ok := e.streams[ev.ID]
	if !ok {
		return
	}
	if ev.Kind == servermodel.EventFinished {
		delete(e.streams, ev.ID)
	}
	s.update(ev)
}

func (e *engine) wake() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// stats brings the model to now and snapshots its signals.
func (e *engine) stats() servermodel.Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.rep.Advance(e.modelNow(), e.dispatch) // cannot fail: modelNow never goes back
	return e.rep.Stats()
}

// run delivers the model's events in real time until ctx ends.
func (e *engine) run(ctx context.Context) {
	for {
		e.mu.Lock()
		_ = e.rep.Advance(e.modelNow(), e.dispatch)
		next, busy := e.rep.NextStepEnd()
		var wait <-chan time.Time
		if busy {
			wait = e.clock.After(e.wallUntil(next))
		}
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-wait:
		}
	}
}

// stream is one request's view of the model's progress, read by its HTTP handler.
type stream struct {
	id     servermodel.RequestID
	prompt int
	notify chan struct{}

	mu     sync.Mutex
	tokens int
	done   bool
	reason servermodel.FinishReason
}

func newStream(id servermodel.RequestID, prompt int) *stream {
	return &stream{id: id, prompt: prompt, notify: make(chan struct{}, 1)}
}

func (s *stream) update(ev servermodel.Event) {
	s.mu.Lock()
	s.tokens = ev.OutputTokens
	if ev.Kind == servermodel.EventFinished {
		s.done, s.reason = true, ev.Reason
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// progress returns the tokens produced so far and whether the request is finished.
func (s *stream) progress() (tokens int, done bool, reason servermodel.FinishReason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens, s.done, s.reason
}

// estimateTokens approximates the token count of text: about four characters per token
// for English with Llama-3's tokenizer, at least one.
func estimateTokens(text string) int {
	return max(1, int(math.Ceil(float64(len(text))/4)))
}
