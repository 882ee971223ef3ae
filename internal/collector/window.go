package collector

import (
	"slices"
	"time"
)

// maxSamplesPerReplica bounds one replica's window whatever the scrape rate.
const maxSamplesPerReplica = 4096

// scrape is one scrape of one replica: the values of the series of its model.
type scrape struct {
	t                    time.Time
	has                  has
	kv, waiting, running float64
	blocks, blockSize    int64
	promptSum, promptCnt float64
	genSum, genCnt       float64
	hasPrompt, hasGen    bool
	ttftSum, ttftCnt     float64
	itlSum, itlCnt       float64
	hasTTFT, hasITL      bool
	success              float64
	hasSuccess           bool
	// promptBuckets and genBuckets are the length histograms' cumulative buckets;
	// ttftBuckets and tpotBuckets the latency histograms'.
	promptBuckets, genBuckets []bucket
	ttftBuckets, tpotBuckets  []bucket
}

// bucket is one cumulative histogram bucket: observations at or below le.
type bucket struct {
	le, count float64
}

// replicaWindow is the recent scrapes of one replica, oldest first, so that the Pod
// source can answer "peak over the last minute" and "increase over the last ten
// minutes" the way PromQL does over Prometheus's stored samples.
type replicaWindow struct {
	namespace, model string
	samples          []scrape
}

// add appends a scrape, keeping time order and the size bound.
func (w *replicaWindow) add(s scrape) {
	w.samples = append(w.samples, s)
	if n := len(w.samples); n > 1 && w.samples[n-2].t.After(s.t) {
		slices.SortStableFunc(w.samples, func(a, b scrape) int { return a.t.Compare(b.t) })
	}
	if len(w.samples) > maxSamplesPerReplica {
		w.samples = slices.Delete(w.samples, 0, len(w.samples)-maxSamplesPerReplica)
	}
}

// prune drops scrapes older than now-horizon.
func (w *replicaWindow) prune(now time.Time, horizon time.Duration) {
	cut := 0
	for cut < len(w.samples) && now.Sub(w.samples[cut].t) > horizon {
		cut++
	}
	w.samples = slices.Delete(w.samples, 0, cut)
}

// in returns the scrapes in the left-open window (now-d, now], as a PromQL range
// selector [d] evaluated at now selects them.
func (w *replicaWindow) in(now time.Time, d time.Duration) []scrape {
	lo := now.Add(-d)
	i, _ := slices.BinarySearchFunc(w.samples, lo, func(s scrape, t time.Time) int {
		if s.t.After(t) {
			return 1
		}
		return -1
	})
	j := len(w.samples)
	for j > i && w.samples[j-1].t.After(now) {
		j--
	}
	return w.samples[i:j]
}

// observe turns the window into an observation at now, with PromQL's meanings: peaks over
// the peak window, token averages over the rate window (else lifetime), success increases
// over each requested window.
func (w *replicaWindow) observe(now time.Time, win Windows, successWindows, loadWindows []time.Duration) *observation {
	o := &observation{}
	for i := len(w.samples) - 1; i >= 0; i-- {
		if !w.samples[i].t.After(now) {
			o.seen(w.samples[i].t)
			break
		}
	}
	peak := w.in(now, win.Peak)
	for _, s := range peak {
		for _, sig := range [...]signal{signalKV, signalWaiting, signalRunning} {
			if s.has.holds(sig) {
				o.set(sig, max(valueOf(o, sig), s.value(sig)))
			}
		}
	}
	if len(peak) > 0 {
		last := peak[len(peak)-1]
		if last.has.holds(signalCache) {
			o.has = o.has.with(signalCache)
			o.blocks, o.blockSize = last.blocks, last.blockSize
		}
	}
	rate := w.in(now, win.Rate)
	if v, ok := avgTokens(rate, func(s scrape) (float64, float64, bool) { return s.promptSum, s.promptCnt, s.hasPrompt }); ok {
		o.set(signalAvgInput, v)
	}
	if v, ok := avgTokens(rate, func(s scrape) (float64, float64, bool) { return s.genSum, s.genCnt, s.hasGen }); ok {
		o.set(signalAvgOutput, v)
	}
	if v, ok := avgRecent(rate, func(s scrape) (float64, float64, bool) { return s.ttftSum, s.ttftCnt, s.hasTTFT }); ok {
		o.set(signalTTFT, v)
	}
	if v, ok := avgRecent(rate, func(s scrape) (float64, float64, bool) { return s.itlSum, s.itlCnt, s.hasITL }); ok {
		o.set(signalITL, v)
	}
	for _, sw := range successWindows {
		if inc, ok := increase(w.in(now, sw), func(s scrape) (float64, bool) { return s.success, s.hasSuccess }); ok {
			o.setSuccess(sw, inc)
		}
	}
	for _, lw := range loadWindows {
		if l := loadOver(w.in(now, lw), now, lw); l != nil {
			if o.load == nil {
				o.load = map[time.Duration]*loadObs{}
			}
			o.load[lw] = l
		}
	}
	return o
}

