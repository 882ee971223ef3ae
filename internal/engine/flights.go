package engine

import (
	"math"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// flights remembers, per VariantAutoscaling (by UID, so a VA deleted and created again
// starts afresh), the desired count this engine last asked the target for and how the
// target has moved toward it, and the last desired count whose status write landed. The
// first is "previous desired" for the decision: the informer cache may not have seen the
// last status write when the next cycle runs, and a status write can fail after the
// target was already asked (scaled directly, or wva_desired_replicas published to the
// HPA); deciding from the stale status would then ask for the old count again and undo
// the scale. The second is what a change is counted and announced against, once, when
// its status write succeeds. After a restart or a change of leader both start from the
// status written before, unless that status's decision was applied directly and the
// target has moved away from it since.
type flights struct {
	mu sync.Mutex
	m  map[types.UID]flight
}

// flight is one VA's memory; announced is nil until a status has landed or been read.
type flight struct {
	progress  decision.Progress
	announced *int
}

func newFlights() *flights { return &flights{m: map[types.UID]flight{}} }

// observe returns the variant's previous desired count and since when its change has been
// in flight, having seen the target at its current replicas at now, and the last desired
// count announced (remembered, else from its status; nil when there is none).
func (f *flights) observe(v *inventory.Variant, now time.Time) (*int, time.Time, *int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.m[v.VA.UID]
	if !ok {
		prev := previousDesired(v)
		if prev == nil {
			return nil, time.Time{}, nil
		}
		fl.progress.Desired = *prev
		if v.VA.Status.Actuation.Applied && *prev != v.CurrentReplicas() {
			// The status's decision was written to the target directly, and the target
			// has moved since: a later scale write whose status never landed (a leader
			// killed between the two), or someone else's. Nothing of ours is in flight.
			fl.progress.Desired = v.CurrentReplicas()
		}
		fl.announced = ptr.To(fl.progress.Desired)
	}
	fl.progress = fl.progress.Observe(fl.progress.Desired, v.CurrentReplicas(), now)
	f.m[v.VA.UID] = fl
	desired := fl.progress.Desired
	var announced *int
	if fl.announced != nil {
		announced = ptr.To(*fl.announced)
	}
	return &desired, fl.progress.Since, announced
}

// asked records that the target was asked for desired at now (scaled directly, or the
// metric the HPA follows published) when the status write that should record it failed.
func (f *flights) asked(v *inventory.Variant, desired int, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[v.VA.UID]
	fl.progress = fl.progress.Observe(desired, v.CurrentReplicas(), now)
	f.m[v.VA.UID] = fl
}

// published records that desired was written to the variant's status at now: the target
// follows it, and it is announced.
func (f *flights) published(v *inventory.Variant, desired int, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[v.VA.UID]
	fl.progress = fl.progress.Observe(desired, v.CurrentReplicas(), now)
	fl.announced = ptr.To(desired)
	f.m[v.VA.UID] = fl
}

// retain forgets every VA not in keep, so the map never outgrows the VAs that exist.
func (f *flights) retain(keep map[types.UID]bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for uid := range f.m {
		if !keep[uid] {
			delete(f.m, uid)
		}
	}
}

// replicas32 converts a replica count for the API (int32 fields, the scale subresource),
// clamped to [0, MaxInt32], so no count can wrap around at the boundary.
func replicas32(n int) int32 {
	return int32(max(0, min(n, math.MaxInt32)))
}
