package decision

import (
	"math"
	"time"
)

// Defaults the v2 analyser uses when its optional thresholds are left at zero, so a
// configuration written for v1 still works when a model switches to v2.
const (
	defaultScaleUpThreshold  = 0.85
	defaultScaleDownBoundary = 0.70
)

// Effective fills the version and every optional setting left at zero with its default.
// The core decides with the effective configuration, and Validate judges it.
func (c SaturationConfig) Effective() SaturationConfig {
	if c.Version == "" {
		c.Version = SaturationV1
	}
	if c.ScaleUpThreshold == 0 {
		c.ScaleUpThreshold = defaultScaleUpThreshold
	}
	if c.ScaleDownBoundary == 0 {
		c.ScaleDownBoundary = defaultScaleDownBoundary
	}
	if c.ScaleDownMinCoverage == 0 {
		c.ScaleDownMinCoverage = DefaultScaleDownMinCoverage
	}
	if c.MaxScaleUpStep == 0 {
		c.MaxScaleUpStep = DefaultMaxScaleUpStep
	}
	if c.InFlightExpiryIntervals == 0 {
		c.InFlightExpiryIntervals = DefaultInFlightExpiryIntervals
	}
	return c
}

// Validate checks the effective configuration against the rules the analysers need. It
// is the one validator: the configuration package skips a ConfigMap entry it rejects, and
// the core answers a snapshot carrying such a configuration with the safety net. The
// error is a *ConfigError naming the key, the value and the fix.
func (c SaturationConfig) Validate() error {
	e := c.Effective()
	for _, rule := range saturationRules(e) {
		if rule.broken {
			return &ConfigError{Key: rule.key, Value: rule.value, Rule: rule.rule, Fix: rule.fix}
		}
	}
	return nil
}

// saturationRule is one rule of Validate: broken when the value does not meet it.
type saturationRule struct {
	key    string
	value  any
	broken bool
	rule   string
	fix    string
}

// saturationRules lists the rules in the order they are reported: ranges first, then the
// relations between keys. NaN fails every range check.
func saturationRules(c SaturationConfig) []saturationRule {
	in := func(v, lo, hi float64, openLo, openHi bool) bool {
		okLo := v > lo || (!openLo && v >= lo)
		okHi := v < hi || (!openHi && v <= hi)
		return okLo && okHi && !math.IsInf(v, 0)
	}
	return []saturationRule{
		{"analyzerVersion", c.Version, c.Version != SaturationV1 && c.Version != SaturationV2,
			`must be "v1" or "v2"`, "set analyzerVersion to v1 (spare capacity, the default) or v2 (token capacity)"},
		{"kvCacheThreshold", c.KvCacheThreshold, !in(c.KvCacheThreshold, 0, 1, true, false),
			"must be in (0, 1]", "set it to the KV-cache usage fraction at which a replica counts as saturated, e.g. 0.80 (the default)"},
		{"kvSpareTrigger", c.KvSpareTrigger, !in(c.KvSpareTrigger, 0, 1, false, true),
			"must be in [0, 1)", "set it to the average spare KV fraction below which WVA scales up, e.g. 0.10 (the default)"},
		{"queueLengthThreshold", c.QueueLengthThreshold, !in(c.QueueLengthThreshold, 0, math.MaxFloat64, true, false),
			"must be > 0 (0 marks every replica saturated)", "set it to the number of waiting requests at which a replica counts as saturated, e.g. 5 (the default)"},
		{"queueSpareTrigger", c.QueueSpareTrigger, !in(c.QueueSpareTrigger, 0, math.MaxFloat64, false, false),
			"must be >= 0", "set it to the average spare queue length below which WVA scales up, e.g. 3 (the default)"},
		{"scaleUpThreshold", c.ScaleUpThreshold, !in(c.ScaleUpThreshold, 0, 1, true, false),
			"must be in (0, 1]", "set it to the token utilisation above which v2 adds capacity, e.g. 0.85 (the default)"},
		{"scaleDownBoundary", c.ScaleDownBoundary, !in(c.ScaleDownBoundary, 0, c.ScaleUpThreshold, true, true),
			"must be in (0, scaleUpThreshold=" + fmtNum(c.ScaleUpThreshold) + ")", "set it below scaleUpThreshold, e.g. 0.70 (the default) with scaleUpThreshold 0.85"},
		{"scaleDownMinCoverage", c.ScaleDownMinCoverage, !in(c.ScaleDownMinCoverage, 0, 1, true, false),
			"must be in (0, 1]", "set it to the fraction of ready replicas that must report before v2 removes capacity, e.g. 0.8 (the default)"},
		{"maxScaleUpStep", c.MaxScaleUpStep, c.MaxScaleUpStep < 1,
			"must be >= 1", "set it to the most replicas one v2 decision may add to a variant beyond doubling it, e.g. 4 (the default)"},
		{"inFlightExpiryIntervals", c.InFlightExpiryIntervals, c.InFlightExpiryIntervals < 1,
			"must be >= 1", "set it to the number of intervals a change may stay in flight without the target moving, e.g. 3 (the default)"},
		{"kvSpareTrigger", c.KvSpareTrigger, c.KvSpareTrigger >= c.KvCacheThreshold,
			"must be below kvCacheThreshold (" + fmtNum(c.KvCacheThreshold) + "), or every cycle scales up",
			"set kvSpareTrigger below kvCacheThreshold, e.g. 0.10 with kvCacheThreshold 0.80"},
		{"queueSpareTrigger", c.QueueSpareTrigger, c.QueueSpareTrigger >= c.QueueLengthThreshold,
			"must be below queueLengthThreshold (" + fmtNum(c.QueueLengthThreshold) + "), or an idle model gains a replica every cycle",
			"set queueSpareTrigger below queueLengthThreshold, e.g. 3 with queueLengthThreshold 5"},
	}
}

// effectiveSaturation is the configuration the analysers decide with, or the reason it
// cannot be used; an error makes the decision fall back to the safety net rather than
// act on nonsense.
func effectiveSaturation(c SaturationConfig) (SaturationConfig, error) {
	e := c.Effective()
	return e, e.Validate()
}

// inFlightExpiry is how many intervals a change in flight is kept without progress, the
// default when the configuration does not say or cannot be used.
func inFlightExpiry(c SaturationConfig) int {
	if n := c.Effective().InFlightExpiryIntervals; n >= 1 {
		return n
	}
	return DefaultInFlightExpiryIntervals
}

// effectiveRetention returns the zero configuration with the retention period
// defaulted when unset.
func effectiveRetention(z ZeroConfig) ZeroConfig {
	if z.RetentionPeriod <= 0 {
		z.RetentionPeriod = DefaultRetentionPeriod
	}
	return z
}

// sinceOrZero is how long ago t was, never negative; ok is false when t is unknown.
func sinceOrZero(now, t time.Time) (time.Duration, bool) {
	if t.IsZero() {
		return 0, false
	}
	return max(0, now.Sub(t)), true
}
