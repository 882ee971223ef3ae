package engine

import (
	"context"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// ModelKey names one model in one namespace.
type ModelKey struct {
	// Namespace of the model's VAs.
	Namespace string
	// ModelID is spec.modelID.
	ModelID string
}

// ModelSignals are the collector's answer for one model.
type ModelSignals struct {
	// Replicas are per-pod signals, each naming its variant (the VA name).
	Replicas []decision.ReplicaSignals
	// Status says whether the signals are usable, and if not, why (PrometheusError,
	// MetricsMissing, MetricsStale).
	Status decision.SignalStatus
	// Message explains Status for a person (the MetricsAvailable condition message).
	Message string
	// SuccessWindow is the window Replicas' SuccessCount covers.
	SuccessWindow time.Duration
	// ModelSuccesses counts the model's successful requests over SuccessWindow across
	// every series, Pods that are gone included; meaningful when SuccessWindow is set.
	ModelSuccesses float64
	// Demand is the number of requests waiting upstream for the model, if known.
	Demand decision.Demand
	// Load is the model's traffic over the load window (HYBRID mode only).
	Load ModelLoad
	// Variants is the health of each variant's data by VA name, for its MetricsAvailable
	// condition; a variant absent here takes the model's Status and Message.
	Variants map[string]VariantHealth
}

// VariantHealth is whether one variant's signals were usable, and why.
type VariantHealth struct {
	// Usable is false when the variant's replicas did not report usable signals.
	Usable bool
	// Reason is the MetricsAvailable reason.
	Reason string
	// Message explains Reason for a person.
	Message string
}

// Signals is what the engine needs of a collector: signals for a set of models, at once.
// Implementations must report missing or stale data as unusable, never as zero load.
type Signals interface {
	Collect(ctx context.Context, models []*inventory.Model, now time.Time) map[ModelKey]ModelSignals
}

// Settings is what the engine needs of the configuration in force.
type Settings interface {
	// Interval is the optimisation interval.
	Interval() time.Duration
	// IntervalChanges delivers a new interval when it changes.
	IntervalChanges() (<-chan time.Duration, func())
	// Changes signals any change of the dynamic configuration.
	Changes() (<-chan struct{}, func())
	// SaturationFor is the saturation configuration of one model.
	SaturationFor(modelID, namespace string) decision.SaturationConfig
	// ZeroFor is the scale-to-zero policy of one model.
	ZeroFor(modelID, namespace string) decision.ZeroConfig
}

// HybridSettings is what the engine needs of the configuration in HYBRID mode.
type HybridSettings interface {
	// ServiceClassesFor is the service classes of one model (serviceclass ConfigMap).
	ServiceClassesFor(modelID string) []decision.ServiceClass
	// PriorFor is the performance prior of a model's variant on an accelerator
	// (performance-prior-config ConfigMap).
	PriorFor(modelID, accelerator string) (Prior, bool)
}
