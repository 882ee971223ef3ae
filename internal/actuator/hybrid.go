package actuator

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names of the HYBRID mode (EXPERIMENTAL_PROACTIVE_MODEL=true): the forecast next
// to what was observed, the predicted latencies, both answers, and what the performance
// model has learned, with its age and fit error. docs/proactive-mode.md explains them.
const (
	MetricHybridObservedRate    = "wva_hybrid_observed_arrival_rate"
	MetricHybridForecastRate    = "wva_hybrid_forecast_arrival_rate"
	MetricHybridPlannedRate     = "wva_hybrid_planned_arrival_rate"
	MetricHybridHorizon         = "wva_hybrid_forecast_horizon_seconds"
	MetricHybridPredictedTTFT   = "wva_hybrid_predicted_ttft_p95_seconds"
	MetricHybridPredictedITL    = "wva_hybrid_predicted_itl_p95_seconds"
	MetricHybridCapacityAnswer  = "wva_hybrid_capacity_answer_replicas"
	MetricHybridModelAnswer     = "wva_hybrid_model_answer_replicas"
	MetricHybridSustainableRate = "wva_hybrid_sustainable_rate"
	MetricHybridParameter       = "wva_hybrid_model_parameter"
	MetricHybridParameterAge    = "wva_hybrid_model_parameter_age_seconds"
	MetricHybridFitError        = "wva_hybrid_model_fit_error"
	MetricHybridUpdates         = "wva_hybrid_model_updates_total"

	LabelModel     = "model_id"
	LabelParameter = "parameter"
)

// HybridModel is one model's side of a HYBRID decision, as the metrics show it.
type HybridModel struct {
	// Namespace and ModelID identify the model.
	Namespace, ModelID string
	// Observed is the arrival rate of the last window; Forecast the rate expected at
	// Horizon; Planned the rate provisioned for (with headroom), requests per second.
	Observed, Forecast, Planned float64
	Horizon                     time.Duration
}

// HybridVariant is one variant's side of a HYBRID decision.
type HybridVariant struct {
	Variant
	// CapacityAnswer and ModelAnswer are the two answers, in replicas.
	CapacityAnswer, ModelAnswer int
	// SustainableRate is what one replica sustains within the objectives, requests/s.
	SustainableRate float64
	// PredictedTTFT and PredictedITL are one replica's p95 latencies at its share of the
	// planned rate, seconds.
	PredictedTTFT, PredictedITL float64
	// Known says whether the variant has learned parameters; the rest are then valid.
	Known bool
	// Alpha, Beta, Gamma, Dispersion are the learned parameters.
	Alpha, Beta, Gamma, Dispersion float64
	// Age is the time since the last accepted update (zero: never updated).
	Age time.Duration
	// FitError is the relative error of the predicted means before each update.
	FitError float64
	// Updates counts accepted updates.
	Updates int
	// Ran says whether the optimiser sized the model this cycle.
	Ran bool
}

// hybridMetrics are the HYBRID mode's series.
type hybridMetrics struct {
	observed, forecast, planned, horizon            *prometheus.GaugeVec
	capacity, model, sustainable, predTTFT, predITL *prometheus.GaugeVec
	param, age, fitError                            *prometheus.GaugeVec
	updates                                         *prometheus.CounterVec

	mu     sync.Mutex
	models map[[2]string]bool
	// learned is the learned-state update count last counted per variant series, so
	// the counter adds only what is new (and nothing when the state starts again).
	learned map[[3]string]int
}

func newHybridMetrics(constLabels prometheus.Labels) *hybridMetrics {
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: constLabels}, labels)
	}
	modelLabels := []string{LabelModel, LabelNamespace}
	variantLabels := []string{LabelVariant, LabelNamespace, LabelAccelerator}
	return &hybridMetrics{
		models:   map[[2]string]bool{},
		learned:  map[[3]string]int{},
		observed: gauge(MetricHybridObservedRate, "HYBRID: the model's arrival rate over the last window, requests/s.", modelLabels...),
		forecast: gauge(MetricHybridForecastRate, "HYBRID: the arrival rate forecast at the horizon, requests/s.", modelLabels...),
		planned:  gauge(MetricHybridPlannedRate, "HYBRID: the rate provisioned for (forecast plus headroom), requests/s.", modelLabels...),
		horizon:  gauge(MetricHybridHorizon, "HYBRID: how far the forecast looks ahead (start-up time plus one interval), seconds.", modelLabels...),
		predTTFT: gauge(MetricHybridPredictedTTFT, "HYBRID: p95 time to first token one replica is predicted to show at its share of the planned rate, seconds.", variantLabels...),
		predITL:  gauge(MetricHybridPredictedITL, "HYBRID: p95 inter-token latency one replica is predicted to show at its share of the planned rate, seconds.", variantLabels...),
		capacity: gauge(MetricHybridCapacityAnswer, "HYBRID: the saturation analyser's answer (the floor), replicas.", variantLabels...),
		model:    gauge(MetricHybridModelAnswer, "HYBRID: the model-based optimiser's answer, replicas.", variantLabels...),
		sustainable: gauge(MetricHybridSustainableRate,
			"HYBRID: the request rate one replica sustains within the service classes' objectives, requests/s.", variantLabels...),
		param: gauge(MetricHybridParameter,
			"HYBRID: a learned parameter of one replica's performance model: alpha, beta, gamma (seconds per step, per token computed, per KV-cache token read) and dispersion.",
			append(variantLabels, LabelParameter)...),
		age:      gauge(MetricHybridParameterAge, "HYBRID: time since the performance model last learned from a window, seconds.", variantLabels...),
		fitError: gauge(MetricHybridFitError, "HYBRID: moving average of the relative error of the predicted mean latencies before each update.", variantLabels...),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricHybridUpdates, ConstLabels: constLabels,
			Help: "HYBRID: windows the performance model has learned from (its restored count, then those learned since)."}, variantLabels),
	}
}

