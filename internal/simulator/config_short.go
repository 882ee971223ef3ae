package simulator

import (
	"fmt"
	"slices"
	"time"
)

// Shortening describes the quick form of a scenario, for tests that must take seconds:
// synthetic patterns compressed in time, trace loads cut to a window.
type Shortening struct {
	// TimeScale multiplies every duration of synthetic patterns (length, step and burst
	// times, rate points, on/off means); 0 leaves them.
	TimeScale float64 `json:"timeScale,omitempty"`
	// Offset and Duration cut trace loads to a window; zero Duration leaves them.
	Offset   Duration `json:"offset,omitempty"`
	Duration Duration `json:"duration,omitempty"`
	// RateScale multiplies every load's request rate (0 leaves it), so fewer replicas
	// and requests are simulated.
	RateScale float64 `json:"rateScale,omitempty"`
}

// Shortened returns a copy of the config with its loads shortened; the config itself is
// not modified.
func (c Config) Shortened(s Shortening) (Config, error) {
	if s.TimeScale < 0 || s.TimeScale > 1 || s.RateScale < 0 || s.RateScale > 1 || s.Offset < 0 || s.Duration < 0 {
		return c, fmt.Errorf("%w: short: timeScale %g and rateScale %g must lie in (0, 1], offset and duration must not be negative", ErrConfig, s.TimeScale, s.RateScale)
	}
	c.Load = c.Load.shortened(s)
	c.Models = slices.Clone(c.Models)
	for i := range c.Models {
		if l := c.Models[i].Load; l != nil {
			sl := l.shortened(s)
			c.Models[i].Load = &sl
		}
	}
	return c, nil
}

// shortened returns a shortened copy of one load.
func (l LoadConfig) shortened(s Shortening) LoadConfig {
	if l.Pattern != nil && s.TimeScale > 0 {
		p := *l.Pattern
		scale := func(d Duration) Duration {
			return Duration(time.Duration(float64(d) * s.TimeScale).Round(time.Millisecond))
		}
		p.Duration, p.StepAt, p.BurstEvery, p.BurstLength = scale(p.Duration), scale(p.StepAt), scale(p.BurstEvery), scale(p.BurstLength)
		p.OnMean, p.OffMean = scale(p.OnMean), scale(p.OffMean)
		p.Points = slices.Clone(p.Points)
		for i := range p.Points {
			p.Points[i].At = scale(p.Points[i].At)
		}
		l.Pattern = &p
	}
	if l.Pattern == nil && s.Duration > 0 {
		l.Offset, l.Duration = s.Offset, s.Duration
	}
	if s.RateScale > 0 {
		if l.Pattern != nil {
			p := *l.Pattern
			p.Rate, p.Rate2 = p.Rate*s.RateScale, p.Rate2*s.RateScale
			p.Points = slices.Clone(p.Points)
			for i := range p.Points {
				p.Points[i].Rate *= s.RateScale
			}
			l.Pattern = &p
		} else {
			l.RateScale = max(1, l.RateScale) * s.RateScale
		}
	}
	return l
}
