package decision

import (
	"fmt"
	"time"
)

// SaturationVersion selects the saturation analyser a model is decided with.
type SaturationVersion string

const (
	// SaturationV1 is the spare-capacity analyser on KV-cache usage and queue length
	// (the default, "CAPACITY-ONLY").
	SaturationV1 SaturationVersion = "v1"
	// SaturationV2 is the token-based analyser that sizes capacity in KV tokens.
	SaturationV2 SaturationVersion = "v2"
)

// SaturationConfig holds the thresholds of the saturation analysers for one model.
// The configuration layer resolves the ConfigMap's default entry and per-model overrides
// into one of these; the core only ever sees the effective values.
type SaturationConfig struct {
	// Version selects the analyser; empty means SaturationV1.
	Version SaturationVersion `json:"analyzerVersion,omitempty"`
	// KvCacheThreshold marks a replica saturated when its KV-cache usage (0..1) reaches it.
	KvCacheThreshold float64 `json:"kvCacheThreshold"`
	// QueueLengthThreshold marks a replica saturated when its waiting requests reach it.
	QueueLengthThreshold float64 `json:"queueLengthThreshold"`
	// KvSpareTrigger scales up when the average spare KV capacity falls below it.
	KvSpareTrigger float64 `json:"kvSpareTrigger"`
	// QueueSpareTrigger scales up when the average spare queue capacity falls below it.
	QueueSpareTrigger float64 `json:"queueSpareTrigger"`
	// ScaleUpThreshold (v2) is the utilisation of token capacity above which capacity is added.
	ScaleUpThreshold float64 `json:"scaleUpThreshold,omitempty"`
	// ScaleDownBoundary (v2) is the utilisation below which spare capacity is removed.
	ScaleDownBoundary float64 `json:"scaleDownBoundary,omitempty"`
	// ScaleDownMinCoverage (v2) is the fraction of ready replicas that must have reported
	// for capacity to be removed; the others count only as capacity on its way. Zero: default.
	ScaleDownMinCoverage float64 `json:"scaleDownMinCoverage,omitempty"`
	// MaxScaleUpStep (v2) bounds one decision: a variant gains at most
	// max(MaxScaleUpStep, its current replicas) replicas at once. Zero: default.
	MaxScaleUpStep int `json:"maxScaleUpStep,omitempty"`
	// InFlightExpiryIntervals is how many decision intervals a change in flight is kept
	// while the target does not move toward it; then the variant is decided afresh.
	// Zero: default.
	InFlightExpiryIntervals int `json:"inFlightExpiryIntervals,omitempty"`
}

// DefaultSaturationConfig returns the built-in thresholds, used when no ConfigMap says otherwise.
func DefaultSaturationConfig() SaturationConfig {
	return SaturationConfig{
		Version:                 SaturationV1,
		KvCacheThreshold:        0.80,
		QueueLengthThreshold:    5,
		KvSpareTrigger:          0.10,
		QueueSpareTrigger:       3,
		ScaleUpThreshold:        0.85,
		ScaleDownBoundary:       0.70,
		ScaleDownMinCoverage:    DefaultScaleDownMinCoverage,
		MaxScaleUpStep:          DefaultMaxScaleUpStep,
		InFlightExpiryIntervals: DefaultInFlightExpiryIntervals,
	}
}

// Defaults of the settings that bound what one decision may do.
const (
	// DefaultScaleDownMinCoverage: v2 removes capacity only when 80% of ready replicas reported.
	DefaultScaleDownMinCoverage = 0.8
	// DefaultMaxScaleUpStep: v2 adds at most max(4, current) replicas to a variant at once,
	// the same shape as the HPA's default scale-up policy.
	DefaultMaxScaleUpStep = 4
	// DefaultInFlightExpiryIntervals: a change in flight without progress expires after 3
	// intervals.
	DefaultInFlightExpiryIntervals = 3
)

// ZeroConfig says whether a model may be scaled to zero replicas and after how long without
// a successful request.
type ZeroConfig struct {
	// Enabled allows the model to go to zero replicas when idle.
	Enabled bool
	// RetentionPeriod is how long the model must have served no successful request.
	RetentionPeriod time.Duration
}

// DefaultRetentionPeriod is how long a model must be idle before it goes to zero, unless
// configured otherwise.
const DefaultRetentionPeriod = 10 * time.Minute

// ConfigError is one saturation setting that breaks a rule: the key, its value and what to
// do about it, so the operator can fix the ConfigMap without reading code.
type ConfigError struct {
	// Key is the setting, e.g. queueLengthThreshold.
	Key string
	// Value is the offending value as written.
	Value any
	// Rule says what the value must be and why.
	Rule string
	// Fix says what to set instead.
	Fix string
}

// Error renders "<key> <rule>, got <value>; <fix>".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s %s, got %v; %s", e.Key, e.Rule, e.Value, e.Fix)
}
