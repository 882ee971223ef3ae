package simulator

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// replicaState is where a replica is in its life, as a pod would be.
type replicaState uint8

const (
	// stateUnscheduled: created, but no GPU is free for it (Pending, not billed).
	stateUnscheduled replicaState = iota
	// stateStarting: bound to GPUs, loading the model (billed, not serving).
	stateStarting
	// stateReady: serving and scraped.
	stateReady
	// stateDraining: removed; finishing its requests, taking no new ones.
	stateDraining
	// stateGone: terminated.
	stateGone
)

// replica is one simulated pod of a variant.
type replica struct {
	id      int
	pod     string
	v       *variantRun
	srv     *servermodel.Replica
	state   replicaState
	created time.Duration
	// billFrom and billTo bound the billed interval; billTo is set when it ends.
	billFrom, billTo time.Duration
	billed           bool
	gpusReleased     bool
	readyAt          time.Duration
	removedAt        time.Duration
	// served is set once the replica began serving; servedTo is when a serving replica
	// left the router (removed or drained), negative while it still serves.
	served   bool
	servedTo time.Duration
	// assigned lists the requests routed here, so a drain timeout can abort them.
	assigned []int
	// counters the replica exports, kept from its events.
	success, promptTokens, outputTokens float64
	lastEvent                           time.Duration
	samples                             []sample
	sink                                servermodel.Sink
}

// sample is one scrape of a replica's /metrics.
type sample struct {
	at                   time.Duration
	kv                   float64
	waiting, running     float64
	success              float64
	promptTok, outputTok float64
	lat                  latencyCounters
}

// outstanding is the router's load figure: requests running or waiting in the engine.
func (r *replica) outstanding() int { return r.srv.NumRunning() + r.srv.NumWaiting() }

// fits reports whether a request can ever run on this replica's engine.
func (r *replica) fits(a *arrival) bool {
	return a.prompt+a.output <= r.v.params.MaxModelLen
}

// scrape records the replica's signals at now and drops samples no query can need.
func (r *replica) scrape(now, keep time.Duration) {
	r.samples = append(r.samples, sample{
		at: now, kv: r.srv.KVUsage(), waiting: float64(r.srv.NumWaiting()), running: float64(r.srv.NumRunning()),
		success: r.success, promptTok: r.promptTokens, outputTok: r.outputTokens, lat: latencyOf(r.srv.Stats()),
	})
	drop := 0
	for drop < len(r.samples)-1 && r.samples[drop].at <= now-keep {
		drop++
	}
	if drop > 0 {
		r.samples = append(r.samples[:0], r.samples[drop:]...)
	}
}

// last returns the newest sample, if any.
func (r *replica) last() (sample, bool) {
	if len(r.samples) == 0 {
		return sample{}, false
	}
	return r.samples[len(r.samples)-1], true
}

// peak is max_over_time over (now-window, now] of KV usage and waiting requests; ok is
// false when no sample falls in the window (Prometheus returns no series).
func (r *replica) peak(now, window time.Duration) (kv, waiting float64, ok bool) {
	for i := len(r.samples) - 1; i >= 0 && r.samples[i].at > now-window; i-- {
		s := &r.samples[i]
		if s.at > now {
			continue
		}
		kv, waiting, ok = max(kv, s.kv), max(waiting, s.waiting), true
	}
	return kv, waiting, ok
}

// increase returns how much a counter grew over (now-window, now], from the oldest
// sample inside the window to the newest (Prometheus's increase without extrapolation),
// and the span the samples cover.
func (r *replica) increase(now, window time.Duration, counter func(*sample) float64) (float64, time.Duration) {
	first := -1
	for i := len(r.samples) - 1; i >= 0 && r.samples[i].at > now-window; i-- {
		first = i
	}
	if first < 0 {
		return 0, 0
	}
	lastS := &r.samples[len(r.samples)-1]
	return counter(lastS) - counter(&r.samples[first]), lastS.at - r.samples[first].at
}
