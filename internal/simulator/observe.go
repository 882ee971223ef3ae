package simulator

import (
	"math"
	"sort"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// peakWindow is the sub-window of the short-time-scale peak rate (what a 10-second
// rate at the gateway shows).
const peakWindow = 10 * time.Second

// Observations are a model's traffic and its variants' latencies over one window, as
// the collector reads them from Prometheus for the HYBRID mode:
//
//	sum(rate(vllm:request_success_total[w])), per variant                -> Rate
//	rate(vllm:time_to_first_token_seconds_sum[w]) / rate(..._count[w])    -> TTFTMean
//	rate(vllm:inter_token_latency_seconds_sum[w]) / rate(..._count[w])    -> ITLMean
//	rate(vllm:request_prompt_tokens_bucket[w]), ..._generation_tokens_    -> Mix
//	avg_over_time(count(vllm:num_requests_running)[w])                   -> Replicas
//
// and the gateway's arrivals for the traffic (its rate, the peak 10-second rate, the
// share of each class).
type Observations struct {
	// Traffic is the model's arrivals over the window.
	Traffic forecast.Observation
	// Variants are the latency windows per variant, in configuration order.
	Variants []perfmodel.Observation
	// ClassShares are the shares of the window's arrivals per class, in configuration
	// order; nil for a model without classes.
	ClassShares []float64
	// Latency are the latency histograms over the window per variant, across its
	// replicas, in configuration order:
	//
	//	sum(increase(vllm:time_to_first_token_seconds_bucket[w])) by (le)             -> TTFT
	//	sum(increase(vllm:request_time_per_output_token_seconds_bucket[w])) by (le)   -> TPOT
	Latency []feedback.Latency
}

// latencyCounters are a replica's cumulative latency and length histograms' sums and
// counts (and the length buckets), as its /metrics exports them.
type latencyCounters struct {
	ttftSum, ttftCount, itlSum, itlCount float64
	promptSum, outputSum                 float64
	promptBuckets, outputBuckets         []float64
	ttftBuckets, tpotBuckets             []float64
}

// latencyOf reads the counters from a replica's statistics.
func latencyOf(st servermodel.Stats) latencyCounters {
	return latencyCounters{
		ttftSum: st.TTFT.Sum, ttftCount: float64(st.TTFT.Count), itlSum: st.ITL.Sum, itlCount: float64(st.ITL.Count),
		promptSum: st.PromptLen.Sum, outputSum: st.GenerationLen.Sum,
		promptBuckets: floats(st.PromptLen.Counts), outputBuckets: floats(st.GenerationLen.Counts),
		ttftBuckets: floats(st.TTFT.Counts), tpotBuckets: floats(st.TPOT.Counts),
	}
}

// observe builds model m's observations over (now-window, now].
func (s *sim) observe(m *modelRun, now, window time.Duration) Observations {
	o := s.traffic(m, now, window)
	var mixes []perfmodel.Mix
	var weights []float64
	for _, v := range m.variants {
		obs, mix, n, d := s.variantWindow(m, v, now, window)
		o.Variants = append(o.Variants, obs)
		var lat feedback.Latency
		if len(d.ttftBuckets) > 0 {
			lat.TTFT = feedback.Histogram{Bounds: servermodel.TTFTBuckets(), Counts: d.ttftBuckets}
		}
		if len(d.tpotBuckets) > 0 {
			lat.TPOT = feedback.Histogram{Bounds: servermodel.ITLBuckets(), Counts: d.tpotBuckets}
		}
		o.Latency = append(o.Latency, lat)
		if n > 0 {
			mixes, weights = append(mixes, mix), append(weights, n)
		}
	}
	o.Traffic.Mix = pooledMix(mixes, weights)
	for i := range o.Variants {
		if o.Variants[i].Mix.Validate() != nil {
			o.Variants[i].Mix = o.Traffic.Mix
		}
	}
	return o
}

// traffic is the model's arrival rate, peak sub-window rate and class shares.
func (s *sim) traffic(m *modelRun, now, window time.Duration) Observations {
	var o Observations
	arr := s.wl.arrivals
	lo := sort.Search(len(arr), func(i int) bool { return arr[i].at > now-window })
	hi := sort.Search(len(arr), func(i int) bool { return arr[i].at > now })
	if len(m.cfg.Classes) > 0 {
		o.ClassShares = make([]float64, len(m.cfg.Classes))
	}
	counts := make([]int, int(window/peakWindow)+1)
	n := 0
	for i := lo; i < hi; i++ {
		if arr[i].model != m.idx {
			continue
		}
		n++
		counts[min(len(counts)-1, int((arr[i].at-(now-window))/peakWindow))]++
		if c := arr[i].class; c >= 0 && c < len(o.ClassShares) {
			o.ClassShares[c]++
		}
	}
	for i := range o.ClassShares {
		o.ClassShares[i] /= math.Max(1, float64(n))
	}
	o.Traffic.Rate = float64(n) / window.Seconds()
	if window >= 2*peakWindow {
		for _, c := range counts[:len(counts)-1] {
			o.Traffic.Peak = math.Max(o.Traffic.Peak, float64(c)/peakWindow.Seconds())
		}
	}
	return o
}

// variantWindow sums variant v's replicas' counters over the window: per second of each
// replica's own coverage, as rate() over series that start or stop inside the window.
func (s *sim) variantWindow(m *modelRun, v *variantRun, now, window time.Duration) (perfmodel.Observation, perfmodel.Mix, float64, latencyCounters) {
	var obs perfmodel.Observation
	var d latencyCounters
	var done float64
	for _, r := range m.reporting {
		if r.v != v {
			continue
		}
		inc, succ, span, ok := r.latencyIncrease(now, window)
		if !ok || span <= 0 {
			continue
		}
		d = d.plus(inc)
		done += succ
		obs.Rate += succ / span.Seconds()
		obs.Replicas += math.Min(1, span.Seconds()/window.Seconds())
	}
	obs.Requests = d.ttftCount
	if d.ttftCount > 0 {
		obs.TTFTMean = d.ttftSum / d.ttftCount
	}
	if d.itlCount > 0 {
		obs.ITLMean = d.itlSum / d.itlCount
	}
	bounds := servermodel.TokenBuckets(v.params.MaxModelLen)
	in, okIn := perfmodel.TokensFromHistogram(bounds, d.promptBuckets, d.promptSum)
	out, okOut := perfmodel.TokensFromHistogram(bounds, d.outputBuckets, d.outputSum)
	if okIn && okOut {
		obs.Mix = perfmodel.Mix{Input: in, Output: out}
		return obs, obs.Mix, done, d
	}
	return obs, perfmodel.Mix{}, 0, d
}

// latencyIncrease is how much the counters grew from the last sample at or before the
// window's start (or the replica's first ready instant) to the newest, the completions
// over the same span, and the span.
func (r *replica) latencyIncrease(now, window time.Duration) (latencyCounters, float64, time.Duration, bool) {
	first := -1
	for i := len(r.samples) - 1; i >= 0 && r.samples[i].at > now-window; i-- {
		if r.samples[i].at <= now {
			first = i
		}
	}
	if first < 0 {
		return latencyCounters{}, 0, 0, false
	}
	var base latencyCounters
	from, succ0 := r.readyAt, 0.0
	if first > 0 {
		base, from, succ0 = r.samples[first-1].lat, r.samples[first-1].at, r.samples[first-1].success
	}
	last := len(r.samples) - 1
	for last > first && r.samples[last].at > now {
		last--
	}
	end := r.samples[last]
	return end.lat.minus(base), end.success - succ0, end.at - from, true
}

// plus adds counters (bucket by bucket).
func (a latencyCounters) plus(b latencyCounters) latencyCounters {
	return latencyCounters{
		ttftSum: a.ttftSum + b.ttftSum, ttftCount: a.ttftCount + b.ttftCount, itlSum: a.itlSum + b.itlSum, itlCount: a.itlCount + b.itlCount,
		promptSum: a.promptSum + b.promptSum, outputSum: a.outputSum + b.outputSum,
		promptBuckets: addBuckets(a.promptBuckets, b.promptBuckets, 1), outputBuckets: addBuckets(a.outputBuckets, b.outputBuckets, 1),
		ttftBuckets: addBuckets(a.ttftBuckets, b.ttftBuckets, 1), tpotBuckets: addBuckets(a.tpotBuckets, b.tpotBuckets, 1),
	}
}

// minus subtracts an earlier reading.
func (a latencyCounters) minus(b latencyCounters) latencyCounters {
	return latencyCounters{
		ttftSum: a.ttftSum - b.ttftSum, ttftCount: a.ttftCount - b.ttftCount, itlSum: a.itlSum - b.itlSum, itlCount: a.itlCount - b.itlCount,
		promptSum: a.promptSum - b.promptSum, outputSum: a.outputSum - b.outputSum,
		promptBuckets: addBuckets(a.promptBuckets, b.promptBuckets, -1), outputBuckets: addBuckets(a.outputBuckets, b.outputBuckets, -1),
		ttftBuckets: addBuckets(a.ttftBuckets, b.ttftBuckets, -1), tpotBuckets: addBuckets(a.tpotBuckets, b.tpotBuckets, -1),
	}
}

// addBuckets returns a + k·b, element-wise (a missing side counts as zeros).
func addBuckets(a, b []float64, k float64) []float64 {
	out := make([]float64, max(len(a), len(b)))
	copy(out, a)
	for i, x := range b {
		out[i] += k * x
	}
	return out
}

// pooledMix combines per-variant mixes weighted by their requests: means average, and
// variances add their between-variant part (the law of total variance).
func pooledMix(mixes []perfmodel.Mix, weights []float64) perfmodel.Mix {
	pool := func(get func(perfmodel.Mix) perfmodel.Tokens) perfmodel.Tokens {
		var w, m, m2 float64
		for i, mx := range mixes {
			t := get(mx)
			w += weights[i]
			m += weights[i] * t.Mean
			m2 += weights[i] * (t.SD*t.SD + t.Mean*t.Mean)
		}
		if w == 0 {
			return perfmodel.Tokens{}
		}
		m /= w
		return perfmodel.Tokens{Mean: m, SD: math.Sqrt(math.Max(0, m2/w-m*m))}
	}
	return perfmodel.Mix{
		Input:  pool(func(x perfmodel.Mix) perfmodel.Tokens { return x.Input }),
		Output: pool(func(x perfmodel.Mix) perfmodel.Tokens { return x.Output }),
	}
}

// floats converts counts.
func floats(xs []uint64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}
