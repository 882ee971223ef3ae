package engine

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// markDrain keeps the deletion-cost marks of a variant's Pods in line with its decision
// (drain-aware scale-down): while the decision is below the target's replicas, the Ready
// replicas with the least work in flight are marked to go first, so the ReplicaSet (moved
// by WVA in direct mode, by the HPA or KEDA in metrics mode) removes idle replicas rather
// than the newest; otherwise the marks are removed. Without usable signals the marks stay
// as they are: nothing shows which replica is idle now. It runs before the scale is
// written, and a failure never stops the scale-down.
func (e *Engine) markDrain(ctx context.Context, v *inventory.Variant, vd *decision.VariantDecision, sig ModelSignals) {
	if e.opts.DeletionCosts == nil || v.Target == nil || !sig.Status.Usable {
		return
	}
	ready := map[string]bool{}
	for _, p := range v.Pods {
		if inventory.PodReady(p) {
			ready[p.Name] = true
		}
	}
	var candidates []decision.ReplicaSignals
	for _, r := range sig.Replicas {
		if r.Variant == v.VA.Name && ready[r.Pod] {
			candidates = append(candidates, r)
		}
	}
	first := decision.DrainFirst(candidates, v.VA.Name, vd.CurrentReplicas-vd.DesiredReplicas)
	n, err := e.opts.DeletionCosts.Mark(ctx, v.Pods, first)
	logger := log.FromContext(ctx)
	if err != nil {
		logger.Error(err, "Cannot mark the replicas to remove first; the ReplicaSet chooses", "target", v.Target.Name)
	}
	if n > 0 {
		logger.Info("Marked the replicas with the least work in flight to go first", "target", v.Target.Name,
			"removeFirst", first, "patched", n)
	}
}
