package collector

import (
	"context"
	"time"
)

// Reasons say why a model's or a variant's signals are, or are not, usable. They become
// the reason of the VariantAutoscaling condition MetricsAvailable, so they are API:
// people match on them in alerts and scripts.
const (
	// ReasonMetricsFound means at least one replica reported fresh, complete signals.
	ReasonMetricsFound = "MetricsFound"
	// ReasonNoReplicas means the variant (or every variant of the model) has no Pods, so there
	// is nothing to report; usable, since a model at zero needs no replica signals.
	ReasonNoReplicas = "NoReplicas"
	// ReasonMetricsMissing: Pods exist but none of them reported complete signals.
	ReasonMetricsMissing = "MetricsMissing"
	// ReasonMetricsStale means replicas reported, but every sample is older than the limit.
	ReasonMetricsStale = "MetricsStale"
	// ReasonPrometheusError means a query failed (connection, TLS, authorisation, timeout,
	// bad answer); nothing from this cycle is trusted.
	ReasonPrometheusError = "PrometheusError"
	// ReasonMetricsInvalid means replicas reported, but none of them data that can be
	// trusted (an impossible value, a duplicate series, a page beyond the scrape limits);
	// the message names the replicas and the problem.
	ReasonMetricsInvalid = "MetricsInvalid"
	// ReasonInvalidModel means the namespace or model ID cannot be placed in a query safely,
	// so the model was not queried at all.
	ReasonInvalidModel = "InvalidModel"
)

// Source produces the signals of a set of models for one decision cycle. The engine calls
// Collect once per cycle with every model it manages; implementations batch the work.
type Source interface {
	// Collect returns one ModelSignals per input model, in the input order, always: when
	// the source fails as a whole the error is returned too, and every model carries a
	// not-usable Health saying why. now is the cycle's time; samples are judged against it.
	Collect(ctx context.Context, models []Model, now time.Time) ([]ModelSignals, error)
}

// Model is one model in one namespace and the variants that serve it, as the engine's
// inventory sees them.
type Model struct {
	// Namespace of the VariantAutoscalings and their Pods.
	Namespace string
	// ModelID is the model_name the servers label their series with (spec.modelID).
	ModelID string
	// Variants serve the model; their Pods are the only replicas whose series are used.
	Variants []Variant
	// SuccessWindow is the scale-to-zero retention period over which successful requests
	// are counted; zero means do not count them.
	SuccessWindow time.Duration
	// Demand asks the source for the requests waiting at the gateway for the model, if
	// the source reads the gateway's queue (the Prometheus source does).
	Demand bool
	// Pools are the InferencePools whose queues are the model's (see DemandScope).
	Pools []string
	// LoadWindow, when set, asks for the HYBRID mode's load signals (ReplicaSignals.Load,
	// ModelSignals.PeakRate) over this window, normally the decision interval; zero (the
	// CAPACITY-ONLY mode) sends no load query.
	LoadWindow time.Duration
}

// Variant is one VariantAutoscaling and the Pods of its scale target.
type Variant struct {
	// Name is the VariantAutoscaling name.
	Name string
	// Target is the name of the Deployment the VariantAutoscaling scales.
	Target string
	// Pods are the target's live Pods (Mapper.PodsOf, then PodEndpoint).
	Pods []Pod
}

// Pod is one replica of a variant and where its metrics are served.
type Pod struct {
	// Name is the Pod name, the pod label of its series.
	Name string
	// IP is the Pod IP; empty until the Pod has one.
	IP string
	// MetricsPort is the port serving metrics; zero when the Pod spec does not say.
	MetricsPort int
	// MetricsPath is the metrics path, /metrics unless annotated otherwise.
	MetricsPath string
}

