package decision

import (
	"math"
	"strings"
	"testing"
	"time"
)

// idleSnapshot is a model with zero policy enabled whose two replicas served nothing.
func idleSnapshot() Snapshot {
	a, b := replica("a", 0, 0, 0), replica("b", 0, 0, 0)
	for _, r := range []*ReplicaSignals{&a, &b} {
		r.SuccessCount, r.Running = 0, 0
	}
	s := snap([]VariantState{variant("a", 5, 1), variant("b", 20, 1)}, a, b)
	s.Zero.Enabled = true
	return s
}

// TestZeroPolicy checks that only complete, fresh data showing no traffic scales to zero.
func TestZeroPolicy(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		toZero bool
		why    string // substring of Analysis.ZeroPolicy or the model reason
	}{
		{"idle model with zero enabled goes to zero", func(*Snapshot) {}, true, "no successful request during the 10m0s retention period"},
		{"zero disabled", func(s *Snapshot) { s.Zero.Enabled = false }, false, "disabled"},
		{"a success in the window keeps it", func(s *Snapshot) { s.Replicas[1].SuccessCount = 1 }, false, "traffic: 1.0 successful request(s)"},
		{"a running request keeps it", func(s *Snapshot) { s.Replicas[0].Running = 1 }, false, "requests running or waiting"},
		{"requests waiting upstream keep it", func(s *Snapshot) { s.WaitingDemand = Demand{Known: true, Requests: 2} }, false, "2 request(s) waiting upstream"},
		{"an unreadable gateway queue keeps it", func(s *Snapshot) { s.WaitingDemand = Demand{Failure: "status 401"} }, false, "requests waiting upstream could not be read (status 401)"},
		{"stale sample is not zero traffic", func(s *Snapshot) {
			s.MaxSampleAge = time.Minute
			s.Replicas[0].SampleTime = t0.Add(-5 * time.Minute)
		}, false, "1 replica sample(s) excluded"},
		{"sample of unknown age is not zero traffic when age is checked", func(s *Snapshot) {
			s.MaxSampleAge = time.Minute
			s.Replicas[0].SampleTime = time.Time{}
		}, false, "excluded"},
		{"invalid sample is not zero traffic", func(s *Snapshot) { s.Replicas[0].SuccessCount = math.NaN() }, false, "excluded"},
		{"a ready replica without a sample is not zero traffic", func(s *Snapshot) { s.Replicas = s.Replicas[:1] }, false, "variant b has 1 ready replica(s) but 0 sample(s)"},
		{"counts over a window shorter than retention are not enough", func(s *Snapshot) { s.SuccessWindow = 5 * time.Minute }, false, "success counts cover 5m0s, retention period is 10m0s"},
		{"unknown window is not enough", func(s *Snapshot) { s.SuccessWindow = 0 }, false, "success counts cover 0s"},
		{"unset retention defaults to 10m", func(s *Snapshot) { s.Zero.RetentionPeriod = 0; s.SuccessWindow = 9 * time.Minute }, false, "retention period is 10m0s"},
		{"longer retention is honoured", func(s *Snapshot) { s.Zero.RetentionPeriod = time.Hour; s.SuccessWindow = time.Hour }, true, "1h0m0s retention period"},
		{"failed query is never zero traffic", func(s *Snapshot) { s.Signals = SignalStatus{Reason: "PrometheusError"} }, false, "PrometheusError"},
		{"missing metrics are never zero traffic", func(s *Snapshot) { s.Signals = SignalStatus{Reason: "MetricsMissing"} }, false, "MetricsMissing"},
		{"empty result is never zero traffic", func(s *Snapshot) { s.Replicas = nil }, false, "no usable replica signals"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := idleSnapshot()
			tc.mutate(&s)
			d := mustDecide(t, s)
			total := 0
			for _, v := range d.Variants {
				total += v.DesiredReplicas
			}
			if tc.toZero != (total == 0) {
				t.Fatalf("toZero=%v but desired total %d: %+v", tc.toZero, total, d)
			}
			if tc.toZero != (d.Analysis.Analyzer == AnalyzerScaleToZero) {
				t.Fatalf("analyzer %s", d.Analysis.Analyzer)
			}
			if !strings.Contains(d.Analysis.ZeroPolicy+" | "+d.Reason, tc.why) {
				t.Fatalf("zero policy %q / reason %q lacks %q", d.Analysis.ZeroPolicy, d.Reason, tc.why)
			}
		})
	}
}

// TestZeroPolicyRespectsMinReplicas checks that a minimum bound beats the zero policy.
func TestZeroPolicyRespectsMinReplicas(t *testing.T) {
	s := idleSnapshot()
	s.Variants[0].MinReplicas = ptr(1)
	d := mustDecide(t, s)
	check(t, d, map[string]want{"a": {1, ActionHold, "raised to minReplicas 1 (wanted 0)"}, "b": {0, ActionScaleDown, "scale-to-zero"}})
	if variantByName(t, d, "a").BoundedBy != "minReplicas" {
		t.Fatalf("BoundedBy not set: %+v", d.Variants)
	}
}

