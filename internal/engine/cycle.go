package engine

import (
	"context"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// RunOnce runs one decision cycle: inventory, signals, decisions, actuation. Failures are
// per model or per variant and never stop the cycle; they are logged and reflected in
// status, and a model whose signals failed gets the safety net.
func (e *Engine) RunOnce(ctx context.Context, trigger string) {
	logger := log.FromContext(ctx)
	now := e.opts.Clock.Now()
	models, err := e.inventory(ctx)
	if err != nil {
		logger.Error(err, "Cannot read the inventory from the cache; cycle skipped")
		return
	}
	var active []*inventory.Model
	for _, m := range models {
		actionable := false
		for _, v := range m.Variants {
			if v.Actionable() {
				actionable = true
			} else {
				e.reportNotActionable(ctx, v, now)
			}
		}
		if actionable {
			active = append(active, m)
		}
	}
	signals := map[ModelKey]ModelSignals{}
	if len(active) > 0 {
		signals = e.opts.Signals.Collect(ctx, active, now)
	}
	for _, m := range active {
		key := ModelKey{Namespace: m.Namespace, ModelID: m.ModelID}
		sig, ok := signals[key]
		if !ok {
			sig = ModelSignals{Status: decision.SignalStatus{Usable: false, Reason: ReasonMetricsMissing}, Message: "the collector returned nothing for this model"}
		}
		e.decideModel(ctx, m, sig, now)
	}
	logger.V(1).Info("Decision cycle done", "trigger", trigger, "models", len(active), "duration", e.opts.Clock.Since(now).String())
}

// ReasonMetricsMissing is the MetricsAvailable reason when no signal arrived for a model.
const ReasonMetricsMissing = "MetricsMissing"

func (e *Engine) inventory(ctx context.Context) ([]*inventory.Model, error) {
	var vas v1alpha1.VariantAutoscalingList
	if err := e.opts.Reader.List(ctx, &vas); err != nil {
		return nil, err
	}
	var deps appsv1.DeploymentList
	if err := e.opts.Reader.List(ctx, &deps); err != nil {
		return nil, err
	}
	var pods corev1.PodList
	if err := e.opts.Reader.List(ctx, &pods); err != nil {
		return nil, err
	}
	return inventory.Build(vas.Items, deps.Items, pods.Items), nil
}

// decideModel decides one model and carries out the decision for each of its variants.
func (e *Engine) decideModel(ctx context.Context, m *inventory.Model, sig ModelSignals, now time.Time) {
	logger := log.FromContext(ctx).WithValues("namespace", m.Namespace, "model", m.ModelID)
	snap := Snapshot(m, sig, e.opts.Settings.SaturationFor(m.ModelID, m.Namespace), e.opts.Settings.ZeroFor(m.ModelID, m.Namespace), now)
	d, err := decision.Decide(snap)
	if err != nil {
		// A malformed snapshot is a bug on our side; keep every variant where it is.
		logger.Error(err, "Decision failed; applying the safety net")
		snap.Signals = decision.SignalStatus{Usable: false, Reason: "AnalysisError"}
		if d, err = decision.Decide(snap); err != nil {
			logger.Error(err, "Safety net failed; variants left untouched")
			return
		}
	}
	byName := map[string]*inventory.Variant{}
	for _, v := range m.Variants {
		byName[v.VA.Name] = v
	}
	for i := range d.Variants {
		vd := &d.Variants[i]
		if v := byName[vd.Name]; v != nil {
			e.apply(log.IntoContext(ctx, logger), v, vd, &d, sig, now)
		}
	}
}
