package feedback

import (
	"fmt"
	"math"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// Histogram is one window of a Prometheus latency histogram, across a model's replicas:
// the increase of each bucket over the window (not cumulative; the last count is the
// +Inf bucket) with the buckets' upper bounds, in seconds.
type Histogram struct {
	// Bounds are the finite upper bounds ("le"), ascending, seconds.
	Bounds []float64 `json:"bounds,omitempty"`
	// Counts are the observations per bucket over the window, one more than Bounds.
	Counts []float64 `json:"counts,omitempty"`
}

// Validate reports a histogram that cannot be read, naming the fault.
func (h Histogram) Validate() error {
	if len(h.Counts) == 0 && len(h.Bounds) == 0 {
		return nil
	}
	if len(h.Counts) != len(h.Bounds)+1 {
		return fmt.Errorf("histogram: %d counts for %d bounds, want one more count than bounds (the +Inf bucket)", len(h.Counts), len(h.Bounds))
	}
	for i, b := range h.Bounds {
		if !(b > 0) || math.IsInf(b, 0) || (i > 0 && b <= h.Bounds[i-1]) {
			return fmt.Errorf("histogram bound %d (%v): bounds must be positive, finite and ascending", i, b)
		}
	}
	for i, c := range h.Counts {
		if !(c >= 0) || math.IsInf(c, 0) {
			return fmt.Errorf("histogram count %d (%v): must be a finite number >= 0", i, c)
		}
	}
	return nil
}

// Total is the number of observations in the window.
func (h Histogram) Total() float64 {
	n := 0.0
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// ShareAbove bounds the share of the window's observations above limit: a histogram
// only tells on which side of its bounds an observation fell, so the share lies between
// the share above the first bound at or over the limit (lo) and the share above the last
// bound at or under it (hi); the two agree when the limit is a bound. It returns false
// for an empty or invalid histogram.
func (h Histogram) ShareAbove(limit float64) (lo, hi float64, ok bool) {
	n := h.Total()
	if n <= 0 || h.Validate() != nil {
		return 0, 0, false
	}
	var under, within float64 // observations surely at or under the limit, and those that may be
	i := 0
	for ; i < len(h.Bounds) && h.Bounds[i] <= limit; i++ {
		under += h.Counts[i]
	}
	// The bucket above holds observations on either side of the limit unless the limit
	// is its lower bound (the +Inf bucket's when the limit is beyond every bound).
	if i == 0 || h.Bounds[i-1] < limit {
		within = h.Counts[i]
	}
	clamp := func(v float64) float64 { return math.Min(1, math.Max(0, v)) }
	return clamp(1 - (under+within)/n), clamp(1 - under/n), true
}

// ShareAboveEstimate is the share of the window's observations above limit with the
// observations spread evenly within each bucket (as histogram_quantile reads them);
// those of the +Inf bucket count as above. It lies within ShareAbove's bounds.
func (h Histogram) ShareAboveEstimate(limit float64) (float64, bool) {
	lo, hi, ok := h.ShareAbove(limit)
	if !ok {
		return 0, false
	}
	i := 0
	for i < len(h.Bounds) && h.Bounds[i] <= limit {
		i++
	}
	if i == len(h.Bounds) {
		return hi, true
	}
	lower := 0.0
	if i > 0 {
		lower = h.Bounds[i-1]
	}
	within := (h.Bounds[i] - limit) / (h.Bounds[i] - lower) // the bucket's share above the limit
	return math.Min(hi, math.Max(lo, lo+within*(hi-lo))), true
}

// Latency is a model's latency over one decision window, across all its replicas.
type Latency struct {
	// TTFT is increase(vllm:time_to_first_token_seconds_bucket[w]).
	TTFT Histogram `json:"ttft"`
	// TPOT is increase(vllm:request_time_per_output_token_seconds_bucket[w]): each
	// request's mean time per output token, the quantity inter-token objectives judge.
	TPOT Histogram `json:"tpot"`
}

// Miss bounds the share of the window's requests that missed their objectives, for the
// target that fares worst (every class must meet its own), and gives the number of
// requests it rests on. A request misses when its time to first token or its mean time
// per output token exceeds the target's; the histograms give each share alone (within
// the bounds ShareAbove gives), and they are combined as independent (as the
// performance model does), a + b − ab. Without TPOT observations (one-token answers)
// only the TTFT counts. It returns false when the window holds no request.
func (w Latency) Miss(targets []perfmodel.Target) (lo, hi, n float64, ok bool) {
	n = w.TTFT.Total()
	if n <= 0 || len(targets) == 0 || w.TTFT.Validate() != nil || w.TPOT.Validate() != nil {
		return 0, 0, 0, false
	}
	either := func(a, b float64) float64 { return a + b - a*b }
	for _, t := range targets {
		aLo, aHi, _ := w.TTFT.ShareAbove(t.TTFT)
		bLo, bHi, _ := w.TPOT.ShareAbove(t.ITL) // zero without observations
		lo, hi = math.Max(lo, either(aLo, bLo)), math.Max(hi, either(aHi, bHi))
	}
	return lo, hi, n, true
}

// MissEstimate is the share of the window's requests that missed their objectives (the
// worst target's), with observations spread evenly within buckets; false when the
// window holds no request.
func (w Latency) MissEstimate(targets []perfmodel.Target) (float64, bool) {
	if w.TTFT.Total() <= 0 || len(targets) == 0 || w.TTFT.Validate() != nil || w.TPOT.Validate() != nil {
		return 0, false
	}
	m := 0.0
	for _, t := range targets {
		a, _ := w.TTFT.ShareAboveEstimate(t.TTFT)
		b, _ := w.TPOT.ShareAboveEstimate(t.ITL) // zero without observations
		m = math.Max(m, a+b-a*b)
	}
	return m, true
}

// Plus adds two windows bucket by bucket (the replicas of several variants); histograms
// with different bounds cannot be added, and the first non-empty one is kept.
func (w Latency) Plus(o Latency) Latency {
	return Latency{TTFT: w.TTFT.plus(o.TTFT), TPOT: w.TPOT.plus(o.TPOT)}
}

// plus adds o to h when their bounds agree.
func (h Histogram) plus(o Histogram) Histogram {
	switch {
	case len(o.Counts) == 0:
		return h
	case len(h.Counts) == 0:
		return Histogram{Bounds: slices.Clone(o.Bounds), Counts: slices.Clone(o.Counts)}
	case !slices.Equal(h.Bounds, o.Bounds) || len(h.Counts) != len(o.Counts):
		return h
	}
	out := Histogram{Bounds: slices.Clone(h.Bounds), Counts: slices.Clone(h.Counts)}
	for i, c := range o.Counts {
		out.Counts[i] += c
	}
	return out
}
