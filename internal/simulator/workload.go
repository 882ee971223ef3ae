package simulator

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// arrival is one request of the merged schedule of all models.
type arrival struct {
	at     time.Duration
	model  int
	class  int
	prompt int
	output int
}

// Workload is the arrivals of every model, built once and replayed for every policy so
// that policies are compared on exactly the same requests.
type Workload struct {
	arrivals []arrival
	// End is the length of the simulated period: billing and decisions stop there.
	End time.Duration
	// Steps holds, per model, the load steps reaction times are measured from.
	Steps [][]time.Duration
	// perModel counts requests per model.
	perModel []int
}

// Len is the number of requests.
func (w *Workload) Len() int { return len(w.arrivals) }

// Requests is the number of model mi's requests.
func (w *Workload) Requests(mi int) int { return w.perModel[mi] }

// Rates is each model's arrival rate (requests/s) in consecutive windows of length iv
// from the start, indexed [window][model]: what a policy that knows the future sees.
func (w *Workload) Rates(iv time.Duration) [][]float64 {
	n := int(w.End/iv) + 1
	out := make([][]float64, n)
	for k := range out {
		out[k] = make([]float64, len(w.perModel))
	}
	for _, a := range w.arrivals {
		out[min(int(a.at/iv), n-1)][a.model] += 1 / iv.Seconds()
	}
	return out
}

// PeakRate is model mi's highest arrival rate over any window of length win starting
// at a multiple of win: the peak a capacity planner sizes for.
func (w *Workload) PeakRate(mi int, win time.Duration) float64 {
	peak := 0.0
	for _, r := range w.Rates(win) {
		peak = max(peak, r[mi])
	}
	return peak
}

// BuildWorkload reads traces (each file once) or generates patterns, scales them, and
// merges the models' arrivals in time order. trace, when not empty, overrides the trace
// path of every trace-driven load (the command's --trace flag).
func BuildWorkload(c *Config, trace string) (*Workload, error) {
	cache := map[string][]loadgen.Request{}
	w := &Workload{Steps: make([][]time.Duration, len(c.Models)), perModel: make([]int, len(c.Models))}
	for mi := range c.Models {
		m := &c.Models[mi]
		load := c.Load
		if m.Load != nil {
			load = *m.Load
		}
		if trace != "" && load.Pattern == nil {
			load.Trace = trace
		}
		reqs, end, err := schedule(load, cache, c.Seed+uint64(mi)*7919)
		if err != nil {
			return nil, fmt.Errorf("model %q: %w", m.Name, err)
		}
		if err := drawLengths(reqs, load.Pattern, cache, c.Seed+uint64(mi)*7919); err != nil {
			return nil, fmt.Errorf("model %q: %w", m.Name, err)
		}
		w.End = max(w.End, end)
		rng := rand.New(rand.NewPCG(c.Seed, 0xc1a55+uint64(mi)))
		for _, r := range reqs {
			w.arrivals = append(w.arrivals, arrival{at: r.At, model: mi, class: pickClass(m.Classes, rng), prompt: r.PromptTokens, output: r.OutputTokens})
		}
		w.perModel[mi] = len(reqs)
		w.Steps[mi] = loadSteps(load, reqs, end, c.Steps, c.Seed+uint64(mi)*7919)
	}
	slices.SortStableFunc(w.arrivals, func(a, b arrival) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.model, b.model))
	})
	if len(w.arrivals) == 0 {
		return nil, fmt.Errorf("%w: the load has no requests", ErrConfig)
	}
	return w, nil
}