func (h *hybridMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.observed, h.forecast, h.planned, h.horizon, h.predTTFT, h.predITL,
		h.capacity, h.model, h.sustainable, h.param, h.age, h.fitError, h.updates}
}

// publishModel sets a model's forecast series.
func (h *hybridMetrics) publishModel(m HybridModel) {
	lv := []string{m.ModelID, m.Namespace}
	h.observed.WithLabelValues(lv...).Set(m.Observed)
	h.forecast.WithLabelValues(lv...).Set(m.Forecast)
	h.planned.WithLabelValues(lv...).Set(m.Planned)
	h.horizon.WithLabelValues(lv...).Set(m.Horizon.Seconds())
	h.mu.Lock()
	h.models[[2]string{m.Namespace, m.ModelID}] = true
	h.mu.Unlock()
}

// publishVariant sets a variant's series: the answers and predictions when the optimiser
// ran (removed otherwise, so nothing stale is read), the learned parameters when known.
func (h *hybridMetrics) publishVariant(v HybridVariant) {
	lv := []string{v.Name, v.Namespace, v.Accelerator}
	if v.Ran {
		h.capacity.WithLabelValues(lv...).Set(float64(v.CapacityAnswer))
		h.model.WithLabelValues(lv...).Set(float64(v.ModelAnswer))
		h.sustainable.WithLabelValues(lv...).Set(v.SustainableRate)
		h.predTTFT.WithLabelValues(lv...).Set(v.PredictedTTFT)
		h.predITL.WithLabelValues(lv...).Set(v.PredictedITL)
	} else {
		for _, g := range []*prometheus.GaugeVec{h.capacity, h.model, h.sustainable, h.predTTFT, h.predITL} {
			g.DeleteLabelValues(lv...)
		}
	}
	if !v.Known {
		return
	}
	for name, val := range map[string]float64{"alpha": v.Alpha, "beta": v.Beta, "gamma": v.Gamma, "dispersion": max(1, v.Dispersion)} {
		h.param.WithLabelValues(append(lv, name)...).Set(val)
	}
	h.age.WithLabelValues(lv...).Set(v.Age.Seconds())
	h.fitError.WithLabelValues(lv...).Set(v.FitError)
	h.countUpdates(lv, v.Updates)
}

// countUpdates adds to the updates counter what the learned state's count gained since
// it was last counted; a count that went down (state learned again from the start)
// becomes the new base.
func (h *hybridMetrics) countUpdates(lv []string, updates int) {
	key := [3]string{lv[0], lv[1], lv[2]}
	h.mu.Lock()
	last, seen := h.learned[key]
	h.learned[key] = updates
	h.mu.Unlock()
	if seen && updates < last {
		return
	}
	h.updates.WithLabelValues(lv...).Add(float64(updates - last))
}

// forgetVariant removes a variant's series.
func (h *hybridMetrics) forgetVariant(match prometheus.Labels) {
	for _, g := range []*prometheus.GaugeVec{h.capacity, h.model, h.sustainable, h.predTTFT, h.predITL, h.param, h.age, h.fitError} {
		g.DeletePartialMatch(match)
	}
	h.updates.DeletePartialMatch(match)
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.learned {
		if matches(k, match) {
			delete(h.learned, k)
		}
	}
}

// matches says whether a variant series' labels (variant, namespace, accelerator) fit
// a partial match.
func matches(k [3]string, match prometheus.Labels) bool {
	for i, name := range []string{LabelVariant, LabelNamespace, LabelAccelerator} {
		if v, ok := match[name]; ok && v != k[i] {
			return false
		}
	}
	return true
}

// forgetModelsExcept removes the forecast series of every model not in keep.
func (h *hybridMetrics) forgetModelsExcept(keep map[[2]string]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.models {
		if keep[k] {
			continue
		}
		match := prometheus.Labels{LabelNamespace: k[0], LabelModel: k[1]}
		for _, g := range []*prometheus.GaugeVec{h.observed, h.forecast, h.planned, h.horizon} {
			g.DeletePartialMatch(match)
		}
		delete(h.models, k)
	}
}
