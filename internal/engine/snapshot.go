package engine

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// Snapshot builds the decision core's input for one model from the inventory and the
// collector's signals. Only actionable variants, and the signals of their Ready Pods, take
// part; it is a pure function.
func Snapshot(m *inventory.Model, sig ModelSignals, sat decision.SaturationConfig, zero decision.ZeroConfig, now time.Time) decision.Snapshot {
	s := decision.Snapshot{
		ModelID:        m.ModelID,
		Namespace:      m.Namespace,
		Signals:        sig.Status,
		Saturation:     sat,
		Zero:           zero,
		WaitingDemand:  sig.Demand,
		SuccessWindow:  sig.SuccessWindow,
		ModelSuccesses: sig.ModelSuccesses,
		Now:            now,
	}
	ready := map[[2]string]bool{}
	for _, v := range m.Variants {
		if !v.Actionable() {
			continue
		}
		for _, p := range v.Pods {
			if inventory.PodReady(p) {
				ready[[2]string{v.VA.Name, p.Name}] = true
			}
		}
		s.Variants = append(s.Variants, decision.VariantState{
			Name:            v.VA.Name,
			Accelerator:     v.Accelerator,
			Cost:            v.Cost,
			CurrentReplicas: v.CurrentReplicas(),
			ReadyReplicas:   min(v.ReadyReplicas(), v.CurrentReplicas()),
			Leaving:         max(0, v.ReadyReplicas()-v.CurrentReplicas()),
			PreviousDesired: previousDesired(v),
			GPUsPerReplica:  v.GPUsPerReplica,
			Scaler:          scalerBounds(v.Scaler),
		})
	}
	// Only Ready replicas are capacity: a Pod that is NotReady or crash-looping gets no
	// traffic, so its samples (idle, or left over from before it failed) would show spare
	// capacity that does not serve anyone. The core counts it as pending instead.
	for _, r := range sig.Replicas {
		if ready[[2]string{r.Variant, r.Pod}] {
			s.Replicas = append(s.Replicas, r)
		}
	}
	return s
}

// previousDesired is the desired count WVA last published for the variant, if any.
func previousDesired(v *inventory.Variant) *int {
	alloc := v.VA.Status.DesiredOptimizedAlloc
	if alloc.NumReplicas == nil || alloc.LastRunTime == nil {
		return nil
	}
	n := int(*alloc.NumReplicas)
	return &n
}

// scalerBounds is the core's view of the autoscaler on a variant's target, if any.
func scalerBounds(s *inventory.Scaler) *decision.ScalerBounds {
	if s == nil {
		return nil
	}
	return &decision.ScalerBounds{Kind: s.Kind, Name: s.Name, MinReplicas: s.MinReplicas, MaxReplicas: s.MaxReplicas}
}
