package engine

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// RunOnce runs one decision cycle: inventory, signals, decisions, actuation. Failures are
// per model or per variant and never stop the cycle; they are logged and reflected in
// status, and a model whose signals failed gets the safety net. The cycle ends with one
// summary line: how many variants were decided, held, scaled and safety-netted, and how
// many status writes that took.
func (e *Engine) RunOnce(ctx context.Context, trigger string) {
	logger := log.FromContext(ctx)
	now := e.opts.Clock.Now()
	models, err := e.inventory(ctx)
	if err != nil {
		logger.Error(err, "Cannot read the inventory from the cache; cycle skipped")
		return
	}
	t := &tally{}
	var jobs []job
	var active []*inventory.Model
	for _, m := range models {
		actionable := false
		for _, v := range m.Variants {
			if v.Actionable() {
				actionable = true
			} else {
				jobs = append(jobs, e.reportNotActionable(v, now, t))
			}
		}
		if actionable {
			active = append(active, m)
		}
	}
	signals := map[ModelKey]ModelSignals{}
	collected := e.opts.Clock.Now()
	if len(active) > 0 {
		signals = e.collect(ctx, active, now)
	}
	signalsTook := e.opts.Clock.Since(collected)
	jobs = append(jobs, e.decide(ctx, active, signals, now, t)...)
	runJobs(ctx, e.opts.Workers, jobs)
	keys := make(map[ModelKey]bool, len(active))
	for _, m := range active {
		keys[ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}] = true
	}
	e.zero.retain(keys)
	t.log(logger, "trigger", trigger, "models", len(active),
		"duration", e.opts.Clock.Since(now).String(), "signalsDuration", signalsTook.String())
}

// ReasonMetricsMissing is the MetricsAvailable reason when no signal arrived for a model.
const ReasonMetricsMissing = "MetricsMissing"

