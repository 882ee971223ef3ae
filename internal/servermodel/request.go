package servermodel

import "time"

// RequestID identifies a request within one replica; the caller chooses it and it is
// echoed in every Event, so a driver can route tokens back to its client.
type RequestID uint64

// FinishReason says why a request ended, as vLLM's finished_reason label does.
type FinishReason string

const (
	// FinishStop means the model emitted its end-of-sequence token.
	FinishStop FinishReason = "stop"
	// FinishLength means the request reached max_tokens.
	FinishLength FinishReason = "length"
	// FinishAbort means the client went away or the request was cancelled.
	FinishAbort FinishReason = "abort"
)

// Request is what a client asks of a replica: a prompt length and the number of output
// tokens the model will generate (the simulated equivalent of max_tokens or of the point
// where the model would emit end-of-sequence).
type Request struct {
	// ID is chosen by the caller and must be unique among the replica's live requests.
	ID RequestID
	// PromptTokens is the prompt length in tokens (at least 1).
	PromptTokens int
	// OutputTokens is the number of tokens to generate (at least 1).
	OutputTokens int
	// Reason is reported when the request completes; empty means FinishLength.
	Reason FinishReason
}

// seq is the engine-side state of one request.
type seq struct {
	req          Request
	arrival      time.Duration
	computed     int // tokens whose KV entries exist
	outputs      int // tokens generated so far
	blocks       int // KV blocks held
	scheduled    int // tokens scheduled in the step in flight
	firstToken   time.Duration
	lastToken    time.Duration
	everRan      bool
	aborted      bool
	done         bool
	numPreempted int
}

// pending is the number of known tokens (prompt plus generated) still without KV entries.
func (s *seq) pending() int { return s.req.PromptTokens + s.outputs - s.computed }
