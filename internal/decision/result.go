package decision

// Action is what a variant's target has to do to reach the desired replicas.
type Action string

const (
	// ActionScaleUp means desired > current replicas.
	ActionScaleUp Action = "up"
	// ActionScaleDown means desired < current replicas.
	ActionScaleDown Action = "down"
	// ActionHold means desired == current replicas.
	ActionHold Action = "hold"
)

// FallbackSource names where a safety-net decision took its desired replicas from; the
// guide's log line prints it as fallbackSource.
type FallbackSource string

const (
	// FallbackPreviousDesired means the desired count published last time was kept.
	FallbackPreviousDesired FallbackSource = "previous-desired"
	// FallbackCurrentReplicas means there was no previous desired, so current was kept.
	FallbackCurrentReplicas FallbackSource = "current-replicas"
)

// AnalyzerKind names which rule produced a decision, for logs, status and metrics.
type AnalyzerKind string

const (
	// AnalyzerSaturationV1 is the spare-capacity analyser (KV usage and queue length).
	AnalyzerSaturationV1 AnalyzerKind = "saturation-v1"
	// AnalyzerSaturationV2 is the token-capacity analyser.
	AnalyzerSaturationV2 AnalyzerKind = "saturation-v2"
	// AnalyzerScaleToZero means the zero policy found the model idle (HYBRID may still
	// keep one replica warm when a cold start would cost too much; the reason says so).
	AnalyzerScaleToZero AnalyzerKind = "scale-to-zero"
	// AnalyzerScaleFromZero means the model sat at zero and the decision concerned waking it.
	AnalyzerScaleFromZero AnalyzerKind = "scale-from-zero"
	// AnalyzerSafetyNet means no analyser could run and the safety net decided.
	AnalyzerSafetyNet AnalyzerKind = "safety-net"
)

// Decision is the core's answer for one model in one namespace.
type Decision struct {
	// ModelID echoes the snapshot's model.
	ModelID string
	// Namespace echoes the snapshot's namespace.
	Namespace string
	// Variants holds one decision per variant, sorted by variant name.
	Variants []VariantDecision
	// Analysis holds the model-level figures the decision rests on.
	Analysis Analysis
	// SafetyNet is true when the decision is a fallback because signals or configuration
	// were unusable; each variant then names its FallbackSource.
	SafetyNet bool
	// Reason summarises the model-level outcome in one sentence.
	Reason string
	// Proactive is the model-based optimiser's side of a HYBRID decision, with the
	// learned state to pass back next cycle; nil in CAPACITY-ONLY mode.
	Proactive *ProactiveOutcome
}

// VariantDecision is the decision for one variant.
type VariantDecision struct {
	// Name is the variant name.
	Name string
	// Accelerator echoes the variant's accelerator type.
	Accelerator string
	// Cost echoes the variant's cost per replica.
	Cost float64
	// CurrentReplicas echoes the replicas the target has now.
	CurrentReplicas int
	// ReadyReplicas echoes the ready replicas.
	ReadyReplicas int
	// DesiredReplicas is the answer: how many replicas the target should have.
	DesiredReplicas int
	// Action compares DesiredReplicas with CurrentReplicas.
	Action Action
	// Reason says, for a person, which signal and threshold decided, or why nothing changed.
	Reason string
	// InFlight is true when a previous desired different from current was kept: the
	// action then continues an earlier decision rather than making a new one.
	InFlight bool
	// FallbackSource is set only on safety-net decisions.
	FallbackSource FallbackSource
	// BoundedBy names the bound that changed the answer or held the variant, e.g.
	// "maxReplicas" (the VA's) or "ScaledObject llama-a100 maxReplicaCount".
	BoundedBy string
	// GPUShortfall is the number of replicas the GPU limiter could not grant.
	GPUShortfall int
}

// Analysis holds model-level figures for logs, status and metrics. Fields that the
// analyser that ran does not compute stay zero.
type Analysis struct {
	// Analyzer names the rule that decided.
	Analyzer AnalyzerKind
	// SampledReplicas is the number of replica samples the analysis used.
	SampledReplicas int
	// ExcludedReplicas counts samples dropped: unknown variant, invalid values or stale.
	ExcludedReplicas int
	// SaturatedReplicas counts sampled replicas at or above a saturation threshold (v1).
	SaturatedReplicas int
	// NonSaturatedReplicas counts the others (v1).
	NonSaturatedReplicas int
	// AvgSpareKv is the mean spare KV fraction over non-saturated replicas (v1).
	AvgSpareKv float64
	// AvgSpareQueue is the mean spare queue length over non-saturated replicas (v1).
	AvgSpareQueue float64
	// SpareKvAfterRemoval is the spare KV if one replica were removed (v1, N >= 2).
	SpareKvAfterRemoval float64
	// SpareQueueAfterRemoval is the spare queue if one replica were removed (v1, N >= 2).
	SpareQueueAfterRemoval float64
	// ScaleUpNeeded is true when the analyser asked for more capacity.
	ScaleUpNeeded bool
	// ScaleDownSafe is true when the analyser judged removing capacity safe.
	ScaleDownSafe bool
	// DemandTokens is the token demand of the model (v2).
	DemandTokens float64
	// SupplyTokens is the token capacity of ready replicas (v2).
	SupplyTokens float64
	// AnticipatedSupplyTokens adds the capacity of pending replicas (v2).
	AnticipatedSupplyTokens float64
	// RequiredTokens is the capacity to add (v2).
	RequiredTokens float64
	// SpareTokens is the capacity that can be removed (v2).
	SpareTokens float64
	// Need ranks models for the GPU limiter: 0 no shortage .. 1 fully saturated or
	// waiting at zero.
	Need float64
	// ZeroPolicy says why the zero policy did or did not apply.
	ZeroPolicy string
	// Priority is the model's highest service-class priority (1 first) in HYBRID mode;
	// a shared GPU pool serves models in priority order before need. 0: no class.
	Priority int
}
