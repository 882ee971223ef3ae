package forecast

import (
	"math"
	"time"
)

// Holt is double exponential smoothing (level and trend) for irregular windows. The
// level follows a rise within RiseTime and a fall within FallTime: capacity is added
// for a rise at once and given back only when the fall has lasted. The headroom is Z
// standard deviations of the one-window forecast error plus BurstWeight times the
// smoothed excess of the short-time-scale peak over the mean.
type Holt struct {
	// RiseTime and FallTime are the level's time constants for rises and falls.
	RiseTime, FallTime time.Duration
	// TrendTime is the trend's time constant.
	TrendTime time.Duration
	// ErrorTime is the time constant of the error and burst averages.
	ErrorTime time.Duration
	// MaxTrendHorizon caps how far the trend is extrapolated.
	MaxTrendHorizon time.Duration
	// Z is the headroom in standard deviations of the forecast error.
	Z float64
	// BurstWeight scales the short-time-scale excess added as headroom.
	BurstWeight float64
}

// DefaultHolt returns the tuned defaults (see docs/proactive-mode.md).
func DefaultHolt() Holt {
	return Holt{
		RiseTime: 10 * time.Second, FallTime: 2 * time.Minute, TrendTime: 2 * time.Minute,
		ErrorTime: 10 * time.Minute, MaxTrendHorizon: 5 * time.Minute, Z: 1, BurstWeight: 0.5,
	}
}

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
	pred := s.Level + s.Trend*dt.Seconds()
	err := o.Rate - pred
	a := weight(dt, h.FallTime)
	if err > 0 {
		a = weight(dt, h.RiseTime)
	}
	level := math.Max(0, pred+a*err)
	b := weight(dt, h.TrendTime)
	trend := s.Trend + b*((level-s.Level)/dt.Seconds()-s.Trend)
	w := weight(dt, h.ErrorTime)
	return State{
		Level: level, Trend: trend,
		ErrorVar: s.ErrorVar + w*(err*err-s.ErrorVar),
		Burst:    s.Burst + w*(peakExcess-s.Burst),
		Mix:      smoothMix(s.Mix, o.Mix, weight(dt, mixTime), false),
		Updated:  now, Windows: s.Windows + 1,
	}
}

// At forecasts the horizon ahead.
func (h Holt) At(s State, horizon time.Duration) Forecast {
	ahead := min(horizon, h.MaxTrendHorizon)
	if h.MaxTrendHorizon <= 0 {
		ahead = horizon
	}
	rate := math.Max(0, s.Level+s.Trend*ahead.Seconds())
	head := h.Z*math.Sqrt(math.Max(s.ErrorVar, 0)) + h.BurstWeight*math.Max(s.Burst, 0)
	return Forecast{Horizon: horizon, Rate: rate, Headroom: head, Planned: math.Max(rate, s.Level) + head, Mix: s.Mix}
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
	return State{Level: o.Rate, ErrorVar: s.ErrorVar + 0.1*(d*d-s.ErrorVar), Mix: smoothMix(s.Mix, o.Mix, 1, true), Updated: now, Windows: s.Windows + 1}
}

// At forecasts the last rate.
func (n Naive) At(s State, horizon time.Duration) Forecast {
	head := n.Z * math.Sqrt(math.Max(s.ErrorVar, 0))
	return Forecast{Horizon: horizon, Rate: s.Level, Headroom: head, Planned: s.Level + head, Mix: s.Mix}
}
