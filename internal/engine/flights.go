package engine

import (
	"math"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// flights remembers, per VariantAutoscaling (by UID, so a VA deleted and created again
// starts afresh), the desired count this engine last published and how the target has
// moved toward it. It is the source of truth for "previous desired": the informer cache
// may not have seen the last status write when the next cycle runs, and deciding from the
// stale status would publish, announce and count the same change twice. After a restart
// or a change of leader it starts empty and the status written before is used, unless
// that status's decision was applied directly and the target has moved away from it since.
type flights struct {
	mu sync.Mutex
	m  map[types.UID]decision.Progress
}

func newFlights() *flights { return &flights{m: map[types.UID]decision.Progress{}} }

// observe returns the variant's previous desired count (remembered, else from its status)
// and since when its change has been in flight, having seen the target at its current
// replicas at now.
func (f *flights) observe(v *inventory.Variant, now time.Time) (*int, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[v.VA.UID]
	if !ok {
		prev := previousDesired(v)
		if prev == nil {
			return nil, time.Time{}
		}
		p.Desired = *prev
		if v.VA.Status.Actuation.Applied && *prev != v.CurrentReplicas() {
			// The status's decision was written to the target directly, and the target
			// has moved since: a later scale write whose status never landed (a leader
			// killed between the two), or someone else's. Nothing of ours is in flight.
			p.Desired = v.CurrentReplicas()
		}
	}
	p = p.Observe(p.Desired, v.CurrentReplicas(), now)
	f.m[v.VA.UID] = p
	desired := p.Desired
	return &desired, p.Since
}

// published records that desired was written to the variant's status at now.
func (f *flights) published(v *inventory.Variant, desired int, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[v.VA.UID] = f.m[v.VA.UID].Observe(desired, v.CurrentReplicas(), now)
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
