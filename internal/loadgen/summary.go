package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// Percentiles summarise one latency distribution, in seconds.
type Percentiles struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Summary is the result of a run, written as JSON.
type Summary struct {
	// Target is the base URL the run sent to.
	Target string `json:"target"`
	// Requests counts requests sent; Succeeded and Failed split them.
	Requests  int `json:"requests"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
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

// percentiles sorts ds in place and summarises it (nearest-rank percentiles).
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	rank := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(ds)))) - 1
		return ds[max(i, 0)].Seconds()
	}
	return Percentiles{
		Count: len(ds),
		Mean:  (sum / time.Duration(len(ds))).Seconds(),
		P50:   rank(0.50), P90: rank(0.90), P95: rank(0.95), P99: rank(0.99),
		Max: ds[len(ds)-1].Seconds(),
	}
}
