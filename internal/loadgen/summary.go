package loadgen

import (
	"encoding/json"
	"fmt"
	"github.com/workload-variant-autoscaler/wva/internal/latency"
	"io"
	"time"
)

// Percentiles summarise one latency distribution in seconds (see package latency).
type Percentiles = latency.Percentiles

// Summary is the result of a run, written as JSON.
type Summary struct {
	// Target is the base URL the run sent to.
	Target string `json:"target"`
	// Requests counts requests sent; Succeeded, Failed and Cancelled split them.
	Requests  int `json:"requests"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	// Cancelled counts requests cut short because the run was stopped (its context
	// ended) while they were in flight: the caller ended them, not the server, so they
	// are neither successes nor failures.
	Cancelled int `json:"cancelled"`
	// Errors counts failures by kind (e.g. "http_503", "connect", "stream_cut").
	Errors map[string]int `json:"errors"`
	// DurationSeconds is the wall time from the first send to the last answer.
	DurationSeconds float64 `json:"durationSeconds"`
	// PromptTokens and OutputTokens total the successful requests.
	PromptTokens int64 `json:"promptTokens"`
	OutputTokens int64 `json:"outputTokens"`
	// RequestsPerSecond and OutputTokensPerSecond are the achieved rates.
	RequestsPerSecond     float64 `json:"requestsPerSecond"`
	OutputTokensPerSecond float64 `json:"outputTokensPerSecond"`
	// MaxDispatchLagSeconds is the largest delay between a request's scheduled time and
	// its sending (non-zero when the concurrency bound held requests back).
	MaxDispatchLagSeconds float64 `json:"maxDispatchLagSeconds"`
	// TTFT, ITL and E2E are the client-side latency distributions.
	TTFT Percentiles `json:"ttftSeconds"`
	ITL  Percentiles `json:"itlSeconds"`
	E2E  Percentiles `json:"e2eSeconds"`
}

// WriteJSON writes the summary, indented.
func (s Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// percentiles sorts ds in place and summarises it.
func percentiles(ds []time.Duration) Percentiles { return latency.Summarise(ds) }
