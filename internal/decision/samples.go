package decision

import (
	"cmp"
	"slices"
)

// tolerance is the slack for comparing computed floats with configured thresholds, so
// that a published worked example landing exactly on a trigger behaves as written.
const tolerance = 1e-9

// sample points at a replica signal of the snapshot (read only) and carries its
// variant's position in the plan. Small, so sorting a thousand of them is cheap.
type sample struct {
	*ReplicaSignals
	variant int
}

// usableSamples keeps the samples of known variants whose values are valid and fresh,
// in a canonical order so that float sums do not depend on the collector's order.
// It returns the samples and how many were excluded.
func usableSamples(s *Snapshot, p *plan) ([]sample, int) {
	idx := p.index()
	out := make([]sample, 0, len(s.Replicas))
	for i := range s.Replicas {
		r := &s.Replicas[i]
		vi, known := idx[r.Variant]
		if !known || !validReplica(r) || stale(s, r) {
			continue
		}
		out = append(out, sample{ReplicaSignals: r, variant: vi})
	}
	slices.SortFunc(out, compareSamples)
	for i := range out {
		p.variants[out[i].variant].samples++
	}
	return out, len(s.Replicas) - len(out)
}

// stale reports whether a sample is too old (or of unknown age) for the snapshot's limit.
func stale(s *Snapshot, r *ReplicaSignals) bool {
	if s.MaxSampleAge <= 0 {
		return false
	}
	if r.SampleTime.IsZero() {
		return true
	}
	return s.Now.Sub(r.SampleTime) > s.MaxSampleAge
}

// compareSamples orders samples by variant, pod, then every value, so equal inputs in
// any order sort the same. The common cases return early: it runs n log n times.
func compareSamples(a, b sample) int {
	if c := cmp.Compare(a.variant, b.variant); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Pod, b.Pod); c != 0 {
		return c
	}
	return compareValues(a.ReplicaSignals, b.ReplicaSignals)
}

// compareValues breaks ties between samples of the same pod name on their values.
func compareValues(a, b *ReplicaSignals) int {
	return cmp.Or(
		cmp.Compare(a.KvCacheUsage, b.KvCacheUsage),
		cmp.Compare(a.Waiting, b.Waiting),
		cmp.Compare(a.Running, b.Running),
		cmp.Compare(a.NumGPUBlocks, b.NumGPUBlocks),
		cmp.Compare(a.BlockSize, b.BlockSize),
		cmp.Compare(a.AvgInputTokens, b.AvgInputTokens),
		cmp.Compare(a.AvgOutputTokens, b.AvgOutputTokens),
		cmp.Compare(a.SuccessCount, b.SuccessCount),
		a.SampleTime.Compare(b.SampleTime),
	)
}
