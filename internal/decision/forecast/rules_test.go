package forecast

import (
	"math"
	"testing"
	"time"
)

// TestHoltAtRules pins how a state becomes a forecast, one rule per case, from states
// as Update leaves them (see testdata/mutations.yaml for the mistakes each case catches).
// Defaults: RampWindows 4, StepWindows 1, MaxGrowth 0.25, MaxTrendHorizon 5 min, Z 0.5,
// BurstWeight 0.25.
func TestHoltAtRules(t *testing.T) {
	h := DefaultHolt()
	const sd1 = 1 / 1.2533 // a mean absolute error whose SD is 1
	cases := []struct {
		rule          string
		s             State
		horizon       time.Duration
		rate, planned float64
	}{
		{"one rising window is a step, not a ramp: no trend extrapolated",
			State{Level: 100, Trend: 0.01, Rising: 1}, 150 * time.Second, 100, 100},
		{"beyond the step, the trend counts in proportion: 1 of 3 windows",
			State{Level: 100, Trend: 0.01, Rising: 2}, 150 * time.Second, 100.5, 100.5},
		{"a ramp of RampWindows counts in full",
			State{Level: 100, Trend: 0.01, Rising: 4}, 150 * time.Second, 101.5, 101.5},
		{"the trend is extrapolated at most MaxTrendHorizon (5 min of a 10 min horizon)",
			State{Level: 100, Trend: 0.01, Rising: 4}, 10 * time.Minute, 103, 103},
		{"the extrapolated rise is capped at MaxGrowth (a quarter) of the level",
			State{Level: 10, Trend: 0.1, Rising: 4}, 5 * time.Minute, 12.5, 12.5},
		// A decline that turns (level rising for two windows while the smoothed trend is
		// still negative) forecasts below the level; the plan still holds the level.
		{"the plan never falls below the current level",
			State{Level: 100, Trend: -0.1, Rising: 4}, 150 * time.Second, 85, 100},
		{"headroom is Z standard deviations of the error (SD = 1.2533 mean absolute error)",
			State{Level: 100, ErrorAbs: 8}, time.Minute, 100, 100 + 0.5*1.2533*8},
		{"headroom adds BurstWeight of the burst excess",
			State{Level: 100, Burst: 8}, time.Minute, 100, 102},
		// A noisy ramp seldom rises window after window; its trend counts once the rise
		// over TrendTime (2 min) stands Significance (2) error SDs (here 1 req/s) above the
		// noise: 0.025/s makes 3 req/s, half way from 2 to 4, so half the trend counts.
		{"a trend standing above the noise counts in part without a run of rising windows",
			State{Level: 100, Trend: 0.025, ErrorAbs: sd1}, 150 * time.Second, 101.875, 102.375},
		{"a trend twice the significance above the noise counts in full",
			State{Level: 100, Trend: 0.05, ErrorAbs: sd1}, 150 * time.Second, 107.5, 108},
		{"a trend within the noise does not count",
			State{Level: 100, Trend: 0.015, ErrorAbs: sd1}, 150 * time.Second, 100, 100.5},
		{"the run of rising windows counts when it says more",
			State{Level: 100, Trend: 0.025, Rising: 4, ErrorAbs: sd1}, 150 * time.Second, 103.75, 104.25},
		{"without a measured error, the rising windows alone count",
			State{Level: 100, Trend: 0.05}, 150 * time.Second, 100, 100},
	}
	for _, c := range cases {
		f := h.At(c.s, c.horizon)
		if !near(f.Rate, c.rate, 1e-9) || !near(f.Planned, c.planned, 1e-9) {
			t.Errorf("%s: rate %v planned %v, want %v and %v", c.rule, f.Rate, f.Planned, c.rate, c.planned)
		}
	}
	off := DefaultHolt()
	off.Significance = 0
	if f := off.At(State{Level: 100, Trend: 0.05, ErrorAbs: sd1}, 150*time.Second); f.Rate != 100 {
		t.Errorf("significance 0 (off): rate %v, want the level 100", f.Rate)
	}
	if f := h.At(State{Level: 100, Trend: -0.05, ErrorAbs: sd1}, 150*time.Second); f.Rate != 100 {
		t.Errorf("a falling trend without rising windows: rate %v, want the level 100", f.Rate)
	}
}

