package simulator

import "github.com/workload-variant-autoscaler/wva/internal/latency"

// Result is the outcome of comparing policies on one scenario; it is written as JSON and
// rendered as a table and an HTML report. It holds no wall-clock figures, so the same
// config and seed give byte-identical JSON.
type Result struct {
	// Scenario describes what was simulated.
	Scenario ScenarioSummary `json:"scenario"`
	// Load is the arrival rate per model over time.
	Load []LoadSeries `json:"load"`
	// Policies holds one result per policy, in configuration order (oracle last if added).
	Policies []PolicyResult `json:"policies"`
}

// ScenarioSummary describes the simulated scenario.
type ScenarioSummary struct {
	// Trace is the trace file's base name, empty for a synthetic pattern.
	Trace string `json:"trace,omitempty"`
	// Credit acknowledges the trace's publisher, as its licence asks.
	Credit string `json:"credit,omitempty"`
	// Requests is the number of requests replayed.
	Requests int `json:"requests"`
	// DurationSeconds is the simulated period.
	DurationSeconds float64 `json:"durationSeconds"`
	// Seed and the intervals echo the configuration.
	Seed                    uint64  `json:"seed"`
	DecisionIntervalSeconds float64 `json:"decisionIntervalSeconds"`
	ScrapeIntervalSeconds   float64 `json:"scrapeIntervalSeconds"`
	ResolutionSeconds       float64 `json:"resolutionSeconds"`
	// Models describe the models, their SLOs and variants.
	Models []ModelSummary `json:"models"`
}

// ModelSummary describes one model of the scenario.
type ModelSummary struct {
	// Name is the model ID; Requests its number of requests.
	Name     string `json:"name"`
	Requests int    `json:"requests"`
	// SLO, Classes and AttainmentTarget are the objectives requests are judged by.
	SLO              SLO           `json:"slo"`
	Classes          []ClassConfig `json:"classes,omitempty"`
	AttainmentTarget float64       `json:"attainmentTarget"`
	// Variants describe the variants in configuration order.
	Variants []VariantSummary `json:"variants"`
	// LoadStepsSeconds are the load steps reaction times are measured from.
	LoadStepsSeconds []float64 `json:"loadStepsSeconds"`
}

// VariantSummary describes one variant and the capacity the oracle credits it with.
type VariantSummary struct {
	// Name, Profile and Accelerator identify the variant and what it runs on.
	Name        string `json:"name"`
	Profile     string `json:"profile"`
	Accelerator string `json:"accelerator"`
	// Cost is per replica-hour; StartupDelay from creation to serving.
	Cost         float64 `json:"cost"`
	StartupDelay string  `json:"startupDelay"`
	// SustainableRate is the request rate one replica serves within the SLO at the
	// attainment target (0 when not computed or the variant cannot meet the SLO).
	SustainableRate float64 `json:"sustainableRate"`
	// TokensAtSustainableRate is the mean KV-cache tokens a replica holds at that rate.
	TokensAtSustainableRate float64 `json:"tokensAtSustainableRate"`
}

// LoadSeries is one model's arrival rate per resolution bucket.
type LoadSeries struct {
	// Model is the model ID.
	Model string `json:"model"`
	// TimesSeconds are bucket starts; Rate is requests per second in each bucket.
	TimesSeconds []float64 `json:"timesSeconds"`
	Rate         []float64 `json:"rate"`
}

