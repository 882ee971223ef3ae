package forecast

import (
	"math"
	"time"
)

// Holt is double exponential smoothing (a level and its trend) for irregular windows.
// The level follows a rise within RiseTime and a fall within FallTime: capacity is added
// for a rise at once and given back only when the fall has lasted. The trend follows
// the level's slope over TrendTime and is extrapolated in proportion to how many of the
// last RampWindows windows kept rising beyond the StepWindows a step takes to show, so
// that a step (a burst starting) does not pass for a ramp on its own; or, when more, in
// proportion to how far the rise the trend makes over TrendTime stands above the noise
// (Significance), since a noisy ramp seldom rises window after window. The headroom is Z standard deviations of the one-window forecast
// error (from its smoothed absolute value) plus BurstWeight times the smoothed excess of
// the short-time-scale peak over the mean.
type Holt struct {
	// RiseTime and FallTime are the level's time constants for rises and falls.
	RiseTime, FallTime time.Duration
	// TrendTime is the trend's time constant.
	TrendTime time.Duration
	// ErrorTime is the time constant of the error and burst averages.
	ErrorTime time.Duration
	// MaxTrendHorizon caps how far the trend is extrapolated.
	MaxTrendHorizon time.Duration
	// RampWindows is how many consecutive rising windows make a trend count in full (the
	// trend can also count for standing above the noise: Significance).
	RampWindows int
	// StepWindows is how many rising windows a step in the load takes to show (the
	// metrics window spans that many decisions); rising windows count toward the trend
	// only beyond them (Significance can still count a step's trend: it fades as the
	// level stops rising).
	StepWindows int
	// MaxGrowth caps the extrapolated rise over the horizon, as a share of the level.
	MaxGrowth float64
	// Significance lets a trend count without an unbroken run of rising windows (a
	// noisy ramp seldom rises window after window): in part once the rise it makes over
	// TrendTime exceeds Significance standard deviations of the forecast error, in full
	// at twice that. It needs a measured error (none: no evidence of noise yet, the
	// rising windows alone count). The error average starts at zero and takes about
	// ErrorTime to reach the noise, so in the first windows (and after a long quiet
	// spell) noise can pass for a trend, within MaxGrowth. 0 turns it off.
	Significance float64
	// Z is the headroom in standard deviations of the forecast error.
	Z float64
	// BurstWeight scales the short-time-scale excess added as headroom.
	BurstWeight float64
}

// DefaultHolt returns the tuned defaults (see docs/proactive-mode.md).
func DefaultHolt() Holt {
	return Holt{
		RiseTime: 10 * time.Second, FallTime: 2 * time.Minute, TrendTime: 2 * time.Minute, RampWindows: 4, StepWindows: 1, MaxGrowth: 0.25, Significance: 2,
		ErrorTime: 5 * time.Minute, MaxTrendHorizon: 5 * time.Minute, Z: 0.5, BurstWeight: 0.25,
	}
}

// madToSD converts a mean absolute error to the standard deviation of a normal error.
const madToSD = 1.2533

// Name identifies the method.
func (Holt) Name() string { return "holt" }

// Update takes one window's observation.
func (h Holt) Update(s State, o Observation, now time.Time) State {
	if o.Validate() != nil {
		return s
	}
	peakExcess := 0.0
	if o.Peak > o.Rate {
		peakExcess = o.Peak - o.Rate
	}
	if s.Windows == 0 || s.Updated.IsZero() {
		return State{Level: o.Rate, Burst: peakExcess, Mix: smoothMix(s.Mix, o.Mix, 1, true), Updated: now, Windows: 1}
	}
	dt := now.Sub(s.Updated)
	if dt <= 0 {
		return s // a repeated or out-of-order window teaches nothing
	}
	// The one-window forecast error, for the headroom; the level itself follows the
	// observations alone (asymmetrically), so a trend cannot carry it past them.
	err := o.Rate - (s.Level + s.Trend*dt.Seconds())
	a := weight(dt, h.FallTime)
	if o.Rate > s.Level {
		a = weight(dt, h.RiseTime)
	}
	level := math.Max(0, s.Level+a*(o.Rate-s.Level))
	b := weight(dt, h.TrendTime)
	trend := s.Trend + b*((level-s.Level)/dt.Seconds()-s.Trend)
	w := weight(dt, h.ErrorTime)
	rising := 0
	if level > s.Level*1.01 { // rose by more than 1%
		rising = s.Rising + 1
	}
	next := State{
		Level: level, Trend: trend, Rising: rising,
		ErrorAbs: s.ErrorAbs + w*(math.Abs(err)-s.ErrorAbs),
		Burst:    s.Burst + w*(peakExcess-s.Burst),
		Mix:      smoothMix(s.Mix, o.Mix, weight(dt, mixTime), false),
		Updated:  now, Windows: s.Windows + 1,
	}
	trackGaps(&next, s, o.Rate, dt, now)
	return next
}

// idleShare is the share of the recent peak below which traffic counts as idle.
const idleShare = 0.2

