package actuator

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names and labels of what WVA emits; HPA and KEDA manifests refer to them.
const (
	MetricCurrentReplicas = "wva_current_replicas"
	MetricDesiredReplicas = "wva_desired_replicas"
	MetricDesiredRatio    = "wva_desired_ratio"
	MetricScalingTotal    = "wva_replica_scaling_total"

	LabelVariant     = "variant_name"
	LabelNamespace   = "namespace"
	LabelAccelerator = "accelerator_type"
	LabelInstance    = "controller_instance"
	LabelDirection   = "direction"
	LabelReason      = "reason"
)

// Variant identifies the series of one variant.
type Variant struct {
	// Name is the VariantAutoscaling's name (variant_name).
	Name string
	// Namespace is the VariantAutoscaling's namespace.
	Namespace string
	// Accelerator is the variant's accelerator type (accelerator_type).
	Accelerator string
}

// Metrics owns the wva_* series. One per controller; series of a variant are removed
// with Forget when its VA or target goes, so an HPA never acts on a stale value.
type Metrics struct {
	current, desired, ratio *prometheus.GaugeVec
	scaling                 *prometheus.CounterVec

	mu    sync.Mutex
	accel map[string]string // namespace/name → accelerator label last published
}

// NewMetrics creates the series; instance, when not empty, becomes the constant
// controller_instance label, so several WVA installs can share one Prometheus.
func NewMetrics(instance string) *Metrics {
	var constLabels prometheus.Labels
	if instance != "" {
		constLabels = prometheus.Labels{LabelInstance: instance}
	}
	variantLabels := []string{LabelVariant, LabelNamespace, LabelAccelerator}
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: constLabels}, variantLabels)
	}
	return &Metrics{
		accel:   map[string]string{},
		current: gauge(MetricCurrentReplicas, "Replicas the variant's target has, as WVA last saw it."),
		desired: gauge(MetricDesiredReplicas, "Replicas WVA decided the variant needs; the HPA/KEDA target."),
		ratio:   gauge(MetricDesiredRatio, "Desired over current replicas (desired when current is 0)."),
		scaling: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricScalingTotal, Help: "Scaling decisions that changed a variant's desired replicas, by direction and reason.",
			ConstLabels: constLabels,
		}, append(variantLabels, LabelDirection, LabelReason)),
	}
}

// Collectors returns the collectors to register with the metrics registry the manager serves.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.current, m.desired, m.ratio, m.scaling}
}

// Publish sets the gauges of one variant. A changed accelerator replaces the old series.
func (m *Metrics) Publish(v Variant, current, desired int) {
	m.forgetOtherAccelerators(v)
	lv := []string{v.Name, v.Namespace, v.Accelerator}
	m.current.WithLabelValues(lv...).Set(float64(current))
	m.desired.WithLabelValues(lv...).Set(float64(desired))
	ratio := float64(desired)
	if current > 0 {
		ratio = float64(desired) / float64(current)
	}
	m.ratio.WithLabelValues(lv...).Set(ratio)
}

// CountScaling adds one to wva_replica_scaling_total for a decision that changed the
// desired replicas in direction ("up" or "down") for reason (the analyser that decided).
func (m *Metrics) CountScaling(v Variant, direction, reason string) {
	m.scaling.WithLabelValues(v.Name, v.Namespace, v.Accelerator, direction, reason).Inc()
}

// Forget removes every series of the variant, so nothing acts on a value for a VA or
// target that no longer exists.
func (m *Metrics) Forget(name, namespace string) {
	match := prometheus.Labels{LabelVariant: name, LabelNamespace: namespace}
	m.current.DeletePartialMatch(match)
	m.desired.DeletePartialMatch(match)
	m.ratio.DeletePartialMatch(match)
	m.scaling.DeletePartialMatch(match)
	m.mu.Lock()
	delete(m.accel, namespace+"/"+name)
	m.mu.Unlock()
}

// forgetOtherAccelerators drops the gauges a variant had under another accelerator label.
func (m *Metrics) forgetOtherAccelerators(v Variant) {
	key := v.Namespace + "/" + v.Name
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.accel[key]; ok && old != v.Accelerator {
		for _, g := range []*prometheus.GaugeVec{m.current, m.desired, m.ratio} {
			g.DeleteLabelValues(v.Name, v.Namespace, old)
		}
	}
	m.accel[key] = v.Accelerator
}
