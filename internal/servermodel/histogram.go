package servermodel

import "sort"

// Histogram is a cumulative-on-export histogram with fixed upper bounds, the same shape as
// a Prometheus histogram, so a server can export the model's observations unchanged.
type Histogram struct {
	// Bounds are the inclusive upper bounds ("le") of the finite buckets, ascending.
	Bounds []float64
	// Counts holds one count per bucket (not cumulative); the last entry is the +Inf bucket.
	Counts []uint64
	// Sum is the sum of all observed values.
	Sum float64
	// Count is the number of observations.
	Count uint64
}

// NewHistogram returns an empty histogram with the given upper bounds (copied).
func NewHistogram(bounds []float64) Histogram {
	b := append([]float64(nil), bounds...)
	return Histogram{Bounds: b, Counts: make([]uint64, len(b)+1)}
}

// Observe adds one value; a value equal to a bound falls into that bound's bucket, as in
// Prometheus ("less than or equal").
func (h *Histogram) Observe(v float64) {
	h.Counts[sort.SearchFloat64s(h.Bounds, v)]++
	h.Sum += v
	h.Count++
}

// Clone returns a deep copy, so a snapshot is not changed by later observations.
func (h Histogram) Clone() Histogram {
	return Histogram{
		Bounds: append([]float64(nil), h.Bounds...),
		Counts: append([]uint64(nil), h.Counts...),
		Sum:    h.Sum,
		Count:  h.Count,
	}
}

// Cumulative returns the cumulative count at each finite upper bound, the form Prometheus
// client libraries take for constant histograms.
func (h Histogram) Cumulative() map[float64]uint64 {
	out := make(map[float64]uint64, len(h.Bounds))
	var acc uint64
	for i, b := range h.Bounds {
		acc += h.Counts[i]
		out[b] = acc
	}
	return out
}

// Mean is Sum/Count, or 0 without observations.
func (h Histogram) Mean() float64 {
	if h.Count == 0 {
		return 0
	}
	return h.Sum / float64(h.Count)
}

// TTFTBuckets are vLLM's bucket bounds for vllm:time_to_first_token_seconds (V1 engine,
// vllm/v1/metrics/loggers.py).
func TTFTBuckets() []float64 {
	return []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5,
		0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
}

// ITLBuckets are vLLM's bucket bounds for vllm:inter_token_latency_seconds and the older
// vllm:time_per_output_token_seconds.
func ITLBuckets() []float64 {
	return []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75,
		1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}
}

// RequestLatencyBuckets are vLLM's bounds for vllm:e2e_request_latency_seconds and the
// other per-request phase histograms such as vllm:request_queue_time_seconds.
func RequestLatencyBuckets() []float64 {
	return []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
		40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
}

// TokenBuckets are vLLM's 1-2-5 bounds up to maxModelLen (build_1_2_5_buckets), used for
// vllm:request_prompt_tokens and vllm:request_generation_tokens.
func TokenBuckets(maxModelLen int) []float64 {
	var out []float64
	for exp := 1.0; ; exp *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := m * exp
			if v > float64(maxModelLen) {
				return out
			}
			out = append(out, v)
		}
	}
}
