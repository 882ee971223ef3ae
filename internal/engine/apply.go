package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/api/v1alpha1"
	"github.com/workload-variant-autoscaler/wva/internal/actuator"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
	"github.com/workload-variant-autoscaler/wva/internal/status"
)

// Condition reasons the engine sets besides the API's own.
const (
	// ReasonMetricsAvailable means signals were read and used.
	ReasonMetricsAvailable = "MetricsFound"
	// ReasonTargetConflict means another VA claims the same target; neither is acted on.
	ReasonTargetConflict = "MultipleVariantAutoscalings"
	// ReasonUnsupportedTarget means scaleTargetRef is not an apps/v1 Deployment.
	ReasonUnsupportedTarget = "UnsupportedTargetKind"
	// ReasonDesiredChanged is the event reason when a variant's desired replicas change.
	ReasonDesiredChanged = "DesiredReplicasChanged"
)

// LogSafetyNet is the log message of a safety-net decision, as the configuration guide
// tells operators to grep for it; its keys are variant, currentReplicas, desiredReplicas
// and fallbackSource.
const LogSafetyNet = "Safety net activated: emitted fallback metrics"

// apply carries out one variant's decision. What costs nothing is done at once: the
// wva_* series and the decision's log line. What costs API requests — scaling the target
// in direct mode, the status write, then the event and count of a change — is returned as
// a job for the cycle's bounded pool of writers. previous is the desired count this engine
// last announced for the variant (see flights), nil when it never announced one: a change
// is counted and announced once, when its status write succeeded, never again by a later
// cycle that reads a stale cache. When the status write fails after the target was asked
// (the scale write landed, or the metric is published), what it was asked for is remembered
// all the same, so the next cycle does not ask for the old count again.
func (e *Engine) apply(ctx context.Context, v *inventory.Variant, vd *decision.VariantDecision, d *decision.Decision, sig ModelSignals, now time.Time, previous *int, t *tally) job {
	logger := log.FromContext(ctx).WithValues("variant", v.VA.Name)
	e.markDrain(log.IntoContext(ctx, logger), v, vd, sig)
	mv := actuator.Variant{Name: v.VA.Name, Namespace: v.VA.Namespace, Accelerator: v.Accelerator, UID: v.VA.UID, Target: v.Target.Name}
	if d.SafetyNet {
		e.opts.Metrics.Publish(mv, vd.CurrentReplicas, vd.DesiredReplicas)
	} else {
		e.opts.Metrics.PublishDecided(mv, vd.CurrentReplicas, vd.DesiredReplicas, now)
	}

	if d.SafetyNet {
		logger.Info(LogSafetyNet,
			"currentReplicas", vd.CurrentReplicas, "desiredReplicas", vd.DesiredReplicas,
			"fallbackSource", string(vd.FallbackSource), "reason", vd.Reason)
	} else {
		logger.Info(MsgScalingDecision, "analyzer", string(d.Analysis.Analyzer), "action", string(vd.Action),
			"currentReplicas", vd.CurrentReplicas, "readyReplicas", vd.ReadyReplicas, "desiredReplicas", vd.DesiredReplicas,
			"reason", vd.Reason, "zeroPolicy", d.Analysis.ZeroPolicy)
	}
	changed := previous == nil || *previous != vd.DesiredReplicas
	t.decided(vd.Action, d.SafetyNet, changed)

	pm := e.performanceModel(v, d)
	return func(ctx context.Context) {
		applied := e.scale(ctx, logger, v, vd)
		stamp := metav1.NewTime(now)
		res, err := e.opts.Status.Update(ctx, v.VA, now, func(st *v1alpha1.VariantAutoscalingStatus) {
			st.CurrentReplicas = ptr.To(replicas32(vd.CurrentReplicas))
			if changed || st.DesiredOptimizedAlloc.LastRunTime == nil || !d.SafetyNet {
				st.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{
					Accelerator: v.Accelerator, NumReplicas: ptr.To(replicas32(vd.DesiredReplicas)), LastRunTime: &stamp,
				}
			}
			st.Actuation.Applied = applied
			if pm != nil {
				st.PerformanceModel = pm
			}
			status.SetCondition(st, v1alpha1.ConditionReady, true, v1alpha1.ReasonTargetFound, readyMessage(v, vd), v.VA.Generation, stamp)
			setMetricsCondition(st, variantHealth(sig, v.VA.Name), v.VA.Generation, stamp)
		})
		t.written(res.Wrote, err)
		if err != nil {
			logger.Error(err, "Cannot write status")
			if applied || e.opts.Scaler == nil {
				// The target was asked all the same (scaled directly, or the metric an
				// HPA follows published): the next cycle must not ask for the old count.
				e.flights.asked(v, vd.DesiredReplicas, now)
			}
			return
		}
		if res.VA == nil {
			return // the VA is gone
		}
		e.flights.published(v, vd.DesiredReplicas, now)
		if changed && previous != nil {
			dir := "up"
			if vd.DesiredReplicas < *previous {
				dir = "down"
			}
			e.opts.Metrics.CountScaling(mv, dir, string(d.Analysis.Analyzer))
		}
		if changed {
			from := "unset"
			if previous != nil {
				from = fmt.Sprint(*previous)
			}
			e.opts.Status.Event(res.VA, "Normal", ReasonDesiredChanged, "Decide",
				fmt.Sprintf("Desired replicas %s -> %d: %s", from, vd.DesiredReplicas, vd.Reason))
		}
	}
}

