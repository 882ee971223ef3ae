package simulator

import (
	"encoding/json"
	"fmt"
)

// Config describes one simulation: the models and their variants, the load, how signals
// are sampled, and the policies to compare. It is read from YAML (see LoadConfig).
type Config struct {
	// Seed drives every random choice (rate thinning, arrivals, classes, step jitter,
	// scrape offsets); the same seed gives the same result.
	Seed uint64 `json:"seed"`
	// DecisionInterval is how often policies decide (WVA's optimisation interval).
	DecisionInterval Duration `json:"decisionInterval"`
	// ScrapeInterval is how often each replica's /metrics is sampled.
	ScrapeInterval Duration `json:"scrapeInterval"`
	// MetricsWindow is the range of max_over_time (the controller queries [1m]).
	MetricsWindow Duration `json:"metricsWindow"`
	// MaxSampleAge excludes replica samples older than this from a snapshot (staleness).
	MaxSampleAge Duration `json:"maxSampleAge"`
	// TokenRatioWindow is the range over which average prompt/output lengths are taken
	// (the controller's token-length ratios use [5m]).
	TokenRatioWindow Duration `json:"tokenRatioWindow"`
	// Resolution is the bucket width of the time series in the result and plots.
	Resolution Duration `json:"resolution"`
	// DrainTimeout bounds how long a removed replica may finish its requests (the pod's
	// termination grace period); requests still running then are aborted.
	DrainTimeout Duration `json:"drainTimeout"`
	// DrainAwareScaleDown mirrors WVA's DRAIN_AWARE_SCALE_DOWN: before a scale-down the
	// Ready replicas with the least work in flight (decision.DrainFirst on the signals of
	// the deciding snapshot) get the lowest pod deletion cost, so the ReplicaSet removes
	// them first. Off, the ReplicaSet removes the newest Ready replica.
	DrainAwareScaleDown bool `json:"drainAwareScaleDown,omitempty"`
	// StepJitter is the relative standard deviation of engine step times.
	StepJitter float64 `json:"stepJitter"`
	// GPUs optionally limits the cluster's GPUs per accelerator type; replicas that do not
	// fit stay unschedulable (not billed) until GPUs free up. Absent types are unlimited.
	GPUs map[string]int `json:"gpus,omitempty"`
	// Load is the default load of every model.
	Load LoadConfig `json:"load"`
	// Models are the served models.
	Models []ModelConfig `json:"models"`
	// Policies are compared in one run, each on the same arrivals.
	Policies []PolicyConfig `json:"policies"`
	// Steps tunes the detection of load steps in a trace, for reaction times.
	Steps StepDetection `json:"steps"`
}

// LoadConfig selects the arrivals: a trace window (scaled) or a synthetic pattern.
type LoadConfig struct {
	// Trace is the path of a trace in the Azure LLM inference format; relative paths are
	// taken from the config file's directory. Empty means Pattern.
	Trace string `json:"trace,omitempty"`
	// Offset skips trace time before the window.
	Offset Duration `json:"offset,omitempty"`
	// Duration keeps this much trace time (0 = to the end).
	Duration Duration `json:"duration,omitempty"`
	// SpeedUp compresses trace time (2 = twice as fast).
	SpeedUp float64 `json:"speedUp,omitempty"`
	// RateScale multiplies the request rate (×k), so one hour needs many replicas.
	RateScale float64 `json:"rateScale,omitempty"`
	// Pattern is a synthetic load used when Trace is empty.
	Pattern *PatternConfig `json:"pattern,omitempty"`
}

