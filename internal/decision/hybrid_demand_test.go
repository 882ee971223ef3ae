package decision

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
)

// total is a decision's desired replicas over all variants.
func total(d Decision) int {
	n := 0
	for _, v := range d.Variants {
		n += v.DesiredReplicas
	}
	return n
}

// TestHybridBacklogAddsDemand: requests waiting upstream are drained over the forecast
// horizon on top of the planned rate, so the model answer grows with the queue.
func TestHybridBacklogAddsDemand(t *testing.T) {
	s := hybridSnap(0, 3, 0.5, 0, 30)
	without := mustDecide(t, s)
	s.WaitingDemand = Demand{Known: true, Requests: 3000} // 20 req/s over a 2m30s horizon
	with := mustDecide(t, s)
	if with.Proactive.ModelReplicas <= without.Proactive.ModelReplicas {
		t.Fatalf("model answer %d with 3,000 requests waiting, %d without: the backlog should add capacity (%s)",
			with.Proactive.ModelReplicas, without.Proactive.ModelReplicas, with.Reason)
	}
}

// TestHybridStartingReplicasCountTowardTheFloor: saturation asks for more while
// replicas it already asked for are starting (its queue signal cannot see them serve).
// HYBRID keeps every replica the saturation answer asks of each variant, and the
// optimiser, which finds the replicas enough for the forecast, adds nothing beyond it.
// Without starting replicas the same queue adds.
func TestHybridStartingReplicasCountTowardTheFloor(t *testing.T) {
	s := hybridSnap(0, 4, 0.85, 6, 12) // every ready replica saturated, 12 req/s forecast
	s.Variants[1].CurrentReplicas = 6  // two H100s starting
	d := mustDecide(t, s)
	capOnly := s
	capOnly.Proactive = nil
	dc := mustDecide(t, capOnly)
	for _, v := range dc.Variants {
		if got := variantByName(t, d, v.Name).DesiredReplicas; got != v.DesiredReplicas {
			t.Errorf("%s: hybrid %d, saturation answer %d with two H100s starting: want the saturation answer, nothing added beyond it (%s)",
				v.Name, got, v.DesiredReplicas, d.Reason)
		}
	}
	ready := hybridSnap(0, 4, 0.85, 6, 12)
	if d := mustDecide(t, ready); total(d) <= 4 {
		t.Errorf("nothing starting: the saturation floor should add (%s)", d.Reason)
	}
}

// TestHybridIdleHoldKeepsCapacityThroughALull: early in an idle spell the stabilisation
// period stretches over it, so a lull shorter than the hold gives nothing back; the same
// planned-rate history without the lull gives back once the period has passed.
func TestHybridIdleHoldKeepsCapacityThroughALull(t *testing.T) {
	lull := func(idle bool) Snapshot {
		s := hybridSnap(0, 4, 0.1, 0, 0.5)
		s.Proactive.State.Since = t0.Add(-time.Hour)
		s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-4 * time.Minute), Rate: 40}}
		fs := forecast.State{Level: 0.5, Peak: 0.6, Mix: convMix, Updated: t0.Add(-30 * time.Second), Windows: 20}
		if idle {
			fs.Peak, fs.LowSince = 40, t0.Add(-2*time.Minute) // 40 req/s until two minutes ago
		}
		s.Proactive.State.Forecast = fs
		return s
	}
	d := mustDecide(t, lull(true))
	if got := variantByName(t, d, "h100").DesiredReplicas; got != 4 || !strings.Contains(d.Reason, "highest planned rate of the last 5m") {
		t.Errorf("two minutes into a lull: h100 %d, want 4 held over a 5-minute period (%s)", got, d.Reason)
	}
	d = mustDecide(t, lull(false))
	if got := variantByName(t, d, "h100").DesiredReplicas; got >= 4 {
		t.Errorf("no lull: h100 %d, want capacity given back after the 3-minute period (%s)", got, d.Reason)
	}
}

// TestHybridIdleTaperReleasesTheHoldInStep: once the hold has passed, the rate held over
// the lull is released in step over a second hold, not at once: all of it while the
// hold lasts, half of it half-way through the second, nothing after it.
func TestHybridIdleTaperReleasesTheHoldInStep(t *testing.T) {
	for _, c := range []struct {
		idle time.Duration
		keep float64
		why  string
	}{
		{5 * time.Minute, 40, "highest planned rate of the last 8m"},
		{15 * time.Minute, 20, "50% of the 40.0/s held over the idle spell"},
		{21 * time.Minute, 0.5, "highest planned rate of the last 3m"},
	} {
		s := hybridSnap(0, 4, 0.1, 0, 0.5)
		s.Proactive.State.Since = t0.Add(-time.Hour)
		s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-c.idle - time.Minute), Rate: 40}}
		s.Proactive.State.Forecast = forecast.State{Level: 0.5, Peak: 40, LowSince: t0.Add(-c.idle), Mix: convMix, Updated: t0.Add(-30 * time.Second), Windows: 20}
		d := mustDecide(t, s)
		if got := d.Proactive.Keep; math.Abs(got-c.keep) > 1e-9 || !strings.Contains(d.Reason, c.why) {
			t.Errorf("%v into a lull with a 10-minute hold: keeps %v/s, want %v/s (%q in %s)", c.idle, got, c.keep, c.why, d.Reason)
		}
	}
}

