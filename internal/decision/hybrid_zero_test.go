package decision

import (
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
)

// idleHybridSnap is the idle two-variant model (a: cost 5, b: cost 20, one replica
// each, nothing served in the retention period) in HYBRID mode, whose traffic came in
// busy spells of the given length; 2-minute start-ups and a 30 s interval make a cold
// start cost 2m15s of a spell.
func idleHybridSnap(busy time.Duration) Snapshot {
	s := idleSnapshot()
	s.Proactive = &ProactiveInput{
		Interval: 30 * time.Second,
		Variants: []VariantModel{{Name: "a", StartupTime: 2 * time.Minute}, {Name: "b", StartupTime: 2 * time.Minute}},
		State:    ProactiveState{Forecast: forecast.State{Busy: busy, Windows: 30, Updated: t0}},
		Settings: ProactiveSettings{KeepWarm: true},
	}
	return s
}

// TestHybridGoesToZeroByDefault: with keep-warm off (the default), a model the zero
// policy finds idle goes to zero in HYBRID mode as without it, whatever its spells.
func TestHybridGoesToZeroByDefault(t *testing.T) {
	for _, busy := range []time.Duration{0, 5 * time.Minute} {
		s := idleHybridSnap(busy)
		s.Proactive.Settings = ProactiveSettings{}
		d := mustDecide(t, s)
		for _, v := range d.Variants {
			if v.DesiredReplicas != 0 {
				t.Errorf("busy spells %v: variant %s desired %d, want 0 (keep-warm off): %s", busy, v.Name, v.DesiredReplicas, v.Reason)
			}
		}
		if d.Proactive == nil || !strings.Contains(d.Proactive.Why, "scale-to-zero decided") {
			t.Errorf("busy spells %v: outcome %+v should say the zero policy decided", busy, d.Proactive)
		}
	}
}

// TestHybridKeepsWarmWhenAColdStartCostsMoreThanTheBudget: with keep-warm on, the zero policy's verdict
// stands when a cold start costs a busy spell less than the attainment budget, and
// HYBRID keeps the cheapest variant's replica warm when it would cost more.
func TestHybridKeepsWarmWhenAColdStartCostsMoreThanTheBudget(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		want   map[string]int
		why    string
	}{
		{"short spells: a cold start would cost 45% of one", func(*Snapshot) {}, map[string]int{"a": 1, "b": 0},
			"keeps one a replica warm instead of scaling to zero: a cold start of 2m15s would cost about 45% of a busy spell of 5m0s"},
		{"long spells: a cold start costs 2% of one, within the 4.5% budget", func(s *Snapshot) { s.Proactive.State.Forecast.Busy = 2 * time.Hour },
			map[string]int{"a": 0, "b": 0}, "a cold start is affordable"},
		{"no spell seen yet: keep warm", func(s *Snapshot) { s.Proactive.State.Forecast.Busy = 0 }, map[string]int{"a": 1, "b": 0},
			"no busy spell has ended yet"},
		{"attainment observed far above the goal leaves budget for the cold start", func(s *Snapshot) {
			s.Proactive.State.Forecast.Busy = time.Hour
			s.Proactive.State.Budget = feedback.Budget{Attainment: 0.999, Requests: 5000, Sizing: 0.97}
		}, map[string]int{"a": 0, "b": 0}, "budget 4.4%"},
		{"attainment observed at the goal leaves none", func(s *Snapshot) {
			s.Proactive.State.Forecast.Busy = time.Hour
			s.Proactive.State.Budget = feedback.Budget{Attainment: 0.955, Requests: 5000, Sizing: 0.97}
		}, map[string]int{"a": 1, "b": 0}, "above the attainment budget of 0.0%"},
		{"the cheap variant may have no replica: the other stays warm", func(s *Snapshot) { s.Variants[0].MaxReplicas = ptr(0) },
			map[string]int{"a": 0, "b": 1}, "keeps one b replica warm"},
		{"the warm variant has none ready yet: the other's replica stays until it serves", func(s *Snapshot) {
			s.Variants[0].CurrentReplicas, s.Variants[0].ReadyReplicas = 0, 0
			s.Replicas = s.Replicas[1:]
		}, map[string]int{"a": 1, "b": 1}, "keeps one a replica warm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := idleHybridSnap(5 * time.Minute)
			tc.mutate(&s)
			d := mustDecide(t, s)
			for _, v := range d.Variants {
				if w, ok := tc.want[v.Name]; ok && v.DesiredReplicas != w {
					t.Errorf("variant %s: desired %d, want %d (reason %q)", v.Name, v.DesiredReplicas, w, v.Reason)
				}
			}
			if d.Analysis.Analyzer != AnalyzerScaleToZero {
				t.Errorf("analyzer %s, want %s: the zero policy found the model idle", d.Analysis.Analyzer, AnalyzerScaleToZero)
			}
			if !strings.Contains(d.Reason, tc.why) {
				t.Errorf("reason %q lacks %q", d.Reason, tc.why)
			}
		})
	}
}

// TestHybridKeepWarmLeavesCapacityOnlyAlone: without HYBRID the zero policy decides
// alone, whatever the traffic's spells.
func TestHybridKeepWarmLeavesCapacityOnlyAlone(t *testing.T) {
	s := idleHybridSnap(5 * time.Minute)
	s.Proactive = nil
	d := mustDecide(t, s)
	for _, v := range d.Variants {
		if v.DesiredReplicas != 0 {
			t.Fatalf("variant %s desired %d without HYBRID: %s", v.Name, v.DesiredReplicas, v.Reason)
		}
	}
}