// ModelSignals is what a Source learned about one model in one cycle.
type ModelSignals struct {
	// Namespace and ModelID identify the model, as in the request.
	Namespace, ModelID string
	// Health says whether the model's signals can be used, and why not.
	Health Health
	// Variants hold the per-variant replicas and health, in the request order.
	Variants []VariantSignals
	// SuccessWindow is the window every usable replica's SuccessCount covers; zero when
	// no window was requested or any usable replica's count is unknown, so that missing
	// counts are never read as "no traffic".
	SuccessWindow time.Duration
	// ModelSuccesses counts successful requests of the model over SuccessWindow across
	// every series of the model in the namespace, including Pods that no longer exist;
	// meaningful only when SuccessWindow is not zero.
	ModelSuccesses float64
	// Demand is the requests waiting at the gateway, when Model.Demand asked for it.
	Demand Demand
	// LoadWindow echoes the load window the Load of every replica covers; zero when none
	// was asked for.
	LoadWindow time.Duration
	// PeakRate is the model's highest first-token rate over PeakSubWindow within the load
	// window, requests per second; zero when it was not measured.
	PeakRate float64
}

// VariantSignals are the usable replicas of one variant and the health of its data.
type VariantSignals struct {
	// Name is the VariantAutoscaling name.
	Name string
	// Replicas are the replicas with fresh, complete saturation signals, sorted by Pod.
	// Replicas that are stale or incomplete are counted in Health, never listed here.
	Replicas []ReplicaSignals
	// Health says how many replicas reported and whether the variant's data is usable.
	Health Health
}

// ReplicaSignals are one replica's signals; the fields match decision.ReplicaSignals so
// the engine converts them one to one (adding the variant name).
type ReplicaSignals struct {
	// Pod is the Pod name.
	Pod string
	// KvCacheUsage is the peak KV-cache usage fraction (0..1) over the peak window.
	KvCacheUsage float64
	// Waiting is the peak number of queued requests over the peak window.
	Waiting float64
	// Running is the peak number of running requests over the peak window.
	Running float64
	// NumGPUBlocks and BlockSize describe the KV cache; zero when the server does not
	// export vllm:cache_config_info.
	NumGPUBlocks, BlockSize int64
	// AvgInputTokens and AvgOutputTokens are prompt and generation tokens per finished
	// request over the rate window, or over the server's life when none finished in it;
	// zero when the server never finished a request.
	AvgInputTokens, AvgOutputTokens float64
	// AvgTTFTSeconds and AvgITLSeconds are the mean time to first token and the mean
	// inter-token latency over the rate window (vllm:inter_token_latency_seconds, or
	// vllm:time_per_output_token_seconds on older servers), for the queueing model; valid
	// only when LatencyKnown.
	AvgTTFTSeconds, AvgITLSeconds float64
	// LatencyKnown is false when no request finished during the rate window.
	LatencyKnown bool
	// SuccessCount is the increase of successful requests over the model's SuccessWindow.
	SuccessCount float64
	// SuccessKnown is false when the server exported no success counter, or no window was
	// requested; SuccessCount is then zero and must not be read as "no traffic".
	SuccessKnown bool
	// SampleTime is when the newest sample of this replica was taken.
	SampleTime time.Time
	// Load is the replica's traffic and latency over the model's load window (HYBRID
	// mode); nil when no load window was asked for or nothing of it was read.
	Load *ReplicaLoad
}

// Health is the honest state of a model's or a variant's data in one cycle.
type Health struct {
	// Usable is false when the decision core must not act on these signals.
	Usable bool
	// Reason is one of the Reason constants, for the MetricsAvailable condition.
	Reason string
	// Message explains the reason to a person; it never carries credentials.
	Message string
	// Pods is how many Pods were expected to report.
	Pods int
	// Reported is how many replicas reported fresh, complete signals.
	Reported int
	// Stale is how many replicas reported only samples older than the staleness limit.
	Stale int
	// Incomplete is how many replicas lacked one of KV usage, waiting or running.
	Incomplete int
	// Invalid is how many replicas reported data that cannot be trusted: an impossible
	// value (NaN, infinite, negative, absurd), a duplicate series, a page beyond the
	// scrape limits.
	Invalid int
	// Problems name the first few replicas that are invalid or whose scrape failed, and
	// why (e.g. "pod p-0: vllm:num_requests_waiting{...} is NaN"); the message ends with them.
	Problems []string
	// NewestSample is the time of the newest sample of any replica; zero when none.
	NewestSample time.Time
	// NewestSampleAge is now minus NewestSample; zero when there is no sample.
	NewestSampleAge time.Duration
}
