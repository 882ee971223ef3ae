package loadgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// period is a half-open interval [from, to) of a schedule.
type period struct{ from, to time.Duration }

// peak is the highest rate the pattern reaches, the envelope thinning draws against.
func (p Pattern) peak() float64 {
	if p.Kind == Piecewise {
		top := 0.0
		for _, pt := range p.Points {
			top = max(top, pt.Rate)
		}
		return top
	}
	return max(p.Rate, p.Rate2)
}

// validPoints checks a piecewise rate: at least one point, times increasing from zero
// or later, rates finite and non-negative.
func validPoints(pts []RatePoint) error {
	if len(pts) == 0 {
		return fmt.Errorf("%w: pattern piecewise needs points", errSchedule)
	}
	for i, pt := range pts {
		if pt.At < 0 || pt.Rate < 0 || pt.Rate != pt.Rate {
			return fmt.Errorf("%w: piecewise point %d (at %v, rate %g): negative time or rate", errSchedule, i, pt.At, pt.Rate)
		}
		if i > 0 && pt.At <= pts[i-1].At {
			return fmt.Errorf("%w: piecewise point %d at %v is not after point %d at %v", errSchedule, i, pt.At, i-1, pts[i-1].At)
		}
	}
	return nil
}

// interpolate is the piecewise-linear rate at t.
func interpolate(pts []RatePoint, t time.Duration) float64 {
	i := sort.Search(len(pts), func(i int) bool { return pts[i].At > t })
	switch {
	case i == 0:
		return pts[0].Rate
	case i == len(pts):
		return pts[len(pts)-1].Rate
	}
	a, b := pts[i-1], pts[i]
	return a.Rate + (b.Rate-a.Rate)*float64(t-a.At)/float64(b.At-a.At)
}

// onPeriods draws OnOff's on periods over the duration from their own random stream,
// so the arrivals drawn within them do not shift the periods. The schedule starts on.
func (p Pattern) onPeriods() []period {
	rng := rand.New(rand.NewPCG(p.Seed, 0x0f0f))
	var out []period
	exp := func(mean time.Duration) time.Duration {
		return time.Duration(rng.ExpFloat64() * float64(mean))
	}
	for t := time.Duration(0); t < p.Duration; {
		end := t + exp(p.OnMean)
		out = append(out, period{from: t, to: min(end, p.Duration)})
		t = end + exp(p.OffMean)
	}
	return out
}

// inPeriods reports whether t lies in one of the sorted periods.
func inPeriods(ps []period, t time.Duration) bool {
	i := sort.Search(len(ps), func(i int) bool { return ps[i].to > t })
	return i < len(ps) && ps[i].from <= t
}

// Steps returns the instants the pattern's rate steps or starts rising: the switch of a
// step, each burst, the start of each rising piecewise segment, each on period after
// the first. Reaction times are measured from them. Invalid patterns have none.
func (p Pattern) Steps() []time.Duration {
	if p.validate() != nil {
		return nil
	}
	var out []time.Duration
	switch p.Kind {
	case Step:
		if p.Rate2 > p.Rate {
			out = append(out, p.StepAt)
		}
	case Burst:
		for t := p.BurstEvery; t < p.Duration && p.Rate2 > p.Rate; t += p.BurstEvery {
			out = append(out, t)
		}
	case Piecewise:
		for i := 1; i < len(p.Points); i++ {
			a, b := p.Points[i-1], p.Points[i]
			rising := b.Rate > a.Rate
			continues := i > 1 && a.Rate > p.Points[i-2].Rate
			if rising && !continues && a.At < p.Duration {
				out = append(out, a.At)
			}
		}
	case OnOff:
		if ons := p.onPeriods(); p.Rate > p.Rate2 && len(ons) > 1 {
			for _, on := range ons[1:] {
				out = append(out, on.from)
			}
		}
	}
	return slices.Clip(out)
}
