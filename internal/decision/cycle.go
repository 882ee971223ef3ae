package decision

import (
	"cmp"
	"fmt"
	"slices"
)

// CycleResult is the outcome for one model of a cycle: a decision, or the error that
// made its snapshot undecidable.
type CycleResult struct {
	// ModelID and Namespace identify the model even when Err is set.
	ModelID   string
	Namespace string
	// Decision is valid when Err is nil.
	Decision Decision
	// Err wraps ErrInvalidSnapshot when the snapshot was broken.
	Err error
}

// DecideCycle decides many models at once, as the engine does every interval. Results
// are sorted by namespace then model ID, whatever the input order. When freeGPUs is
// non-nil it is one inventory shared by all models: scale-ups are granted model by
// model in order of service-class priority (Analysis.Priority, HYBRID mode; 1 first,
// models without a class last), then of need (Analysis.Need, highest first; ties by
// namespace and model ID),
// and each snapshot's own FreeGPUs is ignored. When nil, each snapshot's FreeGPUs
// applies to that model alone. The caller's map is never modified.
func DecideCycle(snapshots []Snapshot, freeGPUs map[string]int) []CycleResult {
	results := make([]CycleResult, len(snapshots))
	plans := make([]*plan, len(snapshots))
	for i := range snapshots {
		s := &snapshots[i]
		results[i] = CycleResult{ModelID: s.ModelID, Namespace: s.Namespace}
		plans[i], results[i].Err = buildPlan(s)
		if plans[i] != nil && s.Proactive != nil {
			plans[i].runProactive(s)
		}
		if plans[i] != nil {
			plans[i].holdScaleDownWhileRecovering(s)
			plans[i].holdScaleDownWhileRemoving()
		}
	}
	markDuplicates(results, plans)
	grantInOrderOfNeed(plans, freeGPUs)
	for i, p := range plans {
		if p != nil {
			results[i].Decision = p.finish()
		}
	}
	slices.SortStableFunc(results, compareResults)
	return results
}

// markDuplicates fails every model that appears more than once: which snapshot is right
// cannot be known, and deciding both would publish two answers for one target.
func markDuplicates(results []CycleResult, plans []*plan) {
	count := make(map[[2]string]int, len(results))
	for _, r := range results {
		count[[2]string{r.Namespace, r.ModelID}]++
	}
	for i, r := range results {
		if count[[2]string{r.Namespace, r.ModelID}] > 1 && r.Err == nil {
			results[i].Err = fmt.Errorf("%w: model %s/%s appears more than once in the cycle", ErrInvalidSnapshot, r.Namespace, r.ModelID)
			plans[i] = nil
		}
	}
}

// grantInOrderOfNeed runs the GPU limiter over all plans, sharing one pool when given.
func grantInOrderOfNeed(plans []*plan, freeGPUs map[string]int) {
	if freeGPUs == nil {
		for _, p := range plans {
			if p != nil {
				p.grant(copyInventory(p.freeGPUs))
			}
		}
		return
	}
	order := make([]*plan, 0, len(plans))
	for _, p := range plans {
		if p != nil {
			order = append(order, p)
		}
	}
	slices.SortFunc(order, func(a, b *plan) int {
		return cmp.Or(cmp.Compare(priorityRank(a.analysis.Priority), priorityRank(b.analysis.Priority)), cmp.Compare(b.analysis.Need, a.analysis.Need),
			cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.modelID, b.modelID))
	})
	pool := copyInventory(freeGPUs)
	for _, p := range order {
		p.grant(pool)
	}
	for acc, n := range giveBack(order) {
		if _, tracked := pool[acc]; tracked {
			pool[acc] += n
		}
	}
	shareByCoverage(order, pool)
}

// compareResults orders results by namespace, then model ID, then error text, so the
// output never depends on the input order.
func compareResults(a, b CycleResult) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.ModelID, b.ModelID), cmp.Compare(errText(a.Err), errText(b.Err)))
}

// errText is an error's message, empty for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// priorityRank orders service-class priorities (1 first); a model without a class
// (0) comes after every classed one.
func priorityRank(p int) int {
	if p <= 0 {
		return int(^uint(0) >> 1)
	}
	return p
}