// schedule returns one model's requests and the end of its period.
func schedule(l LoadConfig, cache map[string][]loadgen.Request, seed uint64) ([]loadgen.Request, time.Duration, error) {
	if l.Pattern != nil {
		p := l.Pattern
		reqs, err := loadgen.Synthetic(arrivalPattern(p, seed))
		if err != nil {
			return nil, 0, fmt.Errorf("pattern: %w", err)
		}
		return reqs, p.Duration.D(), nil
	}
	if l.Trace == "" {
		return nil, 0, fmt.Errorf("%w: load needs a trace or a pattern", ErrConfig)
	}
	trace, err := cachedTrace(l.Trace, cache)
	if err != nil {
		return nil, 0, err
	}
	reqs, err := loadgen.FromTrace(trace, loadgen.TraceOptions{
		Offset: l.Offset.D(), Duration: l.Duration.D(), SpeedUp: l.SpeedUp, Seed: seed,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("trace %s: %w", l.Trace, err)
	}
	if l.RateScale < 0 {
		return nil, 0, fmt.Errorf("%w: rateScale %g is negative", ErrConfig, l.RateScale)
	}
	scaled := scaleRate(reqs, l.RateScale, seed)
	return scaled, traceEnd(l, trace, reqs), nil
}

// scaleRate multiplies the request rate by k (0 or 1: unchanged). Each request is kept
// floor(k) times, plus once more with probability k − floor(k), as loadgen does; but
// where loadgen sends the copies at the same instant, the simulator spreads every copy
// after the first uniformly over the gap to the next request of the original trace.
// The rate curve keeps the trace's shape at its own granularity without clumps of
// identical simultaneous requests that no real fleet of users produces.
func scaleRate(reqs []loadgen.Request, k float64, seed uint64) []loadgen.Request {
	if k == 0 || k == 1 || len(reqs) == 0 {
		return reqs
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	meanGap := time.Second
	if n := len(reqs); n > 1 {
		meanGap = (reqs[n-1].At - reqs[0].At) / time.Duration(n-1)
	}
	out := make([]loadgen.Request, 0, int(float64(len(reqs))*k)+1)
	for i, r := range reqs {
		gap := meanGap
		if i+1 < len(reqs) {
			gap = reqs[i+1].At - r.At
		}
		copies := int(k)
		if rng.Float64() < k-float64(copies) {
			copies++
		}
		for j := range copies {
			c := r
			if j > 0 && gap > 0 {
				c.At += time.Duration(rng.Int64N(int64(gap)))
			}
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b loadgen.Request) int { return cmp.Compare(a.At, b.At) })
	return out
}

// arrivalPattern is the loadgen pattern of a synthetic load. Lengths drawn per request
// are set afterwards (drawLengths); the pattern then carries placeholders.
func arrivalPattern(p *PatternConfig, seed uint64) loadgen.Pattern {
	lp := loadgen.Pattern{
		Kind: loadgen.PatternKind(p.Kind), Rate: p.Rate, Rate2: p.Rate2, Duration: p.Duration.D(),
		StepAt: p.StepAt.D(), BurstEvery: p.BurstEvery.D(), BurstLength: p.BurstLength.D(),
		OnMean: p.OnMean.D(), OffMean: p.OffMean.D(),
		PromptTokens: max(1, p.PromptTokens), OutputTokens: max(1, p.OutputTokens), Seed: seed,
	}
	for _, pt := range p.Points {
		lp.Points = append(lp.Points, loadgen.RatePoint{At: pt.At.D(), Rate: pt.Rate})
	}
	return lp
}

// cachedTrace reads a trace file once per workload.
func cachedTrace(path string, cache map[string][]loadgen.Request) ([]loadgen.Request, error) {
	if trace, ok := cache[path]; ok {
		return trace, nil
	}
	trace, err := readTrace(path)
	if err != nil {
		return nil, err
	}
	cache[path] = trace
	return trace, nil
}

// readTrace reads an Azure-format trace file.
func readTrace(path string) ([]loadgen.Request, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open trace: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to flush
	reqs, err := loadgen.ReadAzureTrace(f)
	if err != nil {
		return nil, fmt.Errorf("trace %s: %w", path, err)
	}
	return reqs, nil
}

// traceEnd is the length of the replayed window in simulated time.
func traceEnd(l LoadConfig, trace, reqs []loadgen.Request) time.Duration {
	speed := l.SpeedUp
	if speed == 0 {
		speed = 1
	}
	window := l.Duration.D()
	if window == 0 && len(trace) > 0 {
		window = trace[len(trace)-1].At - l.Offset.D() + time.Second
	}
	end := time.Duration(float64(window) / speed)
	if len(reqs) > 0 {
		end = max(end, reqs[len(reqs)-1].At+time.Second)
	}
	return end
}

// pickClass draws a service class by weight; -1 when the model has no classes.
func pickClass(classes []ClassConfig, rng *rand.Rand) int {
	if len(classes) == 0 {
		return -1
	}
	total := 0.0
	for _, c := range classes {
		total += c.Weight
	}
	x := rng.Float64() * total
	for i, c := range classes {
		if x < c.Weight {
			return i
		}
		x -= c.Weight
	}
	return len(classes) - 1
}

// loadSteps returns the instants the load stepped up: the known steps of a synthetic
// pattern (see loadgen.Pattern.Steps), or steps detected in the arrivals of a trace.
func loadSteps(l LoadConfig, reqs []loadgen.Request, end time.Duration, d StepDetection, seed uint64) []time.Duration {
	if p := l.Pattern; p != nil {
		return arrivalPattern(p, seed).Steps()
	}
	return detectSteps(reqs, end, d)
}

// detectSteps finds windows whose arrival rate rises at least d.Rise above the mean of
// the preceding baseline; steps closer than a baseline to the previous one are merged.
func detectSteps(reqs []loadgen.Request, end time.Duration, d StepDetection) []time.Duration {
	win := d.Window.D()
	n := int(end / win)
	counts := make([]float64, n+1)
	for _, r := range reqs {
		counts[min(int(r.At/win), n)]++
	}
	back := max(1, int(d.Baseline.D()/win))
	var out []time.Duration
	last := time.Duration(-1 << 62)
	for i := back; i < n; i++ {
		base := 0.0
		for _, c := range counts[i-back : i] {
			base += c
		}
		base /= float64(back)
		at := time.Duration(i) * win
		if base > 0 && counts[i] >= (1+d.Rise)*base && at-last >= d.Baseline.D() {
			out = append(out, at)
			last = at
		}
	}
	return out
}
