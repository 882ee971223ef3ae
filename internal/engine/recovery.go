package engine

import (
	"sync"
	"time"
)

// recoveries remembers, per model, when its signals became usable again after they last
// failed, so that the decision core holds scale-downs (and scale to zero) until the
// windows it reads hold data again (decision.Snapshot.SignalsBackSince). Only the cycles
// of this engine are known: a new leader starts with no failure seen, since the metrics
// source kept its data while the leader changed.
type recoveries struct {
	mu sync.Mutex
	m  map[ModelKey]recovery
}

type recovery struct {
	failing bool
	back    time.Time
}

func newRecoveries() *recoveries { return &recoveries{m: map[ModelKey]recovery{}} }

// observe records whether the model's signals were usable at now and returns since when
// they have been usable again after a failure (zero when no failure was seen).
func (r *recoveries) observe(key ModelKey, usable bool, now time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.m[key]
	switch {
	case !usable:
		rec = recovery{failing: true}
	case rec.failing:
		rec = recovery{back: now}
	}
	r.m[key] = rec
	return rec.back
}

// retain forgets the models not in keep.
func (r *recoveries) retain(keep map[ModelKey]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		if !keep[k] {
			delete(r.m, k)
		}
	}
}
