package decision

import (
	"testing"
	"time"
)

// TestScaleDownWaitsForThePeakWindowAfterAFailure: signals usable again after an outage
// hold seconds of data; a scale-down they would justify waits until the peak window has
// passed since they came back, while a scale-up is never held.
func TestScaleDownWaitsForThePeakWindowAfterAFailure(t *testing.T) {
	idle := func() Snapshot {
		s := snap([]VariantState{variant("a", 5, 3)}, replica("a", 0, 0.05, 0), replica("a", 1, 0.05, 0), replica("a", 2, 0.05, 0))
		s.PeakWindow = time.Minute
		return s
	}
	busy := func() Snapshot {
		s := snap([]VariantState{variant("a", 5, 2)}, replica("a", 0, 0.9, 8), replica("a", 1, 0.9, 8))
		s.PeakWindow = time.Minute
		return s
	}
	for _, tc := range []struct {
		name string
		s    Snapshot
		back time.Duration // signals usable again this long ago; 0: no failure seen
		want want
	}{
		{"no failure seen: scale down", idle(), 0, want{desired: 2, action: ActionScaleDown}},
		{"back 20s after an outage: hold", idle(), 20 * time.Second, want{desired: 3, action: ActionHold,
			reason: "hold: signals usable again for 20s only after a failure; scale-down waits until the 1m0s peak window holds data again"}},
		{"back just under the window: hold", idle(), time.Minute - time.Second, want{desired: 3, action: ActionHold}},
		{"back for the whole window: scale down", idle(), time.Minute, want{desired: 2, action: ActionScaleDown}},
		{"scale-up is not held", busy(), 5 * time.Second, want{desired: 3, action: ActionScaleUp}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if tc.back > 0 {
				s.SignalsBackSince = s.Now.Add(-tc.back)
			}
			check(t, mustDecide(t, s), map[string]want{"a": tc.want})
			// DecideCycle applies the same rule.
			check(t, DecideCycle([]Snapshot{s}, nil)[0].Decision, map[string]want{"a": tc.want})
		})
	}
}

// TestZeroWaitsForTheRetentionPeriodAfterAFailure: an idle model goes to zero only when
// the retention period has passed since its signals came back from a failure.
func TestZeroWaitsForTheRetentionPeriodAfterAFailure(t *testing.T) {
	s := idleSnapshot()
	s.PeakWindow = 10 * time.Second
	s.SignalsBackSince = s.Now.Add(-5 * time.Minute)
	d := mustDecide(t, s)
	if d.Analysis.ZeroPolicy != "not applied: signals usable again for 5m0s only after a failure; the 10m0s retention period does not hold data yet" {
		t.Fatalf("zero policy %q", d.Analysis.ZeroPolicy)
	}
	for _, v := range d.Variants {
		if v.DesiredReplicas == 0 {
			t.Fatalf("variant %s to zero 5m after a failure, retention 10m", v.Name)
		}
	}
	s.SignalsBackSince = s.Now.Add(-10 * time.Minute)
	for _, v := range mustDecide(t, s).Variants {
		if v.DesiredReplicas != 0 {
			t.Fatalf("variant %s kept %d once the retention period holds data again", v.Name, v.DesiredReplicas)
		}
	}
}
