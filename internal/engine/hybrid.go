package engine

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// hybridMemory keeps what the HYBRID mode learns between cycles: each model's
// decision.ProactiveState (passed back to the core every cycle) and each variant's
// observed start-up time. The learned per-variant performance models are also written to
// the VA status; after a restart or a change of leader a model's state is restored from
// there, while the forecast and the planned-rate history start afresh (so nothing is
// removed until a whole stabilisation period has been observed again).
type hybridMemory struct {
	mu      sync.Mutex
	states  map[ModelKey]decision.ProactiveState
	startup map[types.UID]time.Duration
}

func newHybridMemory() *hybridMemory {
	return &hybridMemory{states: map[ModelKey]decision.ProactiveState{}, startup: map[types.UID]time.Duration{}}
}

// input builds one model's HYBRID input, restoring its state from the VA statuses when
// this process has none yet.
func (e *Engine) hybridInput(ctx context.Context, m *inventory.Model, sig ModelSignals, interval time.Duration, now time.Time) *decision.ProactiveInput {
	h := e.hybrid
	key := ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}
	in := HybridInputs{Priors: map[string]Prior{}, Startup: map[string]time.Duration{}, Interval: interval,
		Classes: e.opts.Hybrid.ServiceClassesFor(m.ModelID), Settings: e.opts.HybridTuning}
	h.mu.Lock()
	state, ok := h.states[key]
	h.mu.Unlock()
	if !ok {
		state = restoreState(ctx, m)
	}
	in.State = state
	for _, v := range m.Variants {
		if !v.Actionable() {
			continue
		}
		if p, ok := e.opts.Hybrid.PriorFor(m.ModelID, v.Accelerator); ok {
			in.Priors[v.VA.Name] = p
		}
		in.Startup[v.VA.Name] = h.observeStartup(v)
	}
	return ProactiveInput(m, sig.Load, in, now)
}

// restoreState reads what a model's variants had learned from their VA statuses.
func restoreState(ctx context.Context, m *inventory.Model) decision.ProactiveState {
	var st decision.ProactiveState
	for _, v := range m.Variants {
		pm := v.VA.Status.PerformanceModel
		if pm == nil || !v.Actionable() {
			continue
		}
		ps, err := stateFromStatus(pm)
		if err != nil {
			log.FromContext(ctx).Info("Warning: learning starts afresh: the performance model in the status cannot be read",
				"variant", v.VA.Name, "error", err.Error())
			continue
		}
		if st.Variants == nil {
			st.Variants = map[string]perfmodel.State{}
		}
		st.Variants[v.VA.Name] = ps
		log.FromContext(ctx).V(1).Info("Restored the performance model from the status", "variant", v.VA.Name, "updates", ps.Updates)
	}
	return st
}

// observeStartup returns the variant's start-up time: observed on its Pods now, else
// the last one observed, else the one in its status; zero when none is known.
func (h *hybridMemory) observeStartup(v *inventory.Variant) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := StartupTime(v); ok {
		h.startup[v.VA.UID] = d
		return d
	}
	if d, ok := h.startup[v.VA.UID]; ok {
		return d
	}
	if pm := v.VA.Status.PerformanceModel; pm != nil && pm.StartupTime != nil {
		return pm.StartupTime.Duration
	}
	return 0
}

// startupOf is the start-up time remembered for a variant.
func (h *hybridMemory) startupOf(uid types.UID) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.startup[uid]
}

// keep stores a model's learned state for the next cycle, without the rate memo's
// inputs growing: the core rebuilds it when it is missing.
func (h *hybridMemory) keep(key ModelKey, st decision.ProactiveState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.states[key] = st
}

// retain forgets the models and variants that are gone.
func (h *hybridMemory) retain(models map[ModelKey]bool, uids map[types.UID]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.states {
		if !models[k] {
			delete(h.states, k)
		}
	}
	for uid := range h.startup {
		if !uids[uid] {
			delete(h.startup, uid)
		}
	}
}

// hybridMetrics converts a model's HYBRID outcome to its metrics.
func hybridMetrics(m *inventory.Model, in *decision.ProactiveInput, out *decision.ProactiveOutcome, now time.Time) (actuator.HybridModel, []actuator.HybridVariant) {
	hm := actuator.HybridModel{Namespace: m.Namespace, ModelID: m.ModelID, Observed: trafficOf(in).Rate,
		Forecast: out.Forecast.Rate, Planned: out.Forecast.Planned, Horizon: out.Forecast.Horizon}
	// The series carry the identity the liveness check asks for (UID and target), as the
	// variant's other series do.
	ids := map[string]actuator.Variant{}
	for _, v := range m.Variants {
		if !v.Actionable() {
			continue // no target: the optimiser did not see it
		}
		ids[v.VA.Name] = actuator.Variant{Name: v.VA.Name, Namespace: v.VA.Namespace, Accelerator: v.Accelerator, UID: v.VA.UID, Target: v.Target.Name}
	}
	var vs []actuator.HybridVariant
	for _, vo := range out.Variants {
		st, known := out.State.Variants[vo.Name]
		hv := actuator.HybridVariant{
			Variant:        ids[vo.Name],
			CapacityAnswer: vo.CapacityAnswer, ModelAnswer: vo.ModelAnswer, SustainableRate: vo.SustainableRate,
			PredictedTTFT: vo.PredictedTTFT, PredictedITL: vo.PredictedITL, Ran: out.Ran,
			Known: known && st.Known(),
		}
		if hv.Known {
			hv.Alpha, hv.Beta, hv.Gamma, hv.Dispersion = st.Params.Alpha, st.Params.Beta, st.Params.Gamma, st.Params.Dispersion
			hv.Age, hv.FitError, hv.Updates = st.Age(now), st.FitError, st.Updates
		}
		vs = append(vs, hv)
	}
	return hm, vs
}
