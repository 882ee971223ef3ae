package decision

import "fmt"

// Defaults the v2 analyser uses when its optional thresholds are left at zero, so a
// configuration written for v1 still works when a model switches to v2.
const (
	defaultScaleUpThreshold  = 0.85
	defaultScaleDownBoundary = 0.70
)

// rangeCheck is one configuration value and the range it must lie in.
type rangeCheck struct {
	name   string
	value  float64
	lo, hi float64
	openLo bool // lo itself is not allowed
}

// ok reports whether the value is in range; NaN fails every comparison and is rejected.
func (k rangeCheck) ok() bool {
	return k.value <= k.hi && (k.value > k.lo || (!k.openLo && k.value >= k.lo))
}

// effectiveSaturation fills the version and the optional v2 thresholds, then checks the
// values the selected analyser uses; an error makes the decision fall back to the
// safety net rather than act on nonsense.
func effectiveSaturation(c SaturationConfig) (SaturationConfig, error) {
	if c.Version == "" {
		c.Version = SaturationV1
	}
	if c.ScaleUpThreshold == 0 {
		c.ScaleUpThreshold = defaultScaleUpThreshold
	}
	if c.ScaleDownBoundary == 0 {
		c.ScaleDownBoundary = defaultScaleDownBoundary
	}
	if c.Version != SaturationV1 && c.Version != SaturationV2 {
		return c, fmt.Errorf("unknown analyzerVersion %q", c.Version)
	}
	checks := []rangeCheck{
		{"kvCacheThreshold", c.KvCacheThreshold, 0, 1, true},
		{"queueLengthThreshold", c.QueueLengthThreshold, 0, 1e12, true},
		{"kvSpareTrigger", c.KvSpareTrigger, 0, 1, false},
		{"queueSpareTrigger", c.QueueSpareTrigger, 0, 1e12, false},
	}
	if c.Version == SaturationV2 {
		checks = append(checks,
			rangeCheck{"scaleUpThreshold", c.ScaleUpThreshold, 0, 1, true},
			rangeCheck{"scaleDownBoundary", c.ScaleDownBoundary, 0, 1, true})
	}
	for _, k := range checks {
		if !k.ok() {
			return c, fmt.Errorf("%s %v out of range", k.name, k.value)
		}
	}
	return c, nil
}

// effectiveRetention returns the zero configuration with the retention period
// defaulted when unset.
func effectiveRetention(z ZeroConfig) ZeroConfig {
	if z.RetentionPeriod <= 0 {
		z.RetentionPeriod = DefaultRetentionPeriod
	}
	return z
}
