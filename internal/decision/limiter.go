package decision

import (
	"fmt"
	"maps"
	"math"
)

// copyInventory copies a GPU inventory so granting never mutates the caller's map.
func copyInventory(free map[string]int) map[string]int {
	if free == nil {
		return nil
	}
	return maps.Clone(free)
}

// grant hands the plan's scale-ups their replicas, in order of need, from a GPU pool
// (nil: unlimited). Only whole replicas are granted; what a variant cannot get is
// offered to its alternatives in order, and whatever is left is said in the reason.
func (p *plan) grant(pool map[string]int) {
	for k, r := range p.requests {
		first := &p.variants[r.variant]
		got, note := take(first, r.replicas, pool)
		if got > 0 {
			first.reason = fmt.Sprintf("%s; +%d on %s %s (cost %s)", r.prefix, got, r.label, first.state.Name, fmtNum(first.state.Cost))
		}
		left := r.replicas - got
		if left == 0 {
			continue
		}
		first.gpuShortfall = left
		if got > 0 {
			first.reason += fmt.Sprintf("; GPU limit: %d of %d replica(s) granted (%s)", got, r.replicas, note)
		} else {
			first.reason = fmt.Sprintf("hold: GPU limit: %s; +%d not granted (%s)", note, r.replicas, r.prefix)
		}
		left = p.grantAlternatives(r, left, first.state.Name, pool, p.requests[k+1:])
		if left > 0 {
			p.reason += fmt.Sprintf("; GPU limit: %d replica(s) could not be granted", left)
		}
	}
	p.requests = nil
}

// grantAlternatives offers replicas the preferred variant could not get to the next
// variants in order, and returns how many are still not granted. queued are the plan's
// scale-ups still to be granted after r.
//
// With rates (HYBRID) the offer is the capacity not granted: an alternative is asked
// for as many replicas as carry it at its own rate. That capacity is at most the demand
// the model's replicas leave uncovered, so that a whole refused replica asked for a
// sliver of planned rate does not become several replicas elsewhere, which the capacity
// floor would then keep from other models. The refused replicas the capacity answer
// asked for (r.floor) are carried replica for replica, as in CAPACITY-ONLY, however well
// the demand is covered: saturation's answer is a count of replicas, and the floor.
func (p *plan) grantAlternatives(r scaleUp, left int, denied string, pool map[string]int, queued []scaleUp) int {
	capacity := 0.0 // HYBRID: the rate still to place
	floor := 0      // HYBRID: the capacity answer's refused replicas still to stand in for
	if r.rates != nil {
		floor = min(left, max(0, r.floor-(r.replicas-left)))
		if r.rates[r.variant] > 0 {
			capacity = max(0, min(float64(left)*r.rates[r.variant], p.uncovered(r, queued)))
			left = max(floor, p.worth(r, capacity))
		}
	}
	for _, ai := range r.alternatives {
		if left == 0 {
			break
		}
		want := left
		if r.rates != nil && r.rates[ai] > 0 {
			want = max(floor, int(math.Ceil(capacity/r.rates[ai]-1e-9)))
		}
		alt := &p.variants[ai]
		got, note := take(alt, want, pool)
		if got == 0 {
			alt.reason = fmt.Sprintf("hold: GPU limit: %s; could not take the +%d %s could not get either (%s)", note, left, denied, r.prefix)
			continue
		}
		alt.reason = fmt.Sprintf("%s; +%d on variant %s (cost %s): %s %s could not get GPUs",
			r.prefix, got, alt.state.Name, fmtNum(alt.state.Cost), r.label, denied)
		floor = max(0, floor-got)
		if r.rates == nil || r.rates[ai] <= 0 {
			left -= got
			continue
		}
		capacity = max(0, capacity-float64(got)*r.rates[ai])
		if r.rates[r.variant] > 0 {
			left = max(floor, p.worth(r, capacity))
		} else {
			left -= got
		}
	}
	return left
}

// worth is how many replicas of the refused variant a rate still to place is worth.
func (p *plan) worth(r scaleUp, capacity float64) int {
	return int(math.Ceil(capacity/r.rates[r.variant] - 1e-9))
}

// uncovered is the part of a HYBRID scale-up's demand that neither the replicas desired
// so far nor the plan's scale-ups still to be granted sustain.
func (p *plan) uncovered(r scaleUp, queued []scaleUp) float64 {
	u := r.demand - p.sustained(r.rates)
	for _, q := range queued {
		u -= float64(q.replicas) * r.rates[q.variant]
	}
	return u
}

// sustained is the rate the plan's desired replicas sustain at the given per-replica
// rates, what a refused scale-up's stand-ins need not carry again.
func (p *plan) sustained(rates []float64) float64 {
	c := 0.0
	for i := range p.variants {
		c += float64(p.variants[i].desired) * rates[i]
	}
	return c
}

// take gives a variant as many of want replicas as its headroom and the pool allow,
// and describes the GPU situation when the pool limited it.
func take(v *variantPlan, want int, pool map[string]int) (int, string) {
	n := min(want, v.headroom())
	per := v.state.GPUsPerReplica
	free, tracked := pool[v.state.Accelerator]
	if pool == nil || !tracked || per == 0 {
		v.desired += n
		return n, ""
	}
	n = min(n, max(0, free)/per)
	pool[v.state.Accelerator] = free - n*per
	v.desired += n
	return n, fmt.Sprintf("%d free %q GPU(s), %d per replica", free, v.state.Accelerator, per)
}
