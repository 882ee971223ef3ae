package decision

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
)

// When the optimiser may give capacity back: the stabilisation period, the idle hold
// and its taper, and the lowest recent rates a removal is judged at.

// stabilise records the planned rate and returns the rate capacity must still cover
// after a removal: the highest planned rate of the stabilisation period, or +Inf until
// the history spans one. Early in an idle spell (see idleHold) the period stretches
// over the spell, so that capacity outlasts the lulls of on/off traffic; once the hold
// has passed, what it kept is released in step over a second hold (see idleTaper).
func (h *hybrid) stabilise(planned float64, fo forecast.Forecast, rates []float64) (float64, string) {
	st, now, window := &h.out.State, h.s.Now, h.settings.Stabilisation
	hold := idleHold(fo)
	memory, taper := window, idleTaper(fo, hold)
	switch {
	case fo.Idle > 0 && fo.Idle < hold:
		window = max(window, fo.Idle+window)
		memory = window
	case taper > 0:
		memory = fo.Idle + window
	}
	if st.Since.IsZero() || now.Before(st.Since) {
		st.Since = now
	}
	kept := st.Planned[:0:0]
	for _, pr := range st.Planned {
		if !pr.At.Before(now.Add(-memory)) && pr.At.Before(now) {
			kept = append(kept, pr)
		}
	}
	pr := PlannedRate{At: now, Rate: planned, Rates: make(map[string]float64, len(rates))}
	for i, r := range rates {
		if r > 0 {
			pr.Rates[h.p.variants[i].state.Name] = r
		}
	}
	kept = append(kept, pr)
	st.Planned = kept
	if span := now.Sub(st.Since); span < window {
		return math.Inf(1), fmt.Sprintf("scale-down waits: %v of the %v stabilisation period observed", span.Round(time.Second), window)
	}
	keep, held := 0.0, 0.0
	for _, pr := range st.Planned {
		held = math.Max(held, pr.Rate)
		if !pr.At.Before(now.Add(-window)) {
			keep = math.Max(keep, pr.Rate)
		}
	}
	if taper*held > keep {
		return taper * held, fmt.Sprintf("%.0f%% of the %s/s held over the idle spell, released in step over %v", 100*taper, fmtNum(round3(held)), hold)
	}
	return keep, fmt.Sprintf("highest planned rate of the last %v %s/s", window, fmtNum(round3(keep)))
}

// keepRates is, per plan variant, the lowest rate one replica was counted to sustain over
// the last stabilisation period, but no more than keepRateSpread below its rate now: a
// removal must leave enough capacity for the period's highest planned rate at the lowest
// recent rate per replica. Judged at this cycle's rate alone, a removal at the edge of
// the need came back a cycle later when the rate estimate moved by a few percent: on the
// code assistant's bursts the fleet went 3, 2, 3, 2, 3 H100s in five minutes of steady
// load. The period is the configured one also over an idle spell, where stabilise
// stretches the period of planned rates: over the stretched period the busy minutes'
// rates cost 1.1% more on the code assistant (seeds 1-24) for 0.03 points of attainment.
func (h *hybrid) keepRates(rates []float64) []float64 {
	out := slices.Clone(rates)
	from := h.s.Now.Add(-h.settings.Stabilisation)
	for _, pr := range h.out.State.Planned {
		if pr.At.Before(from) {
			continue
		}
		for i := range out {
			if r, ok := pr.Rates[h.p.variants[i].state.Name]; ok && r > 0 {
				out[i] = math.Min(out[i], math.Max(r, (1-keepRateSpread)*rates[i]))
			}
		}
	}
	return out
}

// keepRateSpread is how far below this cycle's rate keepRates goes.
const keepRateSpread = 0.1

// idleHold is how long into an idle spell (traffic below a fifth of its recent peak)
// the stabilisation period keeps being extended, so that capacity outlasts the lulls
// this traffic comes back from: at least minIdleHold, else one and a half times the
// longest recent lull, at most maxIdleHold. Beyond it the capacity goes (and the zero
// policy may take the model to zero), in step over a second hold (see idleTaper).
func idleHold(fo forecast.Forecast) time.Duration {
	return max(minIdleHold, min(time.Duration(1.5*float64(fo.Gap)), maxIdleHold))
}

// idleTaper is the share of the rate held over an idle spell still kept once the hold
// has passed: 1 at its end, falling in step to 0 one hold later. Let go of at once,
// the capacity held over a lull a little longer than the hold went just before the
// burst that ended it: on the code assistant's seed 5 an 11.5-minute lull took three
// H100s to one, and the burst queued for three minutes on it.
func idleTaper(fo forecast.Forecast, hold time.Duration) float64 {
	if fo.Idle < hold || fo.Idle >= 2*hold {
		return 0
	}
	return 1 - float64(fo.Idle-hold)/float64(hold)
}

// minIdleHold and maxIdleHold bound idleHold.
const (
	minIdleHold = 10 * time.Minute
	maxIdleHold = 30 * time.Minute
)