// loadOver reads the load signals from the scrapes of one load window with PromQL's
// meanings: rates of counters extrapolated as rate() does, means as Δsum/Δcount.
func loadOver(ss []scrape, now time.Time, window time.Duration) *loadObs {
	if len(ss) < 2 {
		return nil
	}
	l := &loadObs{}
	rateOf := func(get func(scrape) (float64, bool)) (float64, bool) {
		var ts []time.Time
		var vs []float64
		for _, s := range ss {
			if v, ok := get(s); ok {
				ts, vs = append(ts, s.t), append(vs, v)
			}
		}
		return extrapolatedRate(ts, vs, now, window)
	}
	if v, ok := rateOf(func(s scrape) (float64, bool) { return s.success, s.hasSuccess }); ok {
		l.set(signalLoadSuccess, v)
	}
	if v, ok := rateOf(func(s scrape) (float64, bool) { return s.ttftCnt, s.hasTTFT }); ok {
		l.set(signalLoadFirstTokens, v)
	}
	if v, ok := avgRecent(ss, func(s scrape) (float64, float64, bool) { return s.ttftSum, s.ttftCnt, s.hasTTFT }); ok {
		l.set(signalLoadTTFT, v)
	}
	if v, ok := avgRecent(ss, func(s scrape) (float64, float64, bool) { return s.itlSum, s.itlCnt, s.hasITL }); ok {
		l.set(signalLoadITL, v)
	}
	if v, ok := rateOf(func(s scrape) (float64, bool) { return s.promptSum, s.hasPrompt }); ok {
		l.set(signalLoadPromptSum, v)
	}
	if v, ok := rateOf(func(s scrape) (float64, bool) { return s.genSum, s.hasGen }); ok {
		l.set(signalLoadGenSum, v)
	}
	bucketRates(ss, func(s scrape) []bucket { return s.promptBuckets }, rateOf, func(le, v float64) { l.setBucket(signalLoadPromptBuckets, le, v) })
	bucketRates(ss, func(s scrape) []bucket { return s.genBuckets }, rateOf, func(le, v float64) { l.setBucket(signalLoadGenBuckets, le, v) })
	bucketRates(ss, func(s scrape) []bucket { return s.ttftBuckets }, rateOf, func(le, v float64) { l.setBucket(signalLoadTTFTBuckets, le, v) })
	bucketRates(ss, func(s scrape) []bucket { return s.tpotBuckets }, rateOf, func(le, v float64) { l.setBucket(signalLoadTPOTBuckets, le, v) })
	return l
}

// bucketRates reads the rate of every bucket bound of the newest scrape.
func bucketRates(ss []scrape, buckets func(scrape) []bucket, rateOf func(func(scrape) (float64, bool)) (float64, bool), set func(le, v float64)) {
	for _, b := range buckets(ss[len(ss)-1]) {
		le := b.le
		v, ok := rateOf(func(s scrape) (float64, bool) {
			for _, x := range buckets(s) {
				if x.le == le {
					return x.count, true
				}
			}
			return 0, false
		})
		if ok {
			set(le, v)
		}
	}
}

// firstTokenRateAt is the replica's first-token rate over (at-sub, at], as the peak
// subquery's inner rate() evaluates it.
func (w *replicaWindow) firstTokenRateAt(at time.Time, sub time.Duration) (float64, bool) {
	var ts []time.Time
	var vs []float64
	for _, s := range w.in(at, sub) {
		if s.hasTTFT {
			ts, vs = append(ts, s.t), append(vs, s.ttftCnt)
		}
	}
	return extrapolatedRate(ts, vs, at, sub)
}

func valueOf(o *observation, s signal) float64 {
	switch s {
	case signalKV:
		return o.kv
	case signalWaiting:
		return o.waiting
	}
	return o.running
}

func (s scrape) value(sig signal) float64 {
	switch sig {
	case signalKV:
		return s.kv
	case signalWaiting:
		return s.waiting
	}
	return s.running
}

// avgRecent is Δsum/Δcount of a histogram over the scrapes, when requests finished
// among them; like the latency queries, it has no lifetime fallback.
func avgRecent(ss []scrape, get func(scrape) (sum, count float64, ok bool)) (float64, bool) {
	dSum, okSum := increase(ss, func(s scrape) (float64, bool) { v, _, ok := get(s); return v, ok })
	dCnt, okCnt := increase(ss, func(s scrape) (float64, bool) { _, c, ok := get(s); return c, ok })
	if okSum && okCnt && dCnt > 0 {
		return dSum / dCnt, true
	}
	return 0, false
}

// avgTokens is Δsum/Δcount of a histogram over the scrapes when requests finished among
// them, else sum/count of the newest scrape, as the PromQL query falls back to lifetime.
func avgTokens(ss []scrape, get func(scrape) (sum, count float64, ok bool)) (float64, bool) {
	if v, ok := avgRecent(ss, get); ok {
		return v, true
	}
	for i := len(ss) - 1; i >= 0; i-- {
		if sum, cnt, ok := get(ss[i]); ok {
			if cnt > 0 {
				return sum / cnt, true
			}
			return 0, false
		}
	}
	return 0, false
}

// increase is a counter's growth across the scrapes, counting a drop as a restart from
// zero, as PromQL does (without PromQL's extrapolation to the window's edges). It needs
// at least two scrapes carrying the counter.
func increase(ss []scrape, get func(scrape) (float64, bool)) (float64, bool) {
	var total, prev float64
	n := 0
	for _, s := range ss {
		v, ok := get(s)
		if !ok {
			continue
		}
		if n > 0 {
			if v >= prev {
				total += v - prev
			} else {
				total += v
			}
		}
		prev = v
		n++
	}
	return total, n >= 2
}
