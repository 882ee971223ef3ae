package decision

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// ProactiveInput turns on the HYBRID mode for one model (EXPERIMENTAL_PROACTIVE_MODEL):
// after the saturation analyser, a model-based optimiser sizes the model for its
// forecast load against its service classes' latency targets, and the capacity answer
// stays a floor. Everything the optimiser uses is here as plain values; what it learns
// comes back in Decision.Proactive.State, to be passed in again next cycle.
type ProactiveInput struct {
	// Settings tune the optimiser; zero fields take their defaults.
	Settings ProactiveSettings
	// Classes are the model's service classes (the serviceclass ConfigMap entries whose
	// model is this one); none means DefaultServiceClass.
	Classes []ServiceClass
	// Traffic is the model's traffic over the last window, across all its variants.
	Traffic forecast.Observation
	// Variants carry each variant's engine, prior and latency observation, by name.
	Variants []VariantModel
	// State is what the previous decision learned (Decision.Proactive.State); the zero
	// value starts afresh.
	State ProactiveState
	// Interval is the decision interval; new capacity must cover the load one interval
	// after it becomes ready.
	Interval time.Duration
}

// ServiceClass is a latency objective for a share of a model's requests.
type ServiceClass struct {
	// Name identifies the class in reasons.
	Name string
	// Priority orders classes when GPUs are short: 1 is served first.
	Priority int
	// TTFT is the time-to-first-token objective (slo-ttw).
	TTFT time.Duration
	// ITL is the objective for a request's mean inter-token latency (slo-itl).
	ITL time.Duration
	// Share is the class's share of the model's requests when known (0 = unknown). Every
	// class must meet its objective; when every class's share is known, classes with
	// less than 1% of the traffic do not constrain the model, otherwise the tightest
	// objectives over the classes apply to all requests.
	Share float64
}

// DefaultServiceClass is the objective of a model without a service class: the guide's
// Standard class, 1 s to the first token and 50 ms per output token.
func DefaultServiceClass() ServiceClass {
	return ServiceClass{Name: "default", TTFT: time.Second, ITL: 50 * time.Millisecond}
}

// VariantModel is what the optimiser knows about one variant besides its state.
type VariantModel struct {
	// Name is the variant's name (VariantState.Name).
	Name string
	// Engine are the replica's limits (max_num_seqs, max_num_batched_tokens, KV tokens);
	// zero fields are unlimited.
	Engine perfmodel.Engine
	// Prior, when set, starts learning for a variant with nothing learned yet (a
	// per-accelerator prior); otherwise the first usable window does.
	Prior *perfmodel.Params
	// Observation is the variant's latency and load over the last window; a window with
	// too few requests teaches nothing.
	Observation perfmodel.Observation
	// StartupTime is the observed time from a Pod being scheduled to Ready; zero uses
	// Settings.DefaultStartup.
	StartupTime time.Duration
	// Latency is the variant's latency over the window across its replicas, as
	// histograms (time to first token and each request's mean time per output token):
	// how many requests actually met the objectives, for the feedback. Empty histograms
	// leave what the feedback learned as it was.
	Latency feedback.Latency
}

// ProactiveState is everything the optimiser learns; the caller keeps it between cycles
// and persists it (per variant: a few numbers with their age).
type ProactiveState struct {
	// Variants are the performance-model states by variant name.
	Variants map[string]perfmodel.State `json:"variants,omitempty"`
	// Forecast is the traffic forecaster's state.
	Forecast forecast.State `json:"forecast"`
	// Planned are the recent planned rates, oldest first, covering the stabilisation
	// period (over an idle spell, the spell and the period before it); capacity is only
	// given back when it still covers the highest of them.
	Planned []PlannedRate `json:"planned,omitempty"`
	// Since is when the planned-rate history began; scale-down waits until it spans a
	// whole stabilisation period (after a restart too).
	Since time.Time `json:"since,omitzero"`
	// Budget is the attainment the model is sized for, trimmed by the feedback so that
	// the attainment observed meets the goal.
	Budget feedback.Budget `json:"budget,omitzero"`
	// Credits are the feedback's factors on each variant's sustainable rate, by variant
	// name: the model's bias at the objectives, measured on the windows observed.
	Credits map[string]feedback.Credit `json:"credits,omitempty"`
	// Rates remember each variant's sustainable rate with the inputs it was computed
	// from, so that it is recomputed only when they move by more than 1%. Not worth
	// persisting: losing it costs one computation.
	Rates map[string]RateMemo `json:"-"`
	// RankRates remember, the same way, the rates the saturation analyser ranks variants
	// by in HYBRID (per sustainable request, at the configured attainment, from the
	// state before the window is learned): a search per variant each cycle otherwise,
	// and most of a steady decision's time.
	RankRates map[string]RateMemo `json:"-"`
}

