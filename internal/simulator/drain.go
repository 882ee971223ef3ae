package simulator

import (
	"cmp"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// victims returns the k pods a ReplicaSet deletes to scale live down by k, in its order:
// unscheduled pods first, then starting ones, then Ready ones; among pods in the same
// state, a lower pod deletion cost goes first (the pods named in first carry WVA's
// marks, the first of them the lowest cost; unmarked pods cost 0), then the newest.
func victims(live []*replica, k int, first []string) []*replica {
	cost := make(map[string]int, len(first))
	for i, pod := range first {
		cost[pod] = i - len(first)
	}
	order := slices.Clone(live)
	slices.SortStableFunc(order, func(a, b *replica) int {
		return cmp.Or(cmp.Compare(a.state, b.state), cmp.Compare(cost[a.pod], cost[b.pod]), cmp.Compare(b.id, a.id))
	})
	return order[:min(max(k, 0), len(order))]
}

// drainFirst is what WVA marks to go first when variant v scales down to n replicas with
// the drain-aware hint on: the Ready replicas with the least work in flight by the
// signals of the snapshot the decision was made from, chosen by the decision core as
// the controller chooses them. Nil when the hint is off or there are no signals.
func (s *sim) drainFirst(v *variantRun, n int, signals []decision.ReplicaSignals) []string {
	if !s.cfg.DrainAwareScaleDown || len(signals) == 0 {
		return nil
	}
	ready := map[string]bool{}
	for _, r := range v.live {
		if r.state == stateReady {
			ready[r.pod] = true
		}
	}
	var candidates []decision.ReplicaSignals
	for _, r := range signals {
		if r.Variant == v.cfg.Name && ready[r.Pod] {
			candidates = append(candidates, r)
		}
	}
	return decision.DrainFirst(candidates, v.cfg.Name, len(v.live)-n)
}

// drainCounts are what scale-downs did to requests during a run.
type drainCounts struct {
	removedServing, inFlightAtRemoval, aborted int
}
