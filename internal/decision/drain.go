package decision

import (
	"cmp"
	"fmt"
	"slices"
)

// DrainFirst returns, for a variant that scales down by n replicas, the Pods to remove
// first: those of its replicas with the least work in flight (running plus waiting
// requests, then KV-cache usage, then name), at most n. A Deployment's ReplicaSet cannot
// tell a replica streaming answers from an idle one and removes the newest; told which to
// take (the pod deletion cost), it removes the idle ones, and a scale-down aborts fewer
// requests. Replicas without a sample are never chosen: their work is unknown.
func DrainFirst(replicas []ReplicaSignals, variant string, n int) []string {
	if n <= 0 {
		return nil
	}
	var mine []ReplicaSignals
	for _, r := range replicas {
		if r.Variant == variant && r.Pod != "" {
			mine = append(mine, r)
		}
	}
	slices.SortFunc(mine, func(a, b ReplicaSignals) int {
		return cmp.Or(cmp.Compare(a.Running+a.Waiting, b.Running+b.Waiting),
			cmp.Compare(a.KvCacheUsage, b.KvCacheUsage), cmp.Compare(a.Pod, b.Pod))
	})
	out := make([]string, 0, min(n, len(mine)))
	for _, r := range mine[:min(n, len(mine))] {
		out = append(out, r.Pod)
	}
	return out
}

// holdScaleDownWhileRemoving keeps a variant that still has more Ready replicas than its
// target asks for (Leaving: a scale-down written, the ReplicaSet not done yet) where it is: the
// replicas about to go still report, so their samples would justify the same scale-down
// a second time, and the model would lose two replicas for one decision.
func (p *plan) holdScaleDownWhileRemoving() {
	if p.safetyNet {
		return
	}
	for i := range p.variants {
		v := &p.variants[i]
		if extra := v.state.Leaving; extra > 0 && v.desired < v.base {
			v.desired = v.base
			v.reason = fmt.Sprintf("hold: %d replica(s) above the target of %d not removed yet; scale-down waits", extra, v.state.CurrentReplicas)
		}
	}
}