// TestIdleTaperSteps: the share kept is 1 when the hold ends, falls in step, and is 0
// before the hold ends (the hold itself keeps everything) and from one hold later.
func TestIdleTaperSteps(t *testing.T) {
	hold := 10 * time.Minute
	for _, c := range []struct {
		idle time.Duration
		want float64
	}{{0, 0}, {9 * time.Minute, 0}, {10 * time.Minute, 1}, {12 * time.Minute, 0.8}, {15 * time.Minute, 0.5}, {20 * time.Minute, 0}, {time.Hour, 0}} {
		if got := idleTaper(forecast.Forecast{Idle: c.idle}, hold); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("idleTaper(idle %v, hold %v) = %v, want %v", c.idle, hold, got, c.want)
		}
	}
}

// TestIdleHoldBounds: the hold is at least 10 minutes, one and a half lulls otherwise,
// at most 30 minutes.
func TestIdleHoldBounds(t *testing.T) {
	for _, c := range []struct{ gap, want time.Duration }{
		{0, 10 * time.Minute}, {4 * time.Minute, 10 * time.Minute}, {12 * time.Minute, 18 * time.Minute}, {time.Hour, 30 * time.Minute},
	} {
		if got := idleHold(forecast.Forecast{Gap: c.gap}); got != c.want {
			t.Errorf("idleHold(gap %v) = %v, want %v", c.gap, got, c.want)
		}
	}
}

// TestHybridRemovalAtTheLowestRateOfThePeriod: a replica is given back only while the
// rest, at the lowest rate per replica the stabilisation period counted (at most 10%
// below this cycle's), covers its highest planned rate. Three H100s sustain about 11.4/s
// each now; two would cover 22/s at that rate, not at the 10.5/s counted two minutes ago,
// so the third stays. Outside the period the lower rate no longer counts, and a rate half
// this cycle's (a learning transient) counts as 10% below it. The decision records this
// cycle's rates for the next.
func TestHybridRemovalAtTheLowestRateOfThePeriod(t *testing.T) {
	for _, c := range []struct {
		name string
		ago  time.Duration
		low  float64
		keep float64
		want int
	}{
		{"a lower rate within the period: kept", 2 * time.Minute, 10.5, 22, 3},
		// Older than the period: stabilise prunes it before keepRates reads the history
		// (keepRates' own cut-off, for the stretched history of an idle spell, is
		// TestHybridIdleSpellKeepsOnlyThePeriodsRates).
		{"a lower rate before the period: removed", 4 * time.Minute, 10.5, 22, 2},
		{"a rate half this cycle's counts 10% below it: removed", 2 * time.Minute, 5, 20, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := hybridSnap(0, 3, 0.1, 0, 16)
			s.Proactive.State.Since = t0.Add(-time.Hour)
			s.Proactive.State.Planned = []PlannedRate{
				{At: t0.Add(-c.ago), Rate: 16, Rates: map[string]float64{"h100": c.low}},
				{At: t0.Add(-time.Minute), Rate: c.keep},
			}
			d := mustDecide(t, s)
			h := d.Variants[1] // by name: a100, h100
			if h.Name != "h100" || h.DesiredReplicas != c.want {
				t.Errorf("h100 %d, want %d: %s", h.DesiredReplicas, c.want, d.Reason)
			}
			last := d.Proactive.State.Planned[len(d.Proactive.State.Planned)-1]
			if r := last.Rates["h100"]; !(r > 11) || last.At != t0 {
				t.Errorf("this cycle recorded h100 at %v/s at %v, want its rate now at %v: %+v", r, last.At, t0, last)
			}
		})
	}
}

// TestHybridIdleSpellKeepsOnlyThePeriodsRates: over an idle spell the planned-rate
// history reaches back beyond the stabilisation period (the hold, then the taper), but
// only the period's rates per replica judge a removal: the low rate of the busy minutes
// before the spell does not keep replicas the taper releases.
func TestHybridIdleSpellKeepsOnlyThePeriodsRates(t *testing.T) {
	s := hybridSnap(0, 3, 0.1, 0, 0.5)
	s.Proactive.State.Since = t0.Add(-time.Hour)
	s.Proactive.State.Planned = []PlannedRate{{At: t0.Add(-16 * time.Minute), Rate: 44, Rates: map[string]float64{"h100": 5}}}
	s.Proactive.State.Forecast = forecast.State{Level: 0.5, Peak: 44, LowSince: t0.Add(-15 * time.Minute), Mix: convMix, Updated: t0.Add(-30 * time.Second), Windows: 20}
	d := mustDecide(t, s)
	if h := d.Variants[1]; h.DesiredReplicas != 2 || !strings.Contains(d.Reason, "50% of the 44.0/s held over the idle spell") {
		t.Errorf("h100 %d, want 2 (22/s kept at this cycle's rate): %s", h.DesiredReplicas, d.Reason)
	}
}