// scale sets the target's replicas in direct mode and reports whether the decision is
// applied (false in metrics mode, where an HPA or KEDA acts).
func (e *Engine) scale(ctx context.Context, logger logr.Logger, v *inventory.Variant, vd *decision.VariantDecision) bool {
	if e.opts.Scaler == nil || v.Target == nil {
		return false
	}
	done, err := e.opts.Scaler.Scale(ctx, v.Target, replicas32(vd.DesiredReplicas))
	if err != nil {
		logger.Error(err, "Direct scaling failed", "desiredReplicas", vd.DesiredReplicas)
		return false
	}
	if done {
		logger.Info(MsgScaledDirectly, "target", v.Target.Name, "from", vd.CurrentReplicas, "to", vd.DesiredReplicas)
	}
	return true
}

// performanceModel is what the HYBRID mode has learned about the variant, for its
// status; nil when it has learned nothing (or runs in CAPACITY-ONLY mode).
func (e *Engine) performanceModel(v *inventory.Variant, d *decision.Decision) *v1alpha1.PerformanceModelStatus {
	if d.Proactive == nil {
		return nil
	}
	st, ok := d.Proactive.State.Variants[v.VA.Name]
	if !ok || !st.Known() {
		return nil
	}
	return modelStatus(st, e.hybrid.startupOf(v.VA.UID))
}

// readyMessage is the Ready condition's message: the target and the last decision.
func readyMessage(v *inventory.Variant, vd *decision.VariantDecision) string {
	msg := fmt.Sprintf("Target deployment '%s' found; desired %d (%s): %s", v.Target.Name, vd.DesiredReplicas, vd.Action, vd.Reason)
	if v.AcceleratorFrom == inventory.FromNowhere {
		msg += fmt.Sprintf("; accelerator unknown: set the label %s on the VA or a %s node selector on the pod template", inventory.AcceleratorLabel, inventory.GPUProductLabel)
	}
	return msg
}

// variantHealth is the variant's own data health, or the model's when the collector gave
// none for the variant.
func variantHealth(sig ModelSignals, name string) VariantHealth {
	if h, ok := sig.Variants[name]; ok {
		return h
	}
	return VariantHealth{Usable: sig.Status.Usable, Reason: sig.Status.Reason, Message: sig.Message}
}

func setMetricsCondition(st *v1alpha1.VariantAutoscalingStatus, h VariantHealth, gen int64, now metav1.Time) {
	reason, msg := h.Reason, h.Message
	if h.Usable {
		if reason == "" {
			reason = ReasonMetricsAvailable
		}
		if msg == "" {
			msg = "Signals of the variant's replicas were read"
		}
		status.SetCondition(st, v1alpha1.ConditionMetricsAvailable, true, reason, msg, gen, now)
		return
	}
	if reason == "" {
		reason = ReasonMetricsMissing
	}
	status.SetCondition(st, v1alpha1.ConditionMetricsAvailable, false, reason, msg, gen, now)
}

// reportNotActionable removes the series of a variant WVA cannot act on at once and
// returns the job that says why in its status.
func (e *Engine) reportNotActionable(v *inventory.Variant, now time.Time, t *tally) job {
	e.opts.Metrics.Forget(v.VA.Name, v.VA.Namespace)
	t.notActionable()
	reason, msg := v1alpha1.ReasonDeploymentNotFound, v1alpha1.DeploymentNotFoundMessage(v.VA.Spec.ScaleTargetRef.Name)
	switch {
	case v.UnsupportedKind != "":
		reason, msg = ReasonUnsupportedTarget, fmt.Sprintf("scaleTargetRef %s '%s' is not supported: WVA scales apps/v1 Deployments", v.UnsupportedKind, v.VA.Spec.ScaleTargetRef.Name)
	case len(v.ConflictsWith) > 0:
		reason, msg = ReasonTargetConflict, fmt.Sprintf("Target deployment '%s' is also claimed by VariantAutoscaling %s; WVA acts on neither until only one remains", v.VA.Spec.ScaleTargetRef.Name, strings.Join(v.ConflictsWith, ", "))
	}
	return func(ctx context.Context) {
		stamp := metav1.NewTime(now)
		res, err := e.opts.Status.Update(ctx, v.VA, now, func(st *v1alpha1.VariantAutoscalingStatus) {
			if reason == v1alpha1.ReasonDeploymentNotFound {
				st.DesiredOptimizedAlloc = v1alpha1.OptimizedAlloc{}
				st.CurrentReplicas = nil
				st.Actuation.Applied = false
			}
			status.SetCondition(st, v1alpha1.ConditionReady, false, reason, msg, v.VA.Generation, stamp)
		})
		t.written(res.Wrote, err)
		if err != nil {
			log.FromContext(ctx).Error(err, "Cannot write status", "variant", v.VA.Name, "namespace", v.VA.Namespace)
		}
	}
}