// PatternConfig is a synthetic arrival pattern (see loadgen.Pattern) and the lengths
// of its requests.
type PatternConfig struct {
	// Kind is constant, poisson, ramp, step, burst, piecewise or onoff.
	Kind string `json:"kind"`
	// Rate is the base rate (requests/s); Rate2 the ramp end, step or burst rate, or the
	// rate of onoff's off periods (usually 0).
	Rate  float64 `json:"rate,omitempty"`
	Rate2 float64 `json:"rate2,omitempty"`
	// Duration is the pattern's length.
	Duration Duration `json:"duration"`
	// StepAt is when a step pattern switches to Rate2 (default Duration/2).
	StepAt Duration `json:"stepAt,omitempty"`
	// BurstEvery and BurstLength shape bursts.
	BurstEvery  Duration `json:"burstEvery,omitempty"`
	BurstLength Duration `json:"burstLength,omitempty"`
	// Points (piecewise) are the corners of the rate: it moves linearly from one to the
	// next and holds the last.
	Points []RatePoint `json:"points,omitempty"`
	// OnMean and OffMean (onoff) are the mean lengths of on periods (at Rate) and off
	// periods (at Rate2), drawn exponentially; the pattern starts on.
	OnMean  Duration `json:"onMean,omitempty"`
	OffMean Duration `json:"offMean,omitempty"`
	// PromptTokens and OutputTokens are the lengths of every request, unless a
	// distribution or LengthsFrom draws them per request.
	PromptTokens int `json:"promptTokens,omitempty"`
	OutputTokens int `json:"outputTokens,omitempty"`
	// Prompt and Output draw each request's lengths from a clipped log-normal.
	Prompt *LengthDist `json:"prompt,omitempty"`
	Output *LengthDist `json:"output,omitempty"`
	// LengthsFrom draws each request's (prompt, output) pair from a trace in the Azure
	// format (a relative path is taken from the config file's directory), so a synthetic
	// arrival shape carries a real token mix.
	LengthsFrom string `json:"lengthsFrom,omitempty"`
}

// RatePoint is one corner of a piecewise rate.
type RatePoint struct {
	// At is the time from the start; Rate the requests/s there.
	At   Duration `json:"at"`
	Rate float64  `json:"rate"`
}

// LengthDist is a log-normal token length with the given mean, clipped to [Min, Max].
type LengthDist struct {
	// Mean is the mean before clipping; Sigma the standard deviation of the length's
	// logarithm (0: every request gets Mean).
	Mean  float64 `json:"mean"`
	Sigma float64 `json:"sigma,omitempty"`
	// Min (default 1) and Max (default: unbounded) clip the drawn length.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
}

// ModelConfig is one served model and its variants.
type ModelConfig struct {
	// Name is the model ID.
	Name string `json:"name"`
	// Namespace scopes the model (default "default").
	Namespace string `json:"namespace,omitempty"`
	// Load overrides the top-level load for this model.
	Load *LoadConfig `json:"load,omitempty"`
	// SLO is the latency objective of requests without a class.
	SLO SLO `json:"slo"`
	// Classes optionally split the model's requests into service classes, each with its
	// own SLO, assigned at random by weight.
	Classes []ClassConfig `json:"classes,omitempty"`
	// AttainmentTarget is the share of requests that must meet their SLO for the SLO to
	// count as met (static search, oracle capacity); default 0.95.
	AttainmentTarget float64 `json:"attainmentTarget,omitempty"`
	// ScaleToZero is passed to WVA's zero policy.
	ScaleToZero ZeroConfig `json:"scaleToZero,omitempty"`
	// Variants are the deployments that can serve the model.
	Variants []VariantConfig `json:"variants"`
}

// SLO is a latency objective: a request meets it when its time to first token and its
// mean inter-token latency are both within target.
type SLO struct {
	// TTFT is the time-to-first-token target.
	TTFT Duration `json:"ttft"`
	// ITL is the mean inter-token latency target.
	ITL Duration `json:"itl"`
}

// ClassConfig is a service class: a share of the model's requests with its own SLO and
// priority, as the serviceclass ConfigMap describes them (name, priority, slo-ttw,
// slo-itl). The workload generator assigns each request a class at random by weight.
type ClassConfig struct {
	// Name identifies the class in results.
	Name string `json:"name"`
	// Weight is the class's relative share of requests.
	Weight float64 `json:"weight"`
	// Priority orders classes when capacity is short (1 is served first). Routers and
	// engines serve in arrival order, as vLLM does by default; policies may read it.
	Priority int `json:"priority,omitempty"`
	// SLO is the class's objective.
	SLO SLO `json:"slo"`
	// AttainmentTarget is the share of the class's requests that must meet its SLO
	// (default: the model's target).
	AttainmentTarget float64 `json:"attainmentTarget,omitempty"`
}

