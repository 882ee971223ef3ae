package config

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// DynamicConfig is what the decision cycle reads each time it runs, so it can change while
// the controller runs. The Store replaces it whole; its maps are never modified in place,
// which makes a copy obtained from the Store safe to read without locks.
type DynamicConfig struct {
	// OptimizationInterval is the decision cycle period.
	OptimizationInterval time.Duration
	// PrometheusCache controls reuse of Prometheus query results.
	PrometheusCache PrometheusCacheConfig
	// Saturation holds the saturation thresholds: default plus per-model overrides.
	Saturation SaturationSettings
	// ScaleToZero holds the scale-to-zero policy: default plus per-model entries.
	ScaleToZero ScaleToZeroSettings
	// ServiceClasses are the SLO tiers of HYBRID mode.
	ServiceClasses []ServiceClass
	// PerformancePriors are HYBRID mode's per-accelerator priors and engine limits.
	PerformancePriors PerformancePriorSettings
}

// PrometheusCacheConfig lets decision cycles that follow each other quickly (triggered by
// a VA, a Deployment or a configuration change) reuse Prometheus's answers instead of
// asking the same questions again.
type PrometheusCacheConfig struct {
	// Enabled turns the cache on.
	Enabled bool
	// TTL is the longest an answer may be reused; see EffectiveTTL.
	TTL time.Duration
}

// EffectiveTTL is how long an answer is reused under an optimisation interval: TTL, but
// never half the interval or more, so that every scheduled cycle reads fresh data and only
// cycles triggered in between reuse it; zero when the cache is off.
func (p PrometheusCacheConfig) EffectiveTTL(interval time.Duration) time.Duration {
	if !p.Enabled {
		return 0
	}
	return min(p.TTL, interval/2)
}

// ModelKey identifies a model for per-model settings. An empty Namespace matches the model
// in every namespace; an entry with a Namespace wins over one without.
type ModelKey struct {
	// ModelID is the model's id as in the VA's spec.modelID.
	ModelID string
	// Namespace is where the model's VAs live; empty means any.
	Namespace string
}

// SaturationSettings is the parsed saturation ConfigMap.
type SaturationSettings struct {
	// Source names the ConfigMap in force; empty means built-in defaults only.
	Source string
	// Default applies to every model without an override.
	Default decision.SaturationConfig
	// Overrides are complete configurations (already merged with Default) per model.
	Overrides map[ModelKey]decision.SaturationConfig
	// Entries counts the ConfigMap entries in force (default included when present).
	Entries int
}

// For returns the thresholds for one model: its namespaced override, else its
// any-namespace override, else the default.
func (s SaturationSettings) For(modelID, namespace string) decision.SaturationConfig {
	if c, ok := s.Overrides[ModelKey{ModelID: modelID, Namespace: namespace}]; ok {
		return c
	}
	if c, ok := s.Overrides[ModelKey{ModelID: modelID}]; ok {
		return c
	}
	return s.Default
}

// ZeroEntry is one entry of the scale-to-zero ConfigMap. Nil fields are not set by the entry
// and are inherited from the next level down.
type ZeroEntry struct {
	// Enabled is enable_scale_to_zero.
	Enabled *bool
	// RetentionPeriod is retention_period.
	RetentionPeriod *time.Duration
}

// ScaleToZeroSettings is the parsed scale-to-zero ConfigMap.
type ScaleToZeroSettings struct {
	// Source names the ConfigMap in force; empty when it does not exist.
	Source string
	// Default is the entry under the key "default".
	Default ZeroEntry
	// Models are the per-model entries.
	Models map[ModelKey]ZeroEntry
	// Entries counts the ConfigMap entries in force.
	Entries int
}