// TestHoltUpdateRules pins one Update step from a known state.
func TestHoltUpdateRules(t *testing.T) {
	h := DefaultHolt()
	w30 := -math.Expm1(-0.25) // weight of 30 s for the 2-minute fall and trend constants
	prev := State{Level: 40, Windows: 5, Updated: t0}

	// The level falls by the fall weight; the trend follows the level's slope, not the
	// observation's (a fall the level does not follow yet is not a trend yet).
	s := h.Update(prev, Observation{Rate: 10}, t0.Add(30*time.Second))
	level := 40 - w30*30
	if !near(s.Level, level, 1e-9) || !near(s.Trend, w30*(level-40)/30, 1e-12) {
		t.Errorf("step 40→10: level %v trend %v, want %v and %v", s.Level, s.Trend, level, w30*(level-40)/30)
	}

	// A ramp followed exactly by the trend is no forecast error: no headroom for it.
	ramp := State{Level: 100, Trend: 0.1, Rising: 4, Windows: 5, Updated: t0}
	if s := h.Update(ramp, Observation{Rate: 103}, t0.Add(30*time.Second)); s.ErrorAbs != 0 {
		t.Errorf("a ramp followed exactly by the trend left an error of %v", s.ErrorAbs)
	}

	// A window whose short-time peak was not measured (0) adds no burst, first or later.
	if s := h.Update(State{}, Observation{Rate: 40}, t0); s.Burst != 0 {
		t.Errorf("first window without a peak: burst %v, want 0", s.Burst)
	}
	bursty := h.Update(State{}, Observation{Rate: 40, Peak: 60}, t0)
	s = h.Update(bursty, Observation{Rate: 40}, t0.Add(30*time.Second))
	wErr := -math.Expm1(-0.1) // 30 s of the 5-minute error constant
	if !near(s.Burst, 20*(1-wErr), 1e-9) {
		t.Errorf("unmeasured peak after a burst of 20: burst %v, want it to fade to %v", s.Burst, 20*(1-wErr))
	}
}

// TestWeight pins the smoothing weight 1 − e^(−dt/τ): below dt/τ, never above 1.
func TestWeight(t *testing.T) {
	cases := []struct {
		dt, tau time.Duration
		want    float64
	}{
		{0, time.Minute, 0},
		{30 * time.Second, 2 * time.Minute, 0.22119921692859512},
		{2 * time.Minute, 2 * time.Minute, 1 - 1/math.E},
		{20 * time.Minute, 2 * time.Minute, 1 - math.Exp(-10)},
		{time.Minute, 0, 1},
	}
	for _, c := range cases {
		if got := weight(c.dt, c.tau); !near(got, c.want, 1e-12) {
			t.Errorf("weight(%v, %v) = %v, want %v", c.dt, c.tau, got, c.want)
		}
	}
}

// TestHoltTracksIdleSpells pins the idle-spell bookkeeping keep-warm decisions read:
// idle is below a fifth of the recent peak; Idle is how long it has lasted; Gap is the
// longest spell the traffic came back from (decaying by half an hour); Busy averages
// the busy spells between idle ones; the recent peak halves every half hour.
func TestHoltTracksIdleSpells(t *testing.T) {
	h := DefaultHolt()
	// One window every 30 s: busy 0–90 s, idle at 9/s (18% of the peak) 120–180 s,
	// busy 210–300 s, idle at 330 s, back at 360 s; a spell ends once the traffic has
	// stayed back for resumeTime (a minute: at 270 s and 420 s).
	rates := []float64{50, 50, 50, 50, 9, 9, 9, 50, 50, 50, 50, 0, 50, 50, 50}
	var s State
	for i, r := range rates {
		s = h.Update(s, Observation{Rate: r}, t0.Add(time.Duration(i)*30*time.Second))
		if i == 6 {
			if f := h.At(s, time.Minute); f.Idle != time.Minute {
				t.Errorf("idle at 18%% of the peak since 120 s, at 180 s: Idle %v, want 1m0s", f.Idle)
			}
		}
	}
	f := h.At(s, time.Minute)
	// Busy spells: 30–120 s (the first window only starts the state) and 210–330 s.
	if f.Busy != 105*time.Second {
		t.Errorf("busy spells of 90 s and 120 s: Busy %v, want their mean 1m45s", f.Busy)
	}
	// Gaps: 90 s (120–210 s, known at 270 s), decayed over the 150 s since, then 30 s
	// (330–360 s).
	wantGap := 90 * time.Second.Seconds() * math.Exp2(-150.0/3600)
	if f.Gap.Seconds() < wantGap-0.01 || f.Gap.Seconds() > wantGap+0.01 || f.Idle != 0 {
		t.Errorf("idle spells of 90 s then 30 s: Gap %v, Idle %v; want the longer, decayed, %.2fs, and not idle", f.Gap, f.Idle, wantGap)
	}

	// Trickles during a lull (single windows above a fifth of the peak, a minute apart,
	// idle between) do not end it: the idle time counts from the lull's start.
	s = feed(h, []float64{50, 50, 50, 0, 0, 0, 0, 20, 0, 20, 0}, 30*time.Second)
	if f := h.At(s, time.Minute); f.Idle != 210*time.Second {
		t.Errorf("idle since 90 s with single windows at 20/s at 210 s and 270 s, at 300 s: Idle %v, want 3m30s", f.Idle)
	}

	s = feed(h, append([]float64{50, 50}, repeat(0, 60)...), 30*time.Second)
	if !near(s.Peak, 25, 1e-9) {
		t.Errorf("peak 50 then 30 min idle: peak %v, want 25 (half)", s.Peak)
	}
}