// RateMemo is a sustainable rate with the inputs it was computed from.
type RateMemo struct {
	Params     perfmodel.Params
	Engine     perfmodel.Engine
	Mix        perfmodel.Mix
	Targets    []perfmodel.Target
	Attainment float64
	Rate       float64
}

// memoisedRate is the sustainable rate for these inputs: from memos when the entry for
// name answers for them (reusable), else computed and remembered there (the map made when
// nil). The optimiser's sizing and v1's ranking keep one memo each.
func memoisedRate(memos *map[string]RateMemo, name string, p perfmodel.Params, e perfmodel.Engine, mix perfmodel.Mix, targets []perfmodel.Target, attainment float64) float64 {
	if m, ok := (*memos)[name]; ok && m.reusable(p, e, mix, targets, attainment) {
		return m.Rate
	}
	r := perfmodel.SustainableRate(p, e, mix, targets, attainment)
	if *memos == nil {
		*memos = map[string]RateMemo{}
	}
	(*memos)[name] = RateMemo{Params: p, Engine: e, Mix: mix, Targets: slices.Clone(targets), Attainment: attainment, Rate: r}
	return r
}

// reusable reports whether the memo answers for these inputs (within 1%).
func (m RateMemo) reusable(p perfmodel.Params, e perfmodel.Engine, mix perfmodel.Mix, targets []perfmodel.Target, attainment float64) bool {
	close := func(a, b float64) bool { return math.Abs(a-b) <= 0.01*math.Abs(b) }
	return m.Engine == e && math.Abs(m.Attainment-attainment) <= 0.001 && slices.Equal(m.Targets, targets) &&
		close(m.Params.Alpha, p.Alpha) && close(m.Params.Beta, p.Beta) && close(m.Params.Gamma, p.Gamma) &&
		close(m.Mix.Input.Mean, mix.Input.Mean) && close(m.Mix.Output.Mean, mix.Output.Mean) &&
		math.Abs(m.Mix.Input.SD-mix.Input.SD) <= 0.01*mix.Input.Mean && math.Abs(m.Mix.Output.SD-mix.Output.SD) <= 0.01*mix.Output.Mean
}

// PlannedRate is the rate one decision provisioned for.
type PlannedRate struct {
	// At is the decision time.
	At time.Time `json:"at"`
	// Rate is the planned rate, requests per second.
	Rate float64 `json:"rate"`
	// Rates are what one replica of each variant was counted to sustain then, by variant
	// name: a replica is given back only while what remains covers the highest planned
	// rate at the lowest of them (see keepRates).
	Rates map[string]float64 `json:"rates,omitempty"`
}

// ProactiveSettings tune the optimiser.
type ProactiveSettings struct {
	// Attainment is the share of requests the model is sized to keep within their
	// objectives (default 0.97, above the usual 95% target: the margin covers routing
	// imbalance and forecast error).
	Attainment float64
	// Stabilisation is how long the planned rate must have stayed lower before capacity
	// is given back (default 3 minutes).
	Stabilisation time.Duration
	// DefaultStartup is a variant's start-up time when none was observed (default 2m).
	DefaultStartup time.Duration
	// Forecaster names the forecasting method: "holt" (default) or "naive".
	Forecaster string
	// PriorUncertainty is the relative uncertainty given to a prior (default 0.7).
	PriorUncertainty float64
	// Shape is the ratio α:β:γ used to start from a first observation without a prior
	// (default: Llama-3.1-8B-like on a data-centre GPU); only the ratios matter.
	Shape perfmodel.Params
	// Feedback tunes the closed loop on the attainment observed (package feedback); the
	// zero value takes feedback.DefaultSettings. Attainment above is where its sizing
	// starts.
	Feedback feedback.Settings
	// KeepWarm lets the optimiser overrule the zero policy: when a cold start would
	// cost more of a busy spell's requests than the attainment budget, the cheapest
	// variant keeps one replica warm instead of the model going to zero. Off by
	// default: a model the scale-to-zero configuration lets go idle goes to zero.
	KeepWarm bool
}

