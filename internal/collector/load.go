package collector

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// PeakSubWindow is the short window of a model's peak arrival rate: the highest rate of
// first tokens over any 10 seconds of the load window. Prometheus measures it only when it
// scrapes the servers every 5 seconds or more often (a 10-second rate needs two samples);
// otherwise the peak is reported as not measured.
const PeakSubWindow = 10 * time.Second

// ReplicaLoad is one replica's traffic and latency over the model's load window, the
// inputs of the HYBRID mode's performance model: rates of vLLM's counters and histogram
// sums and counts, as rate() over the window reads them.
type ReplicaLoad struct {
	// SuccessRate is finished requests per second (vllm:request_success_total).
	SuccessRate float64
	// FirstTokenRate is requests per second that got their first token (the count of
	// vllm:time_to_first_token_seconds): the arrivals the replica admitted.
	FirstTokenRate float64
	// TTFTMean and ITLMean are rate(sum)/rate(count) of the time-to-first-token and
	// inter-token latency histograms, seconds; valid when TTFTKnown and ITLKnown.
	TTFTMean, ITLMean   float64
	TTFTKnown, ITLKnown bool
	// Prompt and Generation are the window's request length histograms.
	Prompt, Generation Lengths
	// TTFTBuckets and TPOTBuckets are the window's latency histograms, seconds
	// (vllm:time_to_first_token_seconds and vllm:request_time_per_output_token_seconds,
	// each request's mean time per output token), without their sums.
	TTFTBuckets, TPOTBuckets Lengths
}

// Lengths is a window of a histogram (token lengths such as vllm:request_prompt_tokens,
// or latencies): per-bucket rates, not cumulative.
type Lengths struct {
	// Bounds are the finite upper bounds, ascending.
	Bounds []float64
	// Rates are the observations per second in each bucket; one more than Bounds, the
	// last for the +Inf bucket. Empty when the histogram was not exported.
	Rates []float64
	// SumRate is the rate of the histogram's sum (tokens per second).
	SumRate float64
}

// Known reports whether the histogram was read, with a sum.
func (l Lengths) Known() bool { return len(l.Rates) > 0 && len(l.Rates) == len(l.Bounds)+1 }

// loadObs is what a source saw of one replica's load, before it is copied out.
type loadObs struct {
	success, firstTokens float64
	hasSuccess, hasFirst bool
	ttft, itl            float64
	hasTTFT, hasITL      bool
	prompt, gen          lengthObs
	ttftB, tpotB         lengthObs
}

// lengthObs collects a length histogram's cumulative bucket rates by upper bound (+Inf
// included) and its sum rate.
type lengthObs struct {
	cum    map[float64]float64
	sum    float64
	hasSum bool
}

// set records one value of a load signal; values that are not finite numbers >= 0 are
// left out (the signal stays unknown).
func (l *loadObs) set(s signal, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return
	}
	switch s {
	case signalLoadSuccess:
		l.success, l.hasSuccess = v, true
	case signalLoadFirstTokens:
		l.firstTokens, l.hasFirst = v, true
	case signalLoadTTFT:
		l.ttft, l.hasTTFT = v, true
	case signalLoadITL:
		l.itl, l.hasITL = v, true
	case signalLoadPromptSum:
		l.prompt.sum, l.prompt.hasSum = v, true
	case signalLoadGenSum:
		l.gen.sum, l.gen.hasSum = v, true
	}
}

// setBucket records one cumulative bucket rate of a length histogram.
func (l *loadObs) setBucket(s signal, le, v float64) {
	switch s {
	case signalLoadPromptBuckets:
		l.prompt.setBucket(le, v)
	case signalLoadGenBuckets:
		l.gen.setBucket(le, v)
	case signalLoadTTFTBuckets:
		l.ttftB.setBucket(le, v)
	case signalLoadTPOTBuckets:
		l.tpotB.setBucket(le, v)
	}
}

// setBucket records the cumulative rate of the bucket with upper bound le.
func (l *lengthObs) setBucket(le, v float64) {
	if l.cum == nil {
		l.cum = map[float64]float64{}
	}
	l.cum[le] = v
}

// lengths turns cumulative bucket rates into per-bucket rates. A histogram without its
// +Inf bucket or its sum, or with a non-finite rate, is unknown.
func (l lengthObs) lengths() Lengths {
	if !l.hasSum {
		return Lengths{}
	}
	return l.buckets()
}

// buckets is lengths without the sum: per-bucket rates, unknown without the +Inf
// bucket or with a non-finite rate.
func (l lengthObs) buckets() Lengths {
	if len(l.cum) == 0 {
		return Lengths{}
	}
	if _, ok := l.cum[math.Inf(1)]; !ok {
		return Lengths{}
	}
	les := make([]float64, 0, len(l.cum))
	for le := range l.cum {
		les = append(les, le)
	}
	slices.Sort(les)
	out := Lengths{SumRate: l.sum, Rates: make([]float64, len(les))}
	prev := 0.0
	for i, le := range les {
		c := l.cum[le]
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return Lengths{}
		}
		out.Rates[i] = math.Max(0, c-prev) // rates of cumulative buckets can cross by rounding
		prev = math.Max(prev, c)
		if !math.IsInf(le, 1) {
			out.Bounds = append(out.Bounds, le)
		}
	}
	return out
}

// replicaLoad copies a replica's load out; nil when nothing of it was read.
func (l *loadObs) replicaLoad() *ReplicaLoad {
	if l == nil {
		return nil
	}
	r := &ReplicaLoad{
		SuccessRate: l.success, FirstTokenRate: l.firstTokens,
		TTFTMean: l.ttft, TTFTKnown: l.hasTTFT, ITLMean: l.itl, ITLKnown: l.hasITL,
		Prompt: l.prompt.lengths(), Generation: l.gen.lengths(),
		TTFTBuckets: l.ttftB.buckets(), TPOTBuckets: l.tpotB.buckets(),
	}
	return r
}

// parseLE reads a bucket's upper bound.
func parseLE(s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v)
}

// extrapolatedRate is PromQL's rate() over the window (now-window, now] from the samples
// (t, v) inside it: the counter's increase (a drop counts as a restart from zero),
// extrapolated to the window's edges as Prometheus does when the series covers them, per
// second of the window. It needs two samples.
func extrapolatedRate(ts []time.Time, vs []float64, now time.Time, window time.Duration) (float64, bool) {
	n := len(ts)
	if n < 2 || len(vs) != n {
		return 0, false
	}
	inc, prev := 0.0, vs[0]
	for _, v := range vs[1:] {
		if v < prev {
			inc += v
		} else {
			inc += v - prev
		}
		prev = v
	}
	start := now.Add(-window)
	sampled := ts[n-1].Sub(ts[0]).Seconds()
	if sampled <= 0 {
		return 0, false
	}
	toStart, toEnd := ts[0].Sub(start).Seconds(), now.Sub(ts[n-1]).Seconds()
	avg := sampled / float64(n-1)
	threshold := avg * 1.1
	if toStart >= threshold {
		toStart = avg / 2
	}
	if inc > 0 && vs[0] >= 0 {
		if toZero := sampled * (vs[0] / inc); toZero < toStart {
			toStart = toZero
		}
	}
	if toEnd >= threshold {
		toEnd = avg / 2
	}
	inc *= (sampled + toStart + toEnd) / sampled
	return inc / window.Seconds(), true
}