// PolicyResult is what one policy did to requests and to the bill.
type PolicyResult struct {
	// Name labels the policy; Type is its kind (e.g. wva-v1, hpa); Detail its settings.
	Name   string `json:"name"`
	Type   string `json:"type"`
	Detail string `json:"detail,omitempty"`
	// Requests is the number of requests; Finished completed, Failed were rejected,
	// aborted or never served; WaitedNoReplica arrived when no ready replica could take them.
	Requests        int `json:"requests"`
	Finished        int `json:"finished"`
	Failed          int `json:"failed"`
	WaitedNoReplica int `json:"waitedNoReplica"`
	// Attainment is the share of all requests meeting both TTFT and ITL targets;
	// TTFTAttainment and ITLAttainment count each target alone.
	Attainment     float64 `json:"attainment"`
	TTFTAttainment float64 `json:"ttftAttainment"`
	ITLAttainment  float64 `json:"itlAttainment"`
	// MeetsSLO is true when every model meets its target (see ModelResult).
	MeetsSLO bool `json:"meetsSLO"`
	// Models break attainment down by model.
	Models []ModelResult `json:"models"`
	// Classes break attainment down by service class (when classes are configured).
	Classes []ClassResult `json:"classes,omitempty"`
	// TTFT, ITL and E2E are latency percentiles of finished requests, in seconds.
	TTFT Percentiles `json:"ttftSeconds"`
	ITL  Percentiles `json:"itlSeconds"`
	E2E  Percentiles `json:"e2eSeconds"`
	// Cost is Σ replica-hours × variant cost over the period; CostRatio is Cost over
	// the oracle's cost (0 when there is no oracle).
	Cost      float64 `json:"cost"`
	CostRatio float64 `json:"costRatio"`
	// ReplicaHours are per variant.
	ReplicaHours []VariantHours `json:"replicaHours"`
	// ScaleActions counts changes of a variant's desired replicas (ScaleUps + ScaleDowns);
	// Reversals counts changes whose direction differs from the variant's previous change.
	ScaleActions int `json:"scaleActions"`
	ScaleUps     int `json:"scaleUps"`
	ScaleDowns   int `json:"scaleDowns"`
	Reversals    int `json:"reversals"`
	// Drain is what the scale-downs did to requests in flight.
	Drain DrainResult `json:"drain"`
	// Reactions are per load step.
	Reactions []Reaction `json:"reactions"`
	// BehindLoadSeconds is how long the arriving load exceeded what the serving replicas
	// sustain, summed over the models; BehindLoad has it per model.
	BehindLoadSeconds float64      `json:"behindLoadSeconds"`
	BehindLoad        []BehindLoad `json:"behindLoad"`
	// Series are the policy's time series.
	Series Series `json:"series"`
	// Plots are the policy's own charts (see Plotter), absent for most policies.
	Plots []Plot `json:"plots,omitempty"`
}

// ModelResult is attainment within one model. A model meets its target when the share
// of its requests within their SLO (each judged by its class's SLO) reaches the model's
// attainment target and every class of the model reaches its own.
type ModelResult struct {
	// Model names the model; Requests counts its requests; Attainment is the share of
	// them within their SLO; Target the model's attainment target.
	Model       string  `json:"model"`
	Requests    int     `json:"requests"`
	Attainment  float64 `json:"attainment"`
	Target      float64 `json:"target"`
	MeetsTarget bool    `json:"meetsTarget"`
}

// ClassResult is attainment within one service class.
type ClassResult struct {
	// Model and Class name the class; Priority is its priority; Requests counts its
	// requests; Attainment is the share of them within the class's SLO, Target the
	// share required.
	Model       string  `json:"model"`
	Class       string  `json:"class"`
	Priority    int     `json:"priority,omitempty"`
	Requests    int     `json:"requests"`
	Attainment  float64 `json:"attainment"`
	Target      float64 `json:"target"`
	MeetsTarget bool    `json:"meetsTarget"`
}

// Percentiles summarise one latency distribution in seconds (see package latency).
type Percentiles = latency.Percentiles

// VariantHours is the replica time one variant was billed for.
type VariantHours struct {
	// Model and Variant name the variant; Hours is its billed replica time, Cost that
	// time at the variant's price.
	Model   string  `json:"model"`
	Variant string  `json:"variant"`
	Hours   float64 `json:"hours"`
	Cost    float64 `json:"cost"`
}