// inventory reads the VAs, their targets and the targets' Pods from the cache, without
// copying them: what it returns is read-only.
func (e *Engine) inventory(ctx context.Context) ([]*inventory.Model, error) {
	var vas v1alpha1.VariantAutoscalingList
	if err := e.opts.Reader.List(ctx, &vas, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	var deps appsv1.DeploymentList
	if err := e.opts.Reader.List(ctx, &deps, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	// The status heartbeat stretches with the fleet, to stay within its share of the writes.
	if e.opts.Status != nil {
		e.fleetSize(ctx, len(vas.Items))
	}
	var podErr error
	models := inventory.Build(vas.Items, deps.Items, func(d *appsv1.Deployment) []*corev1.Pod {
		if e.opts.Pods == nil {
			return nil
		}
		pods, err := e.opts.Pods.PodsOf(ctx, d.Namespace, d.Name)
		if err != nil && podErr == nil {
			podErr = err
		}
		return pods
	})
	if podErr != nil {
		return nil, podErr
	}
	// Without the autoscalers' bounds the cycle still decides (as before they were read);
	// a cache that cannot sync them (RBAC not granted) must not stall every cycle.
	listCtx, cancel := context.WithTimeout(ctx, scalerListTimeout)
	defer cancel()
	scalers, err := e.scalers(listCtx)
	if err != nil {
		log.FromContext(ctx).Error(err, "Cannot read the HPAs and ScaledObjects on the targets; deciding without their bounds this cycle")
	}
	inventory.AttachScalers(models, scalers)
	pools, err := e.inferencePools(listCtx)
	if err != nil {
		log.FromContext(ctx).Error(err, "Cannot read the InferencePools; gateway queues are matched to models by namespace and model name this cycle")
	}
	inventory.AttachPools(models, pools)
	keep := make(map[types.UID]bool, len(vas.Items))
	for i := range vas.Items {
		keep[vas.Items[i].UID] = true
	}
	e.flights.retain(keep)
	keepModels := make(map[ModelKey]bool, len(models))
	for _, m := range models {
		keepModels[ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}] = true
	}
	e.hybrid.retain(keepModels, keep)
	return models, nil
}

// scalerListTimeout bounds the wait for the autoscalers' informers: they sync in well
// under a second when the manager may list them, and never when it may not.
const scalerListTimeout = 10 * time.Second

// scalers lists the HPAs, and the KEDA ScaledObjects when their CRD is installed, whose
// bounds the decisions respect (opts narrow the lists, e.g. to one namespace).
func (e *Engine) scalers(ctx context.Context, opts ...client.ListOption) ([]inventory.Scaler, error) {
	var hpas autoscalingv2.HorizontalPodAutoscalerList
	if err := e.opts.Reader.List(ctx, &hpas, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil, fmt.Errorf("list HorizontalPodAutoscalers: %w", err)
	}
	out := inventory.HPAScalers(hpas.Items)
	gvk := inventory.ScaledObjectGVK
	installed, err := e.installed(gvk)
	if err != nil || !installed {
		return out, err
	}
	var sos unstructured.UnstructuredList
	sos.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err := e.opts.Reader.List(ctx, &sos, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return out, fmt.Errorf("list ScaledObjects: %w", err)
	}
	return append(out, inventory.ScaledObjectScalers(sos.Items)...), nil
}

// decide decides every active model in one call of the core, so that a GPU inventory
// (limited mode) is shared among models in order of need, then applies the decisions and
// returns the writes they need.
func (e *Engine) decide(ctx context.Context, models []*inventory.Model, signals map[ModelKey]ModelSignals, now time.Time, t *tally) []job {
	snaps := make([]decision.Snapshot, len(models))
	sigs := make(map[ModelKey]ModelSignals, len(models))
	byKey := make(map[ModelKey]*inventory.Model, len(models))
	previous := map[types.UID]prior{}
	interval := e.opts.Settings.Interval()
	seen := make(map[ModelKey]bool, len(models))
	for i, m := range models {
		key := ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}
		sig, ok := signals[key]
		if !ok {
			sig = ModelSignals{Status: decision.SignalStatus{Usable: false, Reason: ReasonMetricsMissing}, Message: "the collector returned nothing for this model"}
		}
		sigs[key], byKey[key], seen[key] = sig, m, true
		snaps[i] = Snapshot(m, sig, e.opts.Settings.SaturationFor(m.ModelID, m.Namespace), e.opts.Settings.ZeroFor(m.ModelID, m.Namespace), now)
		snaps[i].Interval = interval
		snaps[i].PeakWindow = e.opts.PeakWindow
		snaps[i].SignalsBackSince = e.recoveries.observe(key, sig.Status.Usable, now)
		e.withFlights(&snaps[i], m, now, previous)
		if e.opts.Hybrid != nil {
			snaps[i].Proactive = e.hybridInput(ctx, m, sig, interval, now)
		}
	}
	published := map[[2]string]bool{}
	defer func() {
		if e.opts.Hybrid != nil {
			e.opts.Metrics.ForgetModelsExcept(published)
		}
	}()
	inputs := make(map[ModelKey]*decision.ProactiveInput, len(snaps))
	for i := range snaps {
		inputs[ModelKey{Namespace: snaps[i].Namespace, ModelID: snaps[i].ModelID}] = snaps[i].Proactive
	}
	e.recoveries.retain(seen)
	free, err := e.freeGPUs(ctx)
	if err != nil {
		log.FromContext(ctx).Error(err, "Cannot read the GPU inventory; scale-ups are not limited this cycle")
	}
	var jobs []job
	for _, r := range decision.DecideCycle(snaps, free) {
		key := ModelKey{Namespace: r.Namespace, ModelID: r.ModelID}
		m := byKey[key]
		logger := log.FromContext(ctx).WithValues("namespace", m.Namespace, "model", m.ModelID)
		d := r.Decision
		if r.Err != nil {
			// A malformed snapshot is a bug on our side; keep every variant where it is.
			logger.Error(r.Err, "Decision failed; applying the safety net")
			if d, err = decision.Decide(safetyNetSnapshot(m, previous, now)); err != nil {
				logger.Error(err, "Safety net failed; variants left untouched")
				continue
			}
		}
		e.applyMu.RLock()
		if e.zero.wokenSince(key, now) {
			// The fast path woke the model after this cycle's snapshot; its answer stands.
			e.applyMu.RUnlock()
			logger.V(1).Info("Decision skipped: the scale-from-zero fast path decided the model during this cycle")
			continue
		}
		if pr := d.Proactive; pr != nil {
			e.hybrid.keep(key, pr.State)
			hm, hv := hybridMetrics(m, inputs[key], pr, now)
			e.opts.Metrics.PublishHybrid(hm, hv)
			published[[2]string{m.Namespace, m.ModelID}] = true
			if !pr.Ran {
				logger.V(1).Info("Model-based optimiser not run", "why", pr.Why)
			}
		}
		for _, j := range e.applyModel(log.IntoContext(ctx, logger), m, d, sigs[key], now, previous, t) {
			jobs = append(jobs, e.unlessWoken(key, now, j))
		}
		e.zero.note(m, d)
		e.applyMu.RUnlock()
	}
	return jobs
}