// ZeroConfig mirrors WVA's scale-to-zero settings for a model.
type ZeroConfig struct {
	// Enabled allows WVA to take the model to zero replicas when idle.
	Enabled bool `json:"enabled,omitempty"`
	// RetentionPeriod is how long without a successful request (default 10m).
	RetentionPeriod Duration `json:"retentionPeriod,omitempty"`
}

// VariantConfig is one variant: a profile on an accelerator with a price.
type VariantConfig struct {
	// Name identifies the variant (the VariantAutoscaling name).
	Name string `json:"name"`
	// Profile is a servermodel profile name (see servermodel.ProfileNames).
	Profile string `json:"profile"`
	// Accelerator is the GPU type (default: the profile's accelerator).
	Accelerator string `json:"accelerator,omitempty"`
	// Cost is the cost of one replica for one hour.
	Cost float64 `json:"cost"`
	// StartupDelay is the time from creating a replica to it serving (model loading).
	StartupDelay Duration `json:"startupDelay"`
	// MinReplicas and MaxReplicas bound every policy's answer (nil: 0 and unbounded,
	// except WVA, which never goes below one replica without its zero policy).
	MinReplicas *int `json:"minReplicas,omitempty"`
	MaxReplicas *int `json:"maxReplicas,omitempty"`
	// GPUsPerReplica is the GPUs one replica needs (default 1).
	GPUsPerReplica int `json:"gpusPerReplica,omitempty"`
	// InitialReplicas are ready at time zero for the adaptive policies (default: min, and
	// 1 on the first variant when every min is 0).
	InitialReplicas *int `json:"initialReplicas,omitempty"`
	// TokenCapacity optionally caps a replica's token capacity for WVA v2.
	TokenCapacity float64 `json:"tokenCapacity,omitempty"`
}

// PolicyConfig is one policy entry: the keys every policy has, and the entry as
// written, from which the policy's kind decodes its own keys (package policy).
type PolicyConfig struct {
	// Name labels the policy in tables and plots (default: its type).
	Name string `json:"name,omitempty"`
	// Type selects the policy's kind (wva, hpa, static, oracle, ...).
	Type string `json:"type"`
	// Interval overrides the decision interval (e.g. HPA's 15s sync period).
	Interval Duration `json:"interval,omitempty"`
	// Tune says whether the benchmark suite tunes the policy's main knob (default: when
	// its kind has one).
	Tune *bool `json:"tune,omitempty"`
	// Setting, when set, is the value of the policy's main knob per model (in
	// configuration order; one value applies to every model), overriding the entry's own
	// key: what the suite's tuner writes, and a way to reproduce a tuned row.
	Setting []float64 `json:"setting,omitempty"`
	// Spec is the entry as written (JSON), for the kind to decode its own keys from.
	Spec json.RawMessage `json:"-"`
}

// UnmarshalJSON reads the common keys and keeps the whole entry for the kind.
func (p *PolicyConfig) UnmarshalJSON(b []byte) error {
	type common PolicyConfig // without this method
	var c common
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("policy entry: %w", err)
	}
	*p = PolicyConfig(c)
	p.Spec = append(json.RawMessage(nil), b...)
	return nil
}

// SettingFor returns the knob's value for model mi from Setting, if set.
func (p *PolicyConfig) SettingFor(mi int) (float64, bool) {
	switch {
	case len(p.Setting) == 0:
		return 0, false
	case len(p.Setting) == 1:
		return p.Setting[0], true
	case mi < len(p.Setting):
		return p.Setting[mi], true
	}
	return 0, false
}

// StepDetection says what counts as a load step in a trace: the arrival rate over one
// Window rises by at least Rise (relative) above the mean of the Baseline before it.
// Synthetic step and burst patterns use their known step times instead.
type StepDetection struct {
	// Window is the bucket over which the rate is measured (default 1m).
	Window Duration `json:"window,omitempty"`
	// Baseline is the trailing period the rise is judged against (default 5m).
	Baseline Duration `json:"baseline,omitempty"`
	// Rise is the relative increase that counts as a step (default 0.15).
	Rise float64 `json:"rise,omitempty"`
	// Horizon bounds how long after a step a reaction is looked for (default 10m).
	Horizon Duration `json:"horizon,omitempty"`
}
