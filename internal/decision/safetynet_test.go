package decision

import (
	"math"
	"strings"
	"testing"
)

// TestSafetyNet checks the fallback when signals or configuration cannot be used.
func TestSafetyNet(t *testing.T) {
	withPrev := variant("prev", 5, 3)
	withPrev.PreviousDesired = ptr(2)
	same := variant("same", 10, 2)
	same.PreviousDesired = ptr(2)
	variants := []VariantState{withPrev, variant("cur", 20, 4), same}
	hot := []ReplicaSignals{replica("cur", 0, 0.95, 9), replica("cur", 1, 0.95, 9)}
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		why    string
	}{
		{"prometheus error", func(s *Snapshot) { s.Signals = SignalStatus{Reason: "PrometheusError"} }, "signals unusable (PrometheusError)"},
		{"metrics stale", func(s *Snapshot) { s.Signals = SignalStatus{Reason: "MetricsStale"} }, "signals unusable (MetricsStale)"},
		{"unusable without a reason", func(s *Snapshot) { s.Signals = SignalStatus{} }, "signals unusable"},
		{"no replica samples", func(s *Snapshot) { s.Replicas = nil }, "no usable replica signals"},
		{"all samples of unknown variants", func(s *Snapshot) { s.Replicas = []ReplicaSignals{replica("gone", 0, 0.1, 0)} }, "1 sample(s) excluded"},
		{"invalid configuration", func(s *Snapshot) { s.Saturation.KvCacheThreshold = math.NaN() }, "invalid saturation config: kvCacheThreshold must be in (0, 1], got NaN"},
		{"unknown analyser version", func(s *Snapshot) { s.Saturation.Version = "v9" }, `analyzerVersion must be "v1" or "v2", got v9`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(variants, hot...)
			tc.mutate(&s)
			d := mustDecide(t, s)
			if !d.SafetyNet || d.Analysis.Analyzer != AnalyzerSafetyNet {
				t.Fatalf("not a safety-net decision: %+v", d)
			}
			check(t, d, map[string]want{
				"prev": {2, ActionScaleDown, "fallback previous-desired 2 (current 3)"},
				"cur":  {4, ActionHold, "fallback current-replicas 4"},
				"same": {2, ActionHold, "fallback previous-desired 2"},
			})
			sources := map[string]FallbackSource{"prev": FallbackPreviousDesired, "cur": FallbackCurrentReplicas, "same": FallbackPreviousDesired}
			for _, v := range d.Variants {
				if v.FallbackSource != sources[v.Name] {
					t.Errorf("variant %s: fallback %q, want %q", v.Name, v.FallbackSource, sources[v.Name])
				}
				if !strings.Contains(v.Reason, tc.why) {
					t.Errorf("variant %s: reason %q lacks %q", v.Name, v.Reason, tc.why)
				}
			}
		})
	}
}

// TestNormalDecisionIsNotSafetyNet guards against the flag being always on.
func TestNormalDecisionIsNotSafetyNet(t *testing.T) {
	d := mustDecide(t, snap([]VariantState{variant("a", 5, 2)}, replica("a", 0, 0.5, 0), replica("a", 1, 0.5, 0)))
	if d.SafetyNet || d.Variants[0].FallbackSource != "" {
		t.Fatalf("unexpected safety net: %+v", d)
	}
}

// TestConfigValidation checks which configurations the analysers accept.
func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*SaturationConfig)
		ok     bool
	}{
		{"defaults", func(*SaturationConfig) {}, true},
		{"empty version is v1", func(c *SaturationConfig) { c.Version = "" }, true},
		{"kv threshold 0", func(c *SaturationConfig) { c.KvCacheThreshold = 0 }, false},
		{"kv threshold above 1", func(c *SaturationConfig) { c.KvCacheThreshold = 1.2 }, false},
		{"negative queue trigger", func(c *SaturationConfig) { c.QueueSpareTrigger = -1 }, false},
		{"zero triggers are allowed", func(c *SaturationConfig) { c.KvSpareTrigger, c.QueueSpareTrigger = 0, 0 }, true},
		{"v2 thresholds are checked for v1 too (one validator)", func(c *SaturationConfig) { c.ScaleUpThreshold = 7 }, false},
		{"v2 threshold out of range for v2", func(c *SaturationConfig) { c.Version, c.ScaleUpThreshold = SaturationV2, 7 }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultSaturationConfig()
			tc.mutate(&c)
			if _, err := effectiveSaturation(c); (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
