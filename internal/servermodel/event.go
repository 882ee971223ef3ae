package servermodel

import "time"

// EventKind says what happened to a request at the end of an engine step.
type EventKind uint8

const (
	// EventFirstToken means the request's first output token was produced.
	EventFirstToken EventKind = iota + 1
	// EventToken means a later output token was produced (only with Options.TokenEvents).
	EventToken
	// EventFinished means the request completed; its last token event precedes this one.
	EventFinished
	// EventPreempted means the request lost its KV cache and will be recomputed.
	EventPreempted
)

// String names the kind for logs and test failures.
func (k EventKind) String() string {
	switch k {
	case EventFirstToken:
		return "first-token"
	case EventToken:
		return "token"
	case EventFinished:
		return "finished"
	case EventPreempted:
		return "preempted"
	}
	return "unknown"
}

// Event reports one thing that happened to a request. It is a plain value so that
// drivers of many replicas pay no allocation per token.
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// ID is the request's caller-chosen identifier.
	ID RequestID
	// Time is the virtual time at which it happened (the end of the engine step).
	Time time.Duration
	// Arrival is when the request was submitted.
	Arrival time.Duration
	// FirstToken is when the first token was produced (zero before it was).
	FirstToken time.Duration
	// PromptTokens and OutputTokens are the request's prompt length and the number of
	// output tokens produced so far.
	PromptTokens, OutputTokens int
	// Reason is set on EventFinished.
	Reason FinishReason
}

// TTFT is the time to first token, valid from EventFirstToken on.
func (e Event) TTFT() time.Duration { return e.FirstToken - e.Arrival }

// E2E is the end-to-end latency, valid on EventFinished.
func (e Event) E2E() time.Duration { return e.Time - e.Arrival }

// MeanITL is the mean inter-token latency over the request, valid on EventFinished with
// at least two tokens; vLLM's per-request time per output token.
func (e Event) MeanITL() time.Duration {
	if e.OutputTokens < 2 {
		return 0
	}
	return (e.Time - e.FirstToken) / time.Duration(e.OutputTokens-1)
}

// Sink receives events in the order they happen. It must not call back into the Replica.
type Sink func(Event)

// Discard is a Sink that drops every event, for callers that only read Stats.
func Discard(Event) {}