// withFlights gives each variant of a snapshot the desired count this engine last asked
// its target for (not the cached status, which may lag or may not have landed) and since
// when its change has been in flight, and records per VA the last desired count announced,
// which applying the decision counts a change against.
func (e *Engine) withFlights(s *decision.Snapshot, m *inventory.Model, now time.Time, previous map[types.UID]prior) {
	for i := range s.Variants {
		vs := &s.Variants[i]
		for _, v := range m.Variants {
			if v.VA.Name == vs.Name {
				var announced *int
				vs.PreviousDesired, vs.InFlightSince, announced = e.flights.observe(v, now)
				previous[v.VA.UID] = prior{asked: vs.PreviousDesired, announced: announced}
			}
		}
	}
}

// safetyNetSnapshot is what the safety net decides a model from when its decision failed:
// no usable signals, so every variant holds what its target was last asked for (not the
// last count announced, which lags when a status write failed after a scale landed).
func safetyNetSnapshot(m *inventory.Model, previous map[types.UID]prior, now time.Time) decision.Snapshot {
	snap := Snapshot(m, ModelSignals{Status: decision.SignalStatus{Reason: "AnalysisError"}}, decision.DefaultSaturationConfig(), decision.ZeroConfig{}, now)
	for i := range snap.Variants {
		snap.Variants[i].PreviousDesired = previous[variantUID(m, snap.Variants[i].Name)].asked
	}
	return snap
}

// prior is what a VA's target was last asked for (the safety net's previous desired) and
// the last desired count announced (what a change is counted against).
type prior struct {
	asked, announced *int
}

// variantUID is the UID of the model's VA of that name.
func variantUID(m *inventory.Model, name string) types.UID {
	for _, v := range m.Variants {
		if v.VA.Name == name {
			return v.VA.UID
		}
	}
	return ""
}

// applyModel applies one model's decision, variant by variant, and returns the writes.
func (e *Engine) applyModel(ctx context.Context, m *inventory.Model, d decision.Decision, sig ModelSignals, now time.Time, previous map[types.UID]prior, t *tally) []job {
	byName := map[string]*inventory.Variant{}
	for _, v := range m.Variants {
		byName[v.VA.Name] = v
	}
	var jobs []job
	for i := range d.Variants {
		vd := &d.Variants[i]
		if v := byName[vd.Name]; v != nil {
			jobs = append(jobs, e.apply(ctx, v, vd, &d, sig, now, previous[v.VA.UID].announced, t))
		}
	}
	return jobs
}

// freeGPUs is the cluster's free GPUs per accelerator type in limited mode, else nil (no
// limit).
func (e *Engine) freeGPUs(ctx context.Context) (map[string]int, error) {
	if !e.opts.LimitGPUs {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := e.opts.Reader.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	var pods corev1.PodList
	if err := e.opts.Reader.List(ctx, &pods, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	return inventory.FreeGPUs(nodes.Items, pods.Items), nil
}
