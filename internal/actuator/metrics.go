package actuator

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
)

// Metric names and labels of what WVA emits; HPA and KEDA manifests refer to them.
const (
	MetricCurrentReplicas = "wva_current_replicas"
	MetricDesiredReplicas = "wva_desired_replicas"
	MetricDesiredRatio    = "wva_desired_ratio"
	MetricScalingTotal    = "wva_replica_scaling_total"
	MetricLastDecision    = "wva_last_decision_timestamp_seconds"

	LabelVariant     = "variant_name"
	LabelNamespace   = "namespace"
	LabelAccelerator = "accelerator_type"
	LabelInstance    = "controller_instance"
	LabelDirection   = "direction"
	LabelReason      = "reason"
)

// Variant identifies the series of one variant, and the objects whose existence they
// stand for.
type Variant struct {
	// Name is the VariantAutoscaling's name (variant_name).
	Name string
	// Namespace is the VariantAutoscaling's namespace.
	Namespace string
	// Accelerator is the variant's accelerator type (accelerator_type).
	Accelerator string
	// UID is the VariantAutoscaling's UID: a VA re-created under the same name is another.
	UID types.UID
	// Target is the name of the Deployment the VA scales.
	Target string
}

// Liveness reports whether a variant's VA (that very object) and its target still exist,
// as far as the controller knows (its informer cache).
type Liveness func(v Variant) bool

// Metrics owns the wva_* series. One per controller. The series of a variant are removed
// with Forget when its VA or target goes, and never set again for a VA or target that is
// gone: every write asks Liveness under the lock Forget takes, so a decision cycle that
// started before a deletion cannot bring the series back after Forget removed them, and an
// HPA left behind never follows a stale value.
type Metrics struct {
	current, desired, ratio *prometheus.GaugeVec
	lastDecision            *prometheus.GaugeVec
	scaling                 *prometheus.CounterVec
	live                    Liveness
	hybrid                  *hybridMetrics

	mu    sync.Mutex        // serialises writes with Forget
	accel map[string]string // namespace/name → accelerator label last published
}

// NewMetrics creates the series; instance, when not empty, becomes the constant
// controller_instance label, so several WVA installs can share one Prometheus. live is
// asked before every write (nil: every variant is live).
func NewMetrics(instance string, live Liveness) *Metrics {
	var constLabels prometheus.Labels
	if instance != "" {
		constLabels = prometheus.Labels{LabelInstance: instance}
	}
	variantLabels := []string{LabelVariant, LabelNamespace, LabelAccelerator}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: constLabels}, variantLabels)
	}
	if live == nil {
		live = func(Variant) bool { return true }
	}
	return &Metrics{
		hybrid:  newHybridMetrics(constLabels),
		accel:   map[string]string{},
		live:    live,
		current: gauge(MetricCurrentReplicas, "Replicas the variant's target has, as WVA last saw it."),
		desired: gauge(MetricDesiredReplicas, "Replicas WVA decided the variant needs; the HPA/KEDA target."),
		ratio:   gauge(MetricDesiredRatio, "Desired over current replicas (desired when current is 0)."),
		lastDecision: gauge(MetricLastDecision, "Unix time of the variant's last decision on usable signals (not the safety net): "+
			"the exact time status.desiredOptimizedAlloc.lastRunTime stands for, which is written only on change or heartbeat."),
		scaling: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricScalingTotal, Help: "Scaling decisions that changed a variant's desired replicas, by direction and reason.",
			ConstLabels: constLabels,
		}, append(variantLabels, LabelDirection, LabelReason)),
	}
}

// Collectors returns the collectors to register with the metrics registry the manager serves.
func (m *Metrics) Collectors() []prometheus.Collector {
	return append([]prometheus.Collector{m.current, m.desired, m.ratio, m.lastDecision, m.scaling}, m.hybrid.collectors()...)
}

// PublishHybrid sets the HYBRID mode's series of one model and its variants.
// A variant whose VA or target is gone is skipped (its series were removed).
func (m *Metrics) PublishHybrid(model HybridModel, variants []HybridVariant) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hybrid.publishModel(model)
	for _, v := range variants {
		if m.live(v.Variant) {
			m.hybrid.publishVariant(v)
		}
	}
}

// ForgetModelsExcept removes the HYBRID forecast series of every model not in keep
// (namespace, model ID), e.g. when a model's last variant goes.
func (m *Metrics) ForgetModelsExcept(keep map[[2]string]bool) {
	m.hybrid.forgetModelsExcept(keep)
}

// Publish sets the gauges of one variant, or, when its VA or target is gone, removes its
// series instead; it reports whether it set them. A changed accelerator replaces the old
// series.
func (m *Metrics) Publish(v Variant, current, desired int) bool {
	return m.publish(v, current, desired, time.Time{})
}

// PublishDecided is Publish for a decision made at on usable signals (not the safety
// net): it also sets wva_last_decision_timestamp_seconds, under the same check.
func (m *Metrics) PublishDecided(v Variant, current, desired int, at time.Time) bool {
	return m.publish(v, current, desired, at)
}

func (m *Metrics) publish(v Variant, current, desired int, decidedAt time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.live(v) {
		m.forget(v.Name, v.Namespace)
		return false
	}
	m.forgetOtherAccelerators(v)
	lv := []string{v.Name, v.Namespace, v.Accelerator}
	m.current.WithLabelValues(lv...).Set(float64(current))
	m.desired.WithLabelValues(lv...).Set(float64(desired))
	ratio := float64(desired)
	if current > 0 {
		ratio = float64(desired) / float64(current)
	}
	m.ratio.WithLabelValues(lv...).Set(ratio)
	if !decidedAt.IsZero() {
		m.lastDecision.WithLabelValues(lv...).Set(float64(decidedAt.UnixNano()) / 1e9)
	}
	return true
}

// CountScaling adds one to wva_replica_scaling_total for a decision that changed the
// desired replicas in direction ("up" or "down") for reason (the analyser that decided),
// unless the variant's VA or target is gone.
func (m *Metrics) CountScaling(v Variant, direction, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.live(v) {
		m.forget(v.Name, v.Namespace)
		return
	}
	m.scaling.WithLabelValues(v.Name, v.Namespace, v.Accelerator, direction, reason).Inc()
}

// Forget removes every series of the variant, so nothing acts on a value for a VA or
// target that no longer exists.
func (m *Metrics) Forget(name, namespace string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forget(name, namespace)
}

// forget removes a variant's series; the caller holds the lock.
func (m *Metrics) forget(name, namespace string) {
	match := prometheus.Labels{LabelVariant: name, LabelNamespace: namespace}
	m.current.DeletePartialMatch(match)
	m.desired.DeletePartialMatch(match)
	m.ratio.DeletePartialMatch(match)
	m.lastDecision.DeletePartialMatch(match)
	m.scaling.DeletePartialMatch(match)
	m.hybrid.forgetVariant(match)
	delete(m.accel, namespace+"/"+name)
}

// forgetOtherAccelerators drops the gauges a variant had under another accelerator label;
// the caller holds the lock.
func (m *Metrics) forgetOtherAccelerators(v Variant) {
	key := v.Namespace + "/" + v.Name
	if old, ok := m.accel[key]; ok && old != v.Accelerator {
		for _, g := range []*prometheus.GaugeVec{m.current, m.desired, m.ratio, m.lastDecision} {
			g.DeleteLabelValues(v.Name, v.Namespace, old)
		}
		m.hybrid.forgetVariant(prometheus.Labels{LabelVariant: v.Name, LabelNamespace: v.Namespace, LabelAccelerator: old})
	}
	m.accel[key] = v.Accelerator
}
