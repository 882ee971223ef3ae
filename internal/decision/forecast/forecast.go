package forecast

import (
	"fmt"
	"math"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// Observation is a model's traffic over one window, as the collector measures it.
type Observation struct {
	// Rate is the mean arrival rate over the window, requests per second.
	Rate float64 `json:"rate"`
	// Peak is the highest rate over the short sub-windows within the window (for example
	// the largest 10-second rate), requests per second; zero means not measured.
	Peak float64 `json:"peak,omitempty"`
	// Mix is the token mix of the window's requests; a zero mean leaves the mix forecast
	// as it was.
	Mix perfmodel.Mix `json:"mix"`
}

// maxRate bounds a plausible arrival rate, so that squared errors stay finite.
const maxRate = 1e9

// Validate reports an observation that cannot be used, naming the field.
func (o Observation) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"rate", o.Rate}, {"peak", o.Peak}} {
		if !(f.v >= 0) || f.v > maxRate {
			return fmt.Errorf("traffic %s %v: must be a number of requests per second in [0, %g]", f.name, f.v, maxRate)
		}
	}
	return nil
}

// State is what a forecaster remembers between windows; the caller keeps it.
type State struct {
	// Level is the smoothed arrival rate, requests per second.
	Level float64 `json:"level"`
	// Trend is its rate of change, requests per second per second.
	Trend float64 `json:"trend"`
	// ErrorAbs is the smoothed absolute one-window forecast error, requests/s (robust to
	// the odd step: a squared error would let one step dominate the headroom for long).
	ErrorAbs float64 `json:"errorAbs"`
	// Rising counts the consecutive windows in which the level rose; a run of a few makes
	// a trend count in full (a step is not a ramp), as does a rise well above the noise.
	Rising int `json:"rising,omitempty"`
	// Burst is the smoothed excess of the short-time-scale peak over the window's mean.
	Burst float64 `json:"burst"`
	// Mix is the smoothed token mix.
	Mix perfmodel.Mix `json:"mix"`
	// Updated is the time of the last observation; zero means none yet.
	Updated time.Time `json:"updated,omitzero"`
	// Peak is the highest window rate of the last hour or so (it decays by half every
	// half hour), requests per second.
	Peak float64 `json:"peak,omitempty"`
	// LowSince is when the rate fell below a fifth of Peak, zero while it is not.
	LowSince time.Time `json:"lowSince,omitzero"`
	// Gap is the longest time the rate stayed that low before coming back (it decays by
	// half every hour): how long this traffic's idle spells last.
	Gap time.Duration `json:"gap,omitempty"`
	// BusySince is when the rate last rose above a fifth of Peak (or the first window);
	// Busy is the smoothed length of the busy spells between idle ones.
	BusySince time.Time     `json:"busySince,omitzero"`
	Busy      time.Duration `json:"busy,omitempty"`
	// UpSince is when the rate rose above a fifth of Peak during an idle spell; the spell
	// ends only once it has stayed up for resumeTime, so that a trickle does not end it.
	UpSince time.Time `json:"upSince,omitzero"`
	// Windows counts the observations taken.
	Windows int `json:"windows"`
}

// Forecast is what to provision for at a horizon.
type Forecast struct {
	// Horizon is how far ahead the forecast looks.
	Horizon time.Duration
	// Rate is the expected arrival rate at the horizon, requests per second.
	Rate float64
	// Headroom is added for forecast error and short-time-scale bursts.
	Headroom float64
	// Planned is the rate to provision for: the larger of the current level and the
	// expected rate, plus the headroom. Never below zero.
	Planned float64
	// Mix is the expected token mix.
	Mix perfmodel.Mix
	// Gap is the longest idle spell the traffic came back from recently (see State.Gap).
	Gap time.Duration
	// Idle is how long the traffic has been idle (below a fifth of its recent peak); 0
	// when it is not.
	Idle time.Duration
	// Busy is how long the traffic's busy spells between idle ones last (see
	// State.Busy); 0 before one has ended.
	Busy time.Duration
	// Peak is the recent peak rate (see State.Peak).
	Peak float64
}

// Forecaster turns observations into forecasts. Implementations are stateless values
// (their settings only); the state passes through.
type Forecaster interface {
	// Name identifies the method, for reasons and metrics.
	Name() string
	// Update takes one window's observation made at now.
	Update(s State, o Observation, now time.Time) State
	// At forecasts the horizon ahead of the last observation.
	At(s State, horizon time.Duration) Forecast
}

// New returns the forecaster of that name ("holt" or "naive") with its defaults.
func New(name string) (Forecaster, error) {
	switch name {
	case "", "holt":
		return DefaultHolt(), nil
	case "naive":
		return Naive{Z: DefaultHolt().Z}, nil
	}
	return nil, fmt.Errorf("forecaster %q: unknown, use holt or naive", name)
}

// mixTime is how fast the token mix forecast follows a change.
const mixTime = 5 * time.Minute

// smoothMix moves the mix toward an observed one (ignored when it is not a valid mix,
// e.g. a window without requests).
func smoothMix(prev, obs perfmodel.Mix, w float64, first bool) perfmodel.Mix {
	if obs.Validate() != nil {
		return prev
	}
	if first || prev.Input.Mean <= 0 {
		return obs
	}
	mv := func(a, b float64) float64 { return a + w*(b-a) }
	return perfmodel.Mix{
		Input:  perfmodel.Tokens{Mean: mv(prev.Input.Mean, obs.Input.Mean), SD: mv(prev.Input.SD, obs.Input.SD)},
		Output: perfmodel.Tokens{Mean: mv(prev.Output.Mean, obs.Output.Mean), SD: mv(prev.Output.SD, obs.Output.SD)},
	}
}

// weight is the smoothing weight of a step dt for time constant tau: 1 − e^(−dt/τ).
func weight(dt, tau time.Duration) float64 {
	if tau <= 0 {
		return 1
	}
	return -math.Expm1(-dt.Seconds() / tau.Seconds())
}
