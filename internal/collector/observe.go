package collector

import (
	"math"
	"time"
)

// Windows are the time spans both sources judge samples over, so that a signal means
// the same whichever source produced it.
type Windows struct {
	// Peak is the window of the saturation peaks (KV usage, waiting, running); 1m when zero.
	Peak time.Duration
	// Rate is the window of the average token lengths; 5m when zero.
	Rate time.Duration
	// StaleAfter is the age beyond which a replica's newest sample is stale; the peak
	// window when zero.
	StaleAfter time.Duration
	// Step is how often, within the peak window, Prometheus sums the waiting and running
	// requests of a data-parallel Pod's engines (a subquery's step); 5s when zero. Keep it
	// at or below the scrape interval, or peaks between steps are missed. Pods with one
	// engine are read from every sample, whatever the step.
	Step time.Duration
}

func (w Windows) withDefaults() Windows {
	if w.Peak <= 0 {
		w.Peak = time.Minute
	}
	if w.Rate <= 0 {
		w.Rate = 5 * time.Minute
	}
	if w.StaleAfter <= 0 {
		w.StaleAfter = w.Peak
	}
	if w.Step <= 0 {
		w.Step = defaultPeakStep
	}
	return w
}

// defaultPeakStep is Windows.Step when zero: at or below common scrape intervals (15 s,
// 30 s) and cheap over a one-minute window.
const defaultPeakStep = 5 * time.Second

// has is a set of signals a replica reported.
type has uint16

func (h has) with(s signal) has   { return h | 1<<s }
func (h has) holds(s signal) bool { return h&(1<<s) != 0 }

// saturation are the signals without which a replica's load is unknown.
const saturation = has(1<<signalKV | 1<<signalWaiting | 1<<signalRunning)

// obsKey identifies one replica's series: a Pod serving a model. The model is part of
// the key so a Pod's series of another model name are never mistaken for its own.
type obsKey struct{ namespace, model, pod string }

// observation is what a source saw of one replica, before judging it.
type observation struct {
	has                  has
	kv, waiting, running float64
	blocks, blockSize    int64
	avgInput, avgOutput  float64
	ttft, itl            float64
	success              map[time.Duration]float64
	load                 map[time.Duration]*loadObs
	newest               time.Time
	// problem says why the replica's data cannot be trusted (a NaN, an absurd value, a
	// broken page); a replica with a problem is never used.
	problem string
	// scrapeError is why the newest scrape of the replica failed to arrive (Pod source);
	// its older samples still count until they are stale, and the message says why.
	scrapeError string
}

// set records one value of a float signal; an impossible value is a problem.
func (o *observation) set(s signal, v float64) {
	if p := implausible(s, v); p != "" {
		o.fail(signalName(s) + " " + p)
		return
	}
	o.has = o.has.with(s)
	switch s {
	case signalKV:
		o.kv = v
	case signalWaiting:
		o.waiting = v
	case signalRunning:
		o.running = v
	case signalAvgInput:
		o.avgInput = v
	case signalAvgOutput:
		o.avgOutput = v
	case signalTTFT:
		o.ttft = v
	case signalITL:
		o.itl = v
	}
}

// fail records a problem with the replica's data; the first one is kept.
func (o *observation) fail(problem string) {
	if o.problem == "" {
		o.problem = problem
	}
}

// setSuccess records a success count over window.
func (o *observation) setSuccess(window time.Duration, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return
	}
	if o.success == nil {
		o.success = map[time.Duration]float64{}
	}
	o.success[window] = v
}

// addCache adds one data-parallel engine's KV cache (blocks of size tokens) to the
// replica's: capacities add up. With equal block sizes the blocks add; otherwise the size
// is kept in tokens (blocks of one token), so blocks × size stays the capacity.
func (o *observation) addCache(blocks, size int64) {
	if blocks <= 0 || size <= 0 {
		return
	}
	switch {
	case !o.has.holds(signalCache):
		o.blocks, o.blockSize = blocks, size
	case o.blockSize == size:
		o.blocks += blocks
	default:
		o.blocks, o.blockSize = o.blocks*o.blockSize+blocks*size, 1
	}
	o.has = o.has.with(signalCache)
}

// loadAt returns the replica's load over window, creating it.
func (o *observation) loadAt(window time.Duration) *loadObs {
	if o.load == nil {
		o.load = map[time.Duration]*loadObs{}
	}
	l := o.load[window]
	if l == nil {
		l = &loadObs{}
		o.load[window] = l
	}
	return l
}

// seen records a sample time, keeping the newest.
func (o *observation) seen(t time.Time) {
	if t.After(o.newest) {
		o.newest = t
	}
}

// modelWindow identifies a model-wide success count.
type modelWindow struct {
	namespace, model string
	window           time.Duration
}

// observations are everything one cycle saw, keyed by replica.
type observations struct {
	replicas map[obsKey]*observation
	// modelSuccess sums the success counts of every series of a model, Pods gone included.
	modelSuccess map[modelWindow]float64
	// successSince is the oldest success-counter sample of a model within the window.
	successSince map[modelWindow]time.Time
	// sinceAsked holds the windows whose coverage the source asked about: for those, a
	// model absent from successSince has no sample old enough to count. For others the
	// source cannot tell, and the window asked for is taken as held.
	sinceAsked map[time.Duration]bool
	// peak is a model's highest first-token rate over PeakSubWindow within a load window.
	peak map[modelWindow]float64
}

func newObservations() *observations {
	return &observations{replicas: map[obsKey]*observation{}, modelSuccess: map[modelWindow]float64{}, successSince: map[modelWindow]time.Time{}, sinceAsked: map[time.Duration]bool{}, peak: map[modelWindow]float64{}}
}

// at returns the observation of a replica, creating it.
func (os *observations) at(k obsKey) *observation {
	o := os.replicas[k]
	if o == nil {
		o = &observation{}
		os.replicas[k] = o
	}
	return o
}