// resumeTime is how long traffic must stay above idleShare of its peak to end an idle
// spell: a request or two during a lull (one window above the line) is not the traffic
// coming back, and ending the spell on it would let go at once of the capacity held over
// the lull for the burst that follows.
const resumeTime = time.Minute

// trackGaps follows the recent peak rate and the idle spells the traffic came back from.
func trackGaps(next *State, prev State, rate float64, dt time.Duration, now time.Time) {
	next.Peak = math.Max(rate, prev.Peak*math.Exp2(-dt.Seconds()/(30*time.Minute).Seconds()))
	next.Gap = time.Duration(float64(prev.Gap) * math.Exp2(-dt.Seconds()/time.Hour.Seconds()))
	next.LowSince, next.BusySince, next.Busy, next.UpSince = prev.LowSince, prev.BusySince, prev.Busy, prev.UpSince
	if next.BusySince.IsZero() && next.LowSince.IsZero() {
		next.BusySince = now
	}
	low := rate < idleShare*next.Peak
	switch {
	case low:
		next.UpSince = time.Time{}
	case !next.LowSince.IsZero() && next.UpSince.IsZero():
		next.UpSince = now
	}
	switch {
	case low && next.LowSince.IsZero():
		next.LowSince = now
		if spell := now.Sub(next.BusySince); !next.BusySince.IsZero() && spell > 0 {
			next.Busy = spell
			if prev.Busy > 0 {
				next.Busy = (prev.Busy + spell) / 2
			}
		}
		next.BusySince = time.Time{}
	case !low && !next.LowSince.IsZero() && now.Sub(next.UpSince) >= resumeTime:
		next.Gap = max(next.Gap, next.UpSince.Sub(next.LowSince))
		next.LowSince, next.BusySince, next.UpSince = time.Time{}, next.UpSince, time.Time{}
	}
}

// At forecasts the horizon ahead.
func (h Holt) At(s State, horizon time.Duration) Forecast {
	ahead := min(horizon, h.MaxTrendHorizon)
	if h.MaxTrendHorizon <= 0 {
		ahead = horizon
	}
	confidence := 1.0
	if h.RampWindows > 0 {
		confidence = math.Min(1, float64(s.Rising)/float64(h.RampWindows))
		if h.StepWindows > 0 && h.RampWindows > h.StepWindows { // a step is not yet a ramp
			confidence = math.Min(1, math.Max(0, float64(s.Rising-h.StepWindows))/float64(h.RampWindows-h.StepWindows))
		}
	}
	confidence = math.Max(confidence, h.significance(s))
	rise := confidence * s.Trend * ahead.Seconds()
	if h.MaxGrowth > 0 {
		rise = math.Min(rise, h.MaxGrowth*s.Level)
	}
	rate := math.Max(0, s.Level+rise)
	head := h.Z*madToSD*math.Max(s.ErrorAbs, 0) + h.BurstWeight*math.Max(s.Burst, 0)
	fo := Forecast{Horizon: horizon, Rate: rate, Headroom: head, Planned: math.Max(rate, s.Level) + head, Mix: s.Mix, Gap: s.Gap, Busy: s.Busy, Peak: s.Peak}
	if !s.LowSince.IsZero() {
		fo.Idle = s.Updated.Sub(s.LowSince)
	}
	return fo
}

// significance is the share of the trend counted for standing above the noise: 0 until
// the rise it makes over TrendTime exceeds Significance standard deviations of the
// forecast error, then in proportion up to 1 at twice that.
func (h Holt) significance(s State) float64 {
	if !(h.Significance > 0) || !(s.ErrorAbs > 0) {
		return 0 // no noise measured yet: no evidence either way (a falling trend gives 0 below)
	}
	noise := h.Significance * madToSD * s.ErrorAbs
	return math.Min(1, math.Max(0, s.Trend*h.TrendTime.Seconds()/noise-1))
}

// Naive forecasts the last window's rate, with Z standard deviations of its
// window-to-window change as headroom: what a purely reactive rule would provision.
type Naive struct {
	// Z is the headroom in standard deviations of the window-to-window change.
	Z float64
}

// Name identifies the method.
func (Naive) Name() string { return "naive" }

// Update takes one window's observation.
func (n Naive) Update(s State, o Observation, now time.Time) State {
	if o.Validate() != nil {
		return s
	}
	first := s.Windows == 0
	d := o.Rate - s.Level
	if first {
		d = 0
	}
	return State{Level: o.Rate, ErrorAbs: s.ErrorAbs + 0.1*(math.Abs(d)-s.ErrorAbs), Mix: smoothMix(s.Mix, o.Mix, 1, true), Updated: now, Windows: s.Windows + 1}
}

// At forecasts the last rate.
func (n Naive) At(s State, horizon time.Duration) Forecast {
	head := n.Z * madToSD * math.Max(s.ErrorAbs, 0)
	return Forecast{Horizon: horizon, Rate: s.Level, Headroom: head, Planned: s.Level + head, Mix: s.Mix}
}
