package loadgen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// errSchedule marks invalid schedule options.
var errSchedule = errors.New("invalid schedule")

// TraceOptions select and reshape part of a trace.
type TraceOptions struct {
	// Offset skips the first part of the trace (trace time).
	Offset time.Duration
	// Duration keeps only this much trace time after Offset (0 = to the end).
	Duration time.Duration
	// SpeedUp divides inter-arrival times (2 = replay twice as fast); default 1.
	SpeedUp float64
	// RateScale multiplies the request rate without changing the time axis: 0.5 keeps
	// about every other request, 2.5 sends each request two or three times. Default 1.
	RateScale float64
	// Seed drives the random thinning or replication of RateScale.
	Seed uint64
}

// FromTrace turns trace records into a schedule: the window [Offset, Offset+Duration)
// shifted to start at 0, sped up, and rate-scaled.
func FromTrace(trace []Request, o TraceOptions) ([]Request, error) {
	if o.SpeedUp == 0 {
		o.SpeedUp = 1
	}
	if o.RateScale == 0 {
		o.RateScale = 1
	}
	if o.SpeedUp < 0 || o.RateScale < 0 || o.Offset < 0 || o.Duration < 0 {
		return nil, fmt.Errorf("%w: offset, duration, speed-up and rate scale must not be negative", errSchedule)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 11))
	var out []Request
	for _, r := range trace {
		if r.At < o.Offset || (o.Duration > 0 && r.At >= o.Offset+o.Duration) {
			continue
		}
		r.At = time.Duration(float64(r.At-o.Offset) / o.SpeedUp)
		copies := int(o.RateScale)
		if rng.Float64() < o.RateScale-float64(copies) {
			copies++
		}
		for range copies {
			out = append(out, r)
		}
	}
	return out, nil
}

// PatternKind names a synthetic arrival pattern.
type PatternKind string

const (
	// Constant sends at exactly Rate per second, evenly spaced.
	Constant PatternKind = "constant"
	// Poisson sends at Rate per second with exponential gaps.
	Poisson PatternKind = "poisson"
	// Ramp goes linearly from Rate to Rate2 over Duration (Poisson arrivals).
	Ramp PatternKind = "ramp"
	// Step sends at Rate until StepAt, then at Rate2 (Poisson arrivals).
	Step PatternKind = "step"
	// Burst sends at Rate, with bursts at Rate2 lasting BurstLength every BurstEvery.
	Burst PatternKind = "burst"
	// Piecewise moves the rate linearly from one of Points to the next and holds the
	// last point's rate (Poisson arrivals): ramps, plateaus and flash crowds.
	Piecewise PatternKind = "piecewise"
	// OnOff alternates on periods at Rate and off periods at Rate2 (often 0), their
	// lengths drawn exponentially with means OnMean and OffMean: a two-state
	// Markov-modulated Poisson process, for bursty traffic with idle minutes. It starts on.
	OnOff PatternKind = "onoff"
)

// RatePoint is one corner of a piecewise rate: Rate requests/s at At.
type RatePoint struct {
	At   time.Duration
	Rate float64
}

// Pattern describes a synthetic schedule.
type Pattern struct {
	Kind PatternKind
	// Rate is the base rate in requests per second; Rate2 the ramp end, step or burst rate.
	Rate, Rate2 float64
	// Duration is the length of the schedule.
	Duration time.Duration
	// StepAt is when Step switches to Rate2 (default Duration/2).
	StepAt time.Duration
	// BurstEvery and BurstLength shape Burst (defaults Duration/4 and BurstEvery/4).
	BurstEvery, BurstLength time.Duration
	// Points shape Piecewise, in increasing time; before the first the rate is the
	// first point's.
	Points []RatePoint
	// OnMean and OffMean are OnOff's mean period lengths.
	OnMean, OffMean time.Duration
	// PromptTokens and OutputTokens are the lengths of every request.
	PromptTokens, OutputTokens int
	// Seed drives the random arrivals.
	Seed uint64
}

// Synthetic builds the schedule of a pattern. Poisson-based kinds use thinning against
// the peak rate, so the arrivals follow the time-varying rate exactly in distribution.
func Synthetic(p Pattern) ([]Request, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	mk := func(at time.Duration) Request {
		return Request{At: at, PromptTokens: p.PromptTokens, OutputTokens: p.OutputTokens}
	}
	var out []Request
	if p.Kind == Constant {
		gap := time.Duration(float64(time.Second) / p.Rate)
		for at := time.Duration(0); at < p.Duration; at += gap {
			out = append(out, mk(at))
		}
		return out, nil
	}
	rate := p.rateFunc()
	peak := p.peak()
	rng := rand.New(rand.NewPCG(p.Seed, 13))
	for t := 0.0; ; {
		t += rng.ExpFloat64() / peak
		at := time.Duration(t * float64(time.Second))
		if at >= p.Duration {
			return out, nil
		}
		if rng.Float64()*peak < rate(at) {
			out = append(out, mk(at))
		}
	}
}

func (p *Pattern) validate() error {
	if p.Duration <= 0 || p.Rate < 0 || p.Rate2 < 0 || p.PromptTokens < 1 || p.OutputTokens < 1 {
		return fmt.Errorf("%w: pattern %q needs a positive duration, non-negative rates and token lengths >= 1", errSchedule, p.Kind)
	}
	switch p.Kind {
	case Constant, Poisson:
		p.Rate2 = p.Rate
	case Ramp:
	case Step:
		if p.StepAt == 0 {
			p.StepAt = p.Duration / 2
		}
	case Burst:
		if p.BurstEvery == 0 {
			p.BurstEvery = p.Duration / 4
		}
		if p.BurstLength == 0 {
			p.BurstLength = p.BurstEvery / 4
		}
	case Piecewise:
		if err := validPoints(p.Points); err != nil {
			return err
		}
	case OnOff:
		if p.OnMean <= 0 || p.OffMean <= 0 {
			return fmt.Errorf("%w: pattern onoff needs positive onMean and offMean", errSchedule)
		}
	default:
		return fmt.Errorf("%w: unknown pattern %q", errSchedule, p.Kind)
	}
	if peak := p.peak(); peak <= 0 || math.IsInf(peak, 0) {
		return fmt.Errorf("%w: pattern %q needs a positive finite rate", errSchedule, p.Kind)
	}
	return nil
}

// rateFunc is the pattern's instantaneous rate at time t.
func (p Pattern) rateFunc() func(time.Duration) float64 {
	switch p.Kind {
	case Ramp:
		return func(t time.Duration) float64 {
			return p.Rate + (p.Rate2-p.Rate)*float64(t)/float64(p.Duration)
		}
	case Step:
		return func(t time.Duration) float64 {
			if t < p.StepAt {
				return p.Rate
			}
			return p.Rate2
		}
	case Burst:
		return func(t time.Duration) float64 {
			if t%p.BurstEvery < p.BurstLength {
				return p.Rate2
			}
			return p.Rate
		}
	case Piecewise:
		return func(t time.Duration) float64 { return interpolate(p.Points, t) }
	case OnOff:
		on := p.onPeriods()
		return func(t time.Duration) float64 {
			if inPeriods(on, t) {
				return p.Rate
			}
			return p.Rate2
		}
	}
	return func(time.Duration) float64 { return p.Rate }
}