// Reaction measures how a policy answered one load step: seconds from the step to its
// first scale-up decision and to the first replica of that scale-up serving, and to the
// moment the load outgrew the capacity serving at the step. Null when it did not happen
// within the horizon. Measured from the step, a policy already holding headroom reacts
// later than one without; measured from the need, it is the one ahead (see LeadSummary).
type Reaction struct {
	// Model is the model whose load stepped at StepSeconds after the start.
	Model         string   `json:"model"`
	StepSeconds   float64  `json:"stepSeconds"`
	FirstScaleUp  *float64 `json:"firstScaleUpSeconds"`
	ReadyCapacity *float64 `json:"readyCapacitySeconds"`
	// Need is when the arrivals first exceeded what the replicas serving at the step
	// sustain at their calibrated rates, by more than chance explains (the test of
	// BehindLoad, with that capacity held fixed): the start of the first such resolution
	// bucket, or the step itself when it is the step's own bucket.
	Need *float64 `json:"needSeconds"`
}

// BehindLoad is how long, within the period, one model's arriving load exceeded the
// capacity of its serving (Ready, not draining) replicas, each credited with its
// variant's calibrated sustainable rate (VariantSummary.SustainableRate). The arrival
// rate is the realised rate of each resolution bucket (the Load series), compared with
// the capacity at every instant of the bucket, and counts as exceeding it when the
// bucket's arrivals are more than two Poisson standard deviations above the capacity's
// (see behindTime). It measures keeping up with the load, where a reaction time
// measures only the first answer to a step.
type BehindLoad struct {
	// Model is the model ID; Seconds the time its load exceeded its serving capacity.
	Model   string  `json:"model"`
	Seconds float64 `json:"seconds"`
}

// Series are a policy's time series, one point per resolution bucket.
type Series struct {
	// TimesSeconds are the bucket starts.
	TimesSeconds []float64 `json:"timesSeconds"`
	// Replicas are the spec and ready replicas per variant at each time.
	Replicas []VariantSeries `json:"replicas"`
	// TTFTP95 and ITLP95 are percentiles of requests arriving in each bucket (seconds);
	// Attainment the share of them meeting the SLO. Null for empty buckets.
	TTFTP95    []*float64 `json:"ttftP95Seconds"`
	ITLP95     []*float64 `json:"itlP95Seconds"`
	Attainment []*float64 `json:"attainment"`
	// CumulativeCost is the cost billed up to each time.
	CumulativeCost []float64 `json:"cumulativeCost"`
	// Models are the latency series per model, when there are several.
	Models []ModelSeries `json:"models,omitempty"`
}

// ModelSeries are one model's per-bucket latency and attainment (see Series).
type ModelSeries struct {
	Model      string     `json:"model"`
	TTFTP95    []*float64 `json:"ttftP95Seconds"`
	ITLP95     []*float64 `json:"itlP95Seconds"`
	Attainment []*float64 `json:"attainment"`
}

// VariantSeries is one variant's replica counts over time.
type VariantSeries struct {
	// Model and Variant name the variant; Spec and Ready are its replica counts.
	Model   string `json:"model"`
	Variant string `json:"variant"`
	Spec    []int  `json:"spec"`
	Ready   []int  `json:"ready"`
}

// DrainResult counts what scale-downs did to requests: a removed Ready replica stops
// taking requests and drains until drainTimeout, when what it still holds is aborted.
// Divided by ScaleDowns they are the figures per scale-down that drain-aware scale-down
// (drainAwareScaleDown) is judged by.
type DrainResult struct {
	// RemovedServing counts Ready replicas removed (pods not yet serving go at once).
	RemovedServing int `json:"removedServing"`
	// InFlightAtRemoval counts requests running or waiting on those replicas when removed.
	InFlightAtRemoval int `json:"inFlightAtRemoval"`
	// Aborted counts requests still on a draining replica at drainTimeout; they fail.
	Aborted int `json:"aborted"`
}