// TestScaleFromZero covers waking a model whose variants are all at zero.
func TestScaleFromZero(t *testing.T) {
	zero := func() []VariantState {
		return []VariantState{variant("pricey", 20, 0), variant("cheap", 5, 0), variant("mid", 10, 0)}
	}
	cases := []struct {
		name   string
		mutate func(*Snapshot)
		wants  map[string]want
		reason string
	}{
		{"waiting requests wake the cheapest variant", func(s *Snapshot) {},
			map[string]want{"cheap": {1, ActionScaleUp, "scale-from-zero: 3 request(s) waiting"}, "mid": {0, ActionHold, ""}, "pricey": {0, ActionHold, ""}}, "scale-from-zero"},
		{"unknown demand leaves the model at zero", func(s *Snapshot) { s.WaitingDemand = Demand{} },
			map[string]want{"cheap": {0, ActionHold, "waiting demand unknown"}}, "unknown"},
		{"an unreadable queue says why", func(s *Snapshot) { s.WaitingDemand = Demand{Failure: "connection refused"} },
			map[string]want{"cheap": {0, ActionHold, "waiting demand unknown (connection refused)"}}, "connection refused"},
		{"no waiting demand leaves the model at zero", func(s *Snapshot) { s.WaitingDemand = Demand{Known: true} },
			map[string]want{"cheap": {0, ActionHold, "no requests waiting"}}, "no requests waiting"},
		{"unusable replica signals do not stop waking", func(s *Snapshot) { s.Signals = SignalStatus{Reason: "MetricsMissing"} },
			map[string]want{"cheap": {1, ActionScaleUp, ""}}, "scale-from-zero"},
		{"cheapest at maxReplicas 0 is skipped", func(s *Snapshot) { s.Variants[1].MaxReplicas = ptr(0) },
			map[string]want{"cheap": {0, ActionHold, ""}, "mid": {1, ActionScaleUp, "cheapest variant mid"}}, "scale-from-zero"},
		{"wake already in flight is kept and not repeated", func(s *Snapshot) { s.Variants[2].PreviousDesired = ptr(1) },
			map[string]want{"mid": {1, ActionScaleUp, "change in flight"}, "cheap": {0, ActionHold, "already in flight"}}, "already in flight"},
		{"no GPU for the cheapest wakes the next", func(s *Snapshot) {
			s.FreeGPUs = map[string]int{"acc-cheap": 0, "acc-mid": 4}
		}, map[string]want{"cheap": {0, ActionHold, "GPU limit"}, "mid": {1, ActionScaleUp, "cheapest variant cheap could not get GPUs"}}, "scale-from-zero"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(zero())
			s.WaitingDemand = Demand{Known: true, Requests: 3}
			tc.mutate(&s)
			d := mustDecide(t, s)
			check(t, d, tc.wants)
			if !strings.Contains(d.Reason, tc.reason) {
				t.Fatalf("model reason %q lacks %q", d.Reason, tc.reason)
			}
		})
	}
}

// TestZeroPolicyCountsSuccessesOfGonePods protects a model that served requests within its
// retention period on Pods that a rolling restart has since replaced: the model-level
// success count keeps it from going to zero.
func TestZeroPolicyCountsSuccessesOfGonePods(t *testing.T) {
	s := idleSnapshot()
	s.ModelSuccesses = 7
	d := mustDecide(t, s)
	if d.Analysis.Analyzer == AnalyzerScaleToZero || !strings.Contains(d.Analysis.ZeroPolicy, "7.0 successful request(s)") {
		t.Fatalf("model went to zero despite 7 successes on gone pods: %s / %s", d.Analysis.Analyzer, d.Analysis.ZeroPolicy)
	}
}

// TestWakeNotFollowedIsNotEscalated protects a model at zero whose wake-up the target did
// not follow (an HPA that did not take the target to zero itself keeps it paused): the
// expired change is asked for again, one replica, never one more each time it expires;
// and it is withdrawn once no request waits any more.
func TestWakeNotFollowedIsNotEscalated(t *testing.T) {
	expired := func(demand Demand) Snapshot {
		s := snap([]VariantState{variant("cheap", 5, 0), variant("dear", 20, 0)})
		s.Interval = 5 * time.Second
		s.Variants[0].PreviousDesired, s.Variants[0].InFlightSince = ptr(1), t0.Add(-time.Minute)
		s.WaitingDemand = demand
		return s
	}
	d := mustDecide(t, expired(Demand{Known: true, Requests: 1}))
	check(t, d, map[string]want{"cheap": {1, ActionScaleUp, "not followed"}, "dear": {0, ActionHold, ""}})
	d = mustDecide(t, expired(Demand{}))
	check(t, d, map[string]want{"cheap": {1, ActionScaleUp, "not followed"}})
	d = mustDecide(t, expired(Demand{Known: true}))
	check(t, d, map[string]want{"cheap": {0, ActionHold, "withdrawn"}, "dear": {0, ActionHold, ""}})
}
