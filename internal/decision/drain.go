package decision

import (
	"cmp"
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
