package decision

import "time"

// Snapshot is everything the core knows about one model in one namespace at one instant.
// The engine (or the simulator) builds it; the core never looks anywhere else.
type Snapshot struct {
	// ModelID is the OpenAI-API model name the variants serve.
	ModelID string
	// Namespace scopes the model: the same model ID in two namespaces is two models.
	Namespace string
	// Variants are the deployments that can serve the model; names must be unique.
	Variants []VariantState
	// Replicas are per-replica signals; replicas naming an unknown variant are ignored.
	Replicas []ReplicaSignals
	// Signals says whether the collector could produce usable signals at all.
	Signals SignalStatus
	// Saturation is the effective saturation configuration for this model.
	Saturation SaturationConfig
	// Zero is the effective scale-to-zero configuration for this model.
	Zero ZeroConfig
	// FreeGPUs is the free GPU count per accelerator type; nil means no GPU limit.
	// Accelerator types absent from a non-nil map are not limited.
	FreeGPUs map[string]int
	// WaitingDemand is the number of requests waiting upstream (gateway flow control)
	// for this model; it drives scale from zero.
	WaitingDemand Demand
	// SuccessWindow is the window ReplicaSignals.SuccessCount covers; the zero policy only
	// trusts counts whose window covers the retention period. Zero means unknown.
	SuccessWindow time.Duration
	// ModelSuccesses is the number of requests the model served successfully during
	// SuccessWindow, counted over every series of the model, including Pods that are gone
	// (a rolling restart); the zero policy never reads fewer successes than this.
	ModelSuccesses float64
	// MaxSampleAge, when positive, excludes replica samples older than it (or of unknown
	// age) from the analysis. Zero disables the check.
	MaxSampleAge time.Duration
	// SignalsBackSince is when the model's signals became usable again after they last
	// failed (the metrics source down, a cycle past its deadline, no replica reporting);
	// zero when the decider saw no failure. Until PeakWindow has passed since, no variant
	// is scaled down, and until the retention period has, the model is not scaled to zero:
	// the windows the analysis reads do not hold data yet.
	SignalsBackSince time.Time
	// PeakWindow is the window the saturation peaks are taken over (1m by default); zero
	// disables the wait after a failure.
	PeakWindow time.Duration
	// Interval is the decision interval; a change in flight expires after
	// SaturationConfig.InFlightExpiryIntervals of them without progress. Zero: never.
	Interval time.Duration
	// Now is the decision time; the core never reads a clock.
	Now time.Time
	// Proactive, when set, runs the HYBRID mode for this model: the model-based
	// optimiser after the saturation analyser, whose answer stays a floor. Nil is
	// CAPACITY-ONLY, the default.
	Proactive *ProactiveInput
}

// VariantState is one variant (one scale target) of the model as the inventory sees it.
type VariantState struct {
	// Name identifies the variant (the VariantAutoscaling name); unique within the model.
	Name string
	// Accelerator is the GPU type the variant runs on, used by the GPU limiter and reasons.
	Accelerator string
	// Cost is the cost per replica (spec.variantCost); cheaper variants scale up first.
	Cost float64
	// CurrentReplicas is the replica count the target has now (spec of the scale target).
	CurrentReplicas int
	// ReadyReplicas is how many replicas are ready (report metrics); the rest are pending.
	ReadyReplicas int
	// Leaving is how many Ready replicas the target has above CurrentReplicas: a scale-down
	// written that the ReplicaSet has not carried out yet. Their samples still arrive, and
	// further scale-downs wait until they are gone.
	Leaving int
	// PreviousDesired is the desired count WVA published last time; nil when never set.
	// When set and different from CurrentReplicas a change is in flight and is kept until
	// it expires (see InFlightSince).
	PreviousDesired *int
	// InFlightSince is when the change to PreviousDesired was published or the target last
	// moved toward it, whichever is later (see Progress); zero means unknown, which never
	// expires. A change in flight for SaturationConfig.InFlightExpiryIntervals intervals
	// without progress expires: the variant is decided afresh from PreviousDesired.
	InFlightSince time.Time
	// Scaler is the HPA or KEDA ScaledObject that scales the same target, if any: its
	// bounds are the target's real bounds, so the desired count is clamped to them.
	Scaler *ScalerBounds
	// GPUsPerReplica is how many GPUs one replica needs, for the GPU limiter.
	GPUsPerReplica int
	// MinReplicas optionally bounds the desired count from below.
	MinReplicas *int
	// MaxReplicas optionally bounds the desired count from above.
	MaxReplicas *int
	// TokenCapacity (v2) optionally caps one replica's token capacity (an observed or
	// derived compute-bound capacity); zero means derive it from the KV cache alone.
	TokenCapacity float64
}

// ReplicaSignals are the signals of one replica (one pod), as the collector sampled them.
type ReplicaSignals struct {
	// Variant names the variant the pod belongs to.
	Variant string
	// Pod is the pod name, used for ordering and diagnostics.
	Pod string
	// KvCacheUsage is the KV-cache usage fraction, 0..1.
	KvCacheUsage float64
	// Waiting is the number of requests queued in the server.
	Waiting float64
	// Running is the number of requests being served.
	Running float64
	// NumGPUBlocks is the KV-cache size in blocks (v2).
	NumGPUBlocks int64
	// BlockSize is the number of tokens per KV block (v2).
	BlockSize int64
	// AvgInputTokens is the average prompt length, to turn queued requests into tokens (v2).
	AvgInputTokens float64
	// AvgOutputTokens is the average generation length, reported for diagnostics.
	AvgOutputTokens float64
	// SuccessCount is the number of requests that succeeded during Snapshot.SuccessWindow.
	SuccessCount float64
	// SampleTime is when the sample was taken; zero means unknown.
	SampleTime time.Time
}

// SignalStatus says whether the per-replica signals can be trusted at all.
type SignalStatus struct {
	// Usable is false when the collector failed; the safety net then decides.
	Usable bool
	// Reason is the collector's reason when not usable, e.g. "PrometheusError",
	// "MetricsMissing" or "MetricsStale".
	Reason string
}

// Demand is a count of requests waiting for a model that may be unknown.
type Demand struct {
	// Known is false when no upstream source reported; unknown demand never wakes a model.
	Known bool
	// Requests is the number of waiting requests when Known.
	Requests int
	// Failure says why a configured source of the demand could not be read. Requests
	// might be waiting, so the zero policy does not apply while it is set.
	Failure string
}

// ScalerBounds are the replica bounds of an autoscaler that acts on the same target (an
// autoscaling/v2 HorizontalPodAutoscaler or a KEDA ScaledObject). The target never leaves
// them, so a desired count outside them would stay in flight for ever.
type ScalerBounds struct {
	// Kind is "HorizontalPodAutoscaler" or "ScaledObject", for reasons.
	Kind string
	// Name is the autoscaler's name, for reasons.
	Name string
	// MinReplicas is the autoscaler's lower bound (HPA default 1, ScaledObject default 0).
	MinReplicas int
	// MaxReplicas is the autoscaler's upper bound.
	MaxReplicas int
}
