package perfmodel

import (
	"fmt"
	"math"
)

// Observation is what one variant's replicas reported over one window, as rates of
// vLLM's histogram sums and counts: the inputs of one learning step. Latencies that were
// not reported are zero and are left out of the fit.
type Observation struct {
	// Replicas is the mean number of ready replicas over the window.
	Replicas float64 `json:"replicas"`
	// Rate is the variant's request rate (all replicas), requests per second.
	Rate float64 `json:"rate"`
	// Requests is how many requests the window's means rest on (their noise).
	Requests float64 `json:"requests"`
	// Mix is the token mix of the window's requests.
	Mix Mix `json:"mix"`
	// TTFTMean is rate(vllm:time_to_first_token_seconds_sum)/rate(..._count), seconds.
	TTFTMean float64 `json:"ttftMean,omitempty"`
	// ITLMean is rate(vllm:inter_token_latency_seconds_sum)/rate(..._count), seconds.
	ITLMean float64 `json:"itlMean,omitempty"`
}

// PerReplicaRate is the arrival rate one replica saw, assuming the gateway spreads load
// evenly.
func (o Observation) PerReplicaRate() float64 {
	if o.Replicas <= 0 {
		return 0
	}
	return o.Rate / o.Replicas
}

// Validate reports an observation that cannot be learned from, naming the field.
func (o Observation) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"replicas", o.Replicas}, {"rate", o.Rate}, {"requests", o.Requests}, {"ttftMean", o.TTFTMean}, {"itlMean", o.ITLMean}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("observation %s %v: must be a finite number >= 0", f.name, f.v)
		}
	}
	if err := o.Mix.Validate(); err != nil {
		return fmt.Errorf("observation: %w", err)
	}
	return nil
}
