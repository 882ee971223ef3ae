package decision

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateRejectsConfigsThatBreakTheAnalysers protects the rules one validator (used by
// the configuration package and the core alike) enforces: each rejection names the key,
// the value and the fix.
func TestValidateRejectsConfigsThatBreakTheAnalysers(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*SaturationConfig)
		key    string
	}{
		{"queueLengthThreshold 0 saturates every replica", func(c *SaturationConfig) { c.QueueLengthThreshold = 0 }, "queueLengthThreshold"},
		{"queueSpareTrigger equal to queueLengthThreshold scales an idle model up", func(c *SaturationConfig) { c.QueueSpareTrigger = 5 }, "queueSpareTrigger"},
		{"queueSpareTrigger above queueLengthThreshold", func(c *SaturationConfig) { c.QueueSpareTrigger = 9 }, "queueSpareTrigger"},
		{"kvSpareTrigger equal to kvCacheThreshold", func(c *SaturationConfig) { c.KvSpareTrigger = 0.8 }, "kvSpareTrigger"},
		{"negative maxScaleUpStep", func(c *SaturationConfig) { c.MaxScaleUpStep = -1 }, "maxScaleUpStep"},
		{"coverage above 1", func(c *SaturationConfig) { c.ScaleDownMinCoverage = 1.5 }, "scaleDownMinCoverage"},
		{"negative inFlightExpiryIntervals", func(c *SaturationConfig) { c.InFlightExpiryIntervals = -2 }, "inFlightExpiryIntervals"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultSaturationConfig()
			tc.mutate(&c)
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tc.key {
				t.Fatalf("Validate() = %v, want a ConfigError on %s", err, tc.key)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.key) || !strings.Contains(msg, "got ") || !strings.Contains(msg, "set ") {
				t.Errorf("message %q does not name key, value and fix", msg)
			}
		})
	}
	if err := DefaultSaturationConfig().Validate(); err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
}

// TestCoreRejectsQueueSpareTriggerAtOrAboveThreshold protects an idle model from gaining a
// replica every cycle when queueSpareTrigger >= queueLengthThreshold: the core answers
// with the safety net, naming the key.
func TestCoreRejectsQueueSpareTriggerAtOrAboveThreshold(t *testing.T) {
	s := snap([]VariantState{variant("a", 5, 2)}, replica("a", 0, 0.1, 0), replica("a", 1, 0.1, 0))
	s.Saturation.QueueSpareTrigger = s.Saturation.QueueLengthThreshold
	d := mustDecide(t, s)
	if !d.SafetyNet || !strings.Contains(d.Reason, "queueSpareTrigger") {
		t.Fatalf("want the safety net naming queueSpareTrigger, got desired %d: %q", d.Variants[0].DesiredReplicas, d.Reason)
	}
}