// DefaultProactiveSettings returns the tuned defaults (docs/proactive-mode.md).
func DefaultProactiveSettings() ProactiveSettings {
	return ProactiveSettings{
		Attainment: 0.97, Stabilisation: 3 * time.Minute, DefaultStartup: 2 * time.Minute,
		Forecaster: "holt", PriorUncertainty: 0.7,
		Shape: perfmodel.Params{Alpha: 6.4e-3, Beta: 40e-6, Gamma: 52e-9},
	}
}

// withDefaults fills zero settings and checks the rest, naming the field at fault.
func (s ProactiveSettings) withDefaults() (ProactiveSettings, error) {
	d := DefaultProactiveSettings()
	if s.Attainment == 0 {
		s.Attainment = d.Attainment
	}
	if s.Stabilisation == 0 {
		s.Stabilisation = d.Stabilisation
	}
	if s.DefaultStartup == 0 {
		s.DefaultStartup = d.DefaultStartup
	}
	if s.Forecaster == "" {
		s.Forecaster = d.Forecaster
	}
	if s.PriorUncertainty == 0 {
		s.PriorUncertainty = d.PriorUncertainty
	}
	if s.Shape == (perfmodel.Params{}) {
		s.Shape = d.Shape
	}
	if s.Feedback == (feedback.Settings{}) {
		s.Feedback = feedback.DefaultSettings()
	}
	switch {
	case !(s.Attainment > 0 && s.Attainment < 1):
		return s, fmt.Errorf("attainment %v: must be a share in (0, 1), e.g. 0.97", s.Attainment)
	case s.Stabilisation < 0:
		return s, fmt.Errorf("stabilisation %v: must not be negative", s.Stabilisation)
	case s.DefaultStartup < 0:
		return s, fmt.Errorf("defaultStartup %v: must not be negative", s.DefaultStartup)
	case !(s.PriorUncertainty > 0) || math.IsInf(s.PriorUncertainty, 0):
		return s, fmt.Errorf("priorUncertainty %v: must be a positive number", s.PriorUncertainty)
	}
	if err := s.Feedback.Validate(); err != nil {
		return s, fmt.Errorf("feedback: %w", err)
	}
	if err := s.Shape.Validate(); err != nil {
		return s, fmt.Errorf("shape: %w", err)
	}
	if _, err := forecast.New(s.Forecaster); err != nil {
		return s, err
	}
	return s, nil
}

// ProactiveOutcome is the optimiser's side of a HYBRID decision.
type ProactiveOutcome struct {
	// Ran is false when the optimiser did not size the model (safety net, zero policy,
	// nothing learned yet, invalid settings); Why then says why.
	Ran bool
	// Why explains a decision the optimiser did not take part in.
	Why string
	// State is the learned state to keep and pass back next cycle.
	State ProactiveState
	// Targets are the objectives the model was sized for.
	Targets []perfmodel.Target
	// Priority is the model's highest class priority (1 first); 0 when it has no class.
	Priority int
	// Forecast is the rate and mix provisioned for.
	Forecast forecast.Forecast
	// Keep is the highest planned rate of the stabilisation period.
	Keep float64
	// Variants are per-variant figures, sorted by name.
	Variants []VariantOutcome
	// Predicted are the p95 latencies expected at the chosen allocation, seconds
	// (the worst over variants carrying load).
	PredictedTTFT, PredictedITL float64
	// CapacityReplicas and ModelReplicas are the total replicas of each answer.
	CapacityReplicas, ModelReplicas int
	// Short is the planned rate no allocation within bounds could cover, requests/s.
	Short float64
	// Sizing is the attainment the model was sized for (the configured one, trimmed by
	// the feedback); Attained is the observed attainment it rests on (smoothed).
	Sizing, Attained float64
}

// VariantOutcome is the optimiser's view of one variant.
type VariantOutcome struct {
	// Name is the variant.
	Name string
	// Params are its learned step coefficients; Learn says what this window did to them.
	Params perfmodel.Params
	Learn  perfmodel.Step
	// FitError and Age describe how well and how recently the parameters were learned.
	FitError float64
	Age      time.Duration
	// Credit is the feedback's factor on the model's rate for this variant, and
	// Feedback says what the last window did to it.
	Credit   float64
	Feedback string
	// SustainableRate is the request rate one replica sustains within the targets, with
	// the credit.
	SustainableRate float64
	// CapacityAnswer and ModelAnswer are the two answers for this variant.
	CapacityAnswer, ModelAnswer int
	// PredictedTTFT and PredictedITL are the p95 latencies one replica is expected to
	// show at its share of the planned rate, seconds (0 when it carries none).
	PredictedTTFT, PredictedITL float64
}