// For resolves one model's policy with the precedence model entry > default entry >
// fallback (WVA_SCALE_TO_ZERO) > off, field by field; the retention period defaults to
// decision.DefaultRetentionPeriod.
func (s ScaleToZeroSettings) For(modelID, namespace string, fallback bool) decision.ZeroConfig {
	chain := make([]ZeroEntry, 0, 3)
	if e, ok := s.Models[ModelKey{ModelID: modelID, Namespace: namespace}]; ok && namespace != "" {
		chain = append(chain, e)
	}
	if e, ok := s.Models[ModelKey{ModelID: modelID}]; ok {
		chain = append(chain, e)
	}
	chain = append(chain, s.Default)
	out := decision.ZeroConfig{Enabled: fallback, RetentionPeriod: decision.DefaultRetentionPeriod}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Enabled != nil {
			out.Enabled = *chain[i].Enabled
		}
		if chain[i].RetentionPeriod != nil {
			out.RetentionPeriod = *chain[i].RetentionPeriod
		}
	}
	return out
}

// ServiceClass is one SLO tier of the serviceclass ConfigMap.
type ServiceClass struct {
	// Name is the tier's name, e.g. Premium.
	Name string `json:"name"`
	// Model is the model id the tier applies to.
	Model string `json:"model"`
	// Priority orders tiers when capacity is short; 1 is served first.
	Priority int `json:"priority"`
	// SLOITL is the inter-token latency objective in milliseconds.
	SLOITL float64 `json:"slo-itl"`
	// SLOTTW is the time-to-first-token objective in milliseconds.
	SLOTTW float64 `json:"slo-ttw"`
}

// Config is the one typed configuration handed to every component that needs one.
type Config struct {
	// Static is fixed for the life of the process.
	Static StaticConfig
	// Dynamic may be replaced while the process runs.
	Dynamic DynamicConfig

	// layers remembers the flag and environment values (never secrets) so that a new main
	// ConfigMap can be resolved with the same precedence at runtime. It is a pointer so that
	// printing a Config shows an address, not raw inputs; it is replaced, never modified.
	layers *layers
}

// layers are the raw inputs a Config was resolved from, by key.
type layers struct {
	flags     map[string]string
	env       map[string]string
	configMap map[string]string
	origins   map[string]Layer
}

// SaturationFor returns the effective saturation thresholds of one model.
func (c Config) SaturationFor(modelID, namespace string) decision.SaturationConfig {
	return c.Dynamic.Saturation.For(modelID, namespace)
}

// ZeroFor returns the effective scale-to-zero policy of one model, falling back to
// WVA_SCALE_TO_ZERO when no ConfigMap entry decides.
func (c Config) ZeroFor(modelID, namespace string) decision.ZeroConfig {
	return c.Dynamic.ScaleToZero.For(modelID, namespace, c.Static.Features.ScaleToZero)
}

// ServiceClassesFor returns the HYBRID mode's service classes of one model, as the
// decision core takes them (objectives in durations); none means the default objectives.
func (c Config) ServiceClassesFor(modelID string) []decision.ServiceClass {
	var out []decision.ServiceClass
	for _, sc := range c.Dynamic.ServiceClasses {
		if sc.Model != modelID {
			continue
		}
		out = append(out, decision.ServiceClass{Name: sc.Name, Priority: sc.Priority,
			TTFT: millis(sc.SLOTTW), ITL: millis(sc.SLOITL)})
	}
	return out
}

// millis converts milliseconds to a duration.
func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// PriorFor returns the performance prior of a model's variant on an accelerator.
func (c Config) PriorFor(modelID, accelerator string) (PerformancePrior, bool) {
	return c.Dynamic.PerformancePriors.For(modelID, accelerator)
}

// Value is the value in force of a key, as text (a duration as it was written; a
// secret prints redacted), and false for a key WVA does not have: how a check outside this
// package compares what an install sets with what WVA resolved.
func (c Config) Value(key string) (string, bool) {
	k, ok := keyByName(key)
	if !ok {
		return "", false
	}
	return k.get(&c), true
}

// Origin says which layer the value of a key came from, for start-up logs and support.
func (c Config) Origin(key string) Layer {
	if c.layers == nil {
		return LayerDefault
	}
	return c.layers.origins[key]
}
