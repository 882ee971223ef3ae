package feedback

import (
	"fmt"
	"math"
	"time"
)

// Settings tune the feedback.
type Settings struct {
	// MinCredit and MaxCredit bound a variant's credit factor.
	MinCredit, MaxCredit float64
	// Follow is the share of the way from the current credit to a window's measurement
	// the credit moves, for a window of FullWeight requests or more (less for smaller
	// windows); Lower is the same when the window says the model is optimistic, so that
	// misses are acted on sooner than their absence.
	Follow, Lower float64
	// FullWeight is the number of requests a window needs to count in full.
	FullWeight float64
	// Significant is the number of missing requests the model must predict, or the
	// window show, for the window to measure the model's bias: fewer say nothing but
	// chance (a window far from the objectives meets them whatever the credit).
	Significant float64
	// Overwhelmed is the share of missing requests beyond which a window is not
	// measured: queues left by a surge or a cold start keep missing after the load is
	// back within what the replicas sustain, which says nothing about the model.
	Overwhelmed float64
	// Goal is the share of requests within their objectives the sizing steers the
	// observed attainment to: the attainment the model sizes for falls while the
	// replicas keep more than the goal (capacity held for bursts, start-up and the
	// stabilisation period leaves budget unspent) and rises when they keep less.
	Goal float64
	// SizingMin and SizingMax bound the attainment the model sizes for.
	SizingMin, SizingMax float64
	// Gain is how far the attainment sized for moves per window, per unit of the gap
	// between the goal and the window's attainment; MaxGap caps the gap one window
	// counts with (a cold start or a surge missing most of a window is one event, not a
	// bias to correct at once).
	Gain, MaxGap float64
}

// DefaultSettings returns the tuned defaults (docs/proactive-mode.md).
func DefaultSettings() Settings {
	return Settings{MinCredit: 0.6, MaxCredit: 1.6, Follow: 0.1, Lower: 0.25, FullWeight: 300,
		Significant: 5, Overwhelmed: 0.3, Goal: 0.955, SizingMin: 0.9, SizingMax: 0.995, Gain: 0.05, MaxGap: 0.05}
}

// Validate reports settings the feedback cannot use, naming the field.
func (s Settings) Validate() error {
	for _, x := range []float64{s.MinCredit, s.MaxCredit, s.Follow, s.Lower, s.FullWeight, s.Significant, s.Overwhelmed, s.Goal, s.SizingMin, s.SizingMax, s.Gain, s.MaxGap} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("feedback settings %+v: every value must be a finite number", s)
		}
	}
	switch {
	case !(s.MinCredit > 0) || s.MinCredit > 1 || s.MaxCredit < 1:
		return fmt.Errorf("credit bounds [%v, %v]: must be positive and include 1 (the model's own answer)", s.MinCredit, s.MaxCredit)
	case !(s.Follow >= 0 && s.Follow <= 1) || !(s.Lower >= 0 && s.Lower <= 1):
		return fmt.Errorf("follow %v, lower %v: must be shares in [0, 1]", s.Follow, s.Lower)
	case !(s.FullWeight > 0) || s.Significant < 0 || !(s.Overwhelmed > 0 && s.Overwhelmed <= 1):
		return fmt.Errorf("fullWeight %v, significant %v, overwhelmed %v: the first positive, the second not negative, the third a share", s.FullWeight, s.Significant, s.Overwhelmed)
	case !(s.Goal > 0 && s.Goal < 1) || !(s.SizingMin > 0 && s.SizingMin <= s.SizingMax && s.SizingMax < 1) || s.Gain < 0 || !(s.MaxGap > 0):
		return fmt.Errorf("goal %v, sizing [%v, %v], gain %v, maxGap %v: shares in (0, 1), the bounds ordered, the gain not negative, the gap cap positive", s.Goal, s.SizingMin, s.SizingMax, s.Gain, s.MaxGap)
	}
	return nil
}

// Credit is what the feedback learned about one variant: a factor on the rate the model
// grants each of its replicas.
type Credit struct {
	// Log is the natural logarithm of the factor (0: the model's own answer).
	Log float64 `json:"log"`
	// Windows counts the windows that measured it; Updated is the last one.
	Windows int       `json:"windows,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
}

// Factor is the credit as a factor.
func (c Credit) Factor() float64 {
	if math.IsNaN(c.Log) || math.IsInf(c.Log, 0) {
		return 1
	}
	return math.Exp(c.Log)
}

// Sample is one variant's decision window as the credit sees it.
type Sample struct {
	// Requests is how many requests were judged; Miss and MissHi bound the share that
	// missed their objectives (the worst target's): histograms tell on which side of
	// their bounds a latency fell, not where between two bounds.
	Requests, Miss, MissHi float64
	// Predict is the share the model predicts missing if every replica had served its
	// window's load divided by k: Predict(1) is the model's own prediction for the
	// window, and it falls as k grows. Nil when the model cannot predict the window
	// (replicas joined or left, parameters unknown).
	Predict func(k float64) float64
}

// Measure reads the model's bias for a variant off one window and moves the credit
// toward it. The measurement is the factor k on every replica's capacity for which the
// model predicts the share of misses observed: above 1, the replicas served their load
// better than the model thinks (the router pooling load, a percentile the model
// overstates); below, worse. A window too small to tell, with neither the model nor the
// observation near the objectives, or overwhelmed by a queue, changes nothing.
func (s Settings) Measure(c Credit, w Sample, now time.Time) (Credit, string) {
	if math.IsNaN(c.Log) || math.IsInf(c.Log, 0) {
		c = Credit{}
	}
	switch {
	case !(w.Requests > 0) || math.IsInf(w.Requests, 0) || !(w.Miss >= 0 && w.Miss <= w.MissHi && w.MissHi <= 1):
		return c, "no request judged in the window"
	case !c.Updated.IsZero() && !now.After(c.Updated):
		return c, "window not after the last one"
	case w.Predict == nil:
		return c, "the model cannot predict the window (replicas changed or parameters unknown)"
	case w.Miss > s.Overwhelmed:
		return c, fmt.Sprintf("%.0f%% missed: a queue, not the steady state the model describes", 100*w.Miss)
	}
	predict := remember(w.Predict)
	own := predict(1)
	observed := fmt.Sprintf("%.2f%%", 100*w.Miss)
	if w.MissHi > w.Miss {
		observed = fmt.Sprintf("%.2f–%.2f%%", 100*w.Miss, 100*w.MissHi)
	}
	if !(own >= 0) || math.Max(own, w.Miss)*w.Requests < s.Significant {
		return c, fmt.Sprintf("model predicted %.2f%%, %s of %.0f missed: too few misses to measure", 100*own, observed, w.Requests)
	}
	// The credits that explain the window lie between those for which the model
	// predicts the most and the fewest misses the histograms allow (the prediction
	// falls as the credit grows); no miss at all is read as half a miss: evidence of a
	// low share, not of none. Only when the current credit lies outside them is the
	// nearest one searched for.
	most, fewest := math.Max(w.MissHi, 0.5/w.Requests), math.Max(w.Miss, 0.5/w.Requests)
	k := c.Factor()
	switch at := predict(k); {
	case at > most:
		k = solveCredit(predict, most, k, s.MaxCredit)
	case at < fewest:
		k = solveCredit(predict, fewest, s.MinCredit, k)
	default:
		c.Windows++
		c.Updated = now
		return c, fmt.Sprintf("model predicted %.2f%% missing, %s missed: the credit %.2f already explains it (%.2f%% predicted with it)",
			100*own, observed, k, 100*at)
	}
	follow := s.Follow
	if math.Log(k) < c.Log {
		follow = s.Lower
	}
	weight := math.Min(1, w.Requests/s.FullWeight)
	c.Log += follow * weight * (math.Log(k) - c.Log)
	c.Log = math.Min(math.Log(s.MaxCredit), math.Max(math.Log(s.MinCredit), c.Log))
	c.Windows++
	c.Updated = now
	return c, fmt.Sprintf("model predicted %.2f%% missing, %s missed: served as the model at %.2f× capacity", 100*own, observed, k)
}

// remember returns predict with its answers kept: the search asks again for the
// credits it started from (1 and the current credit), each a full prediction.
func remember(predict func(float64) float64) func(float64) float64 {
	var ks, vs [4]float64
	n := 0
	return func(k float64) float64 {
		for i := range n {
			if ks[i] == k {
				return vs[i]
			}
		}
		v := predict(k)
		if n < len(ks) {
			ks[n], vs[n] = k, v
			n++
		}
		return v
	}
}

// solveCredit finds k in [lo, hi] with predict(k) = target, by bisection on ln k (eight steps)
// (predict falls as k grows); a target outside the range's predictions gives the bound.
func solveCredit(predict func(float64) float64, target, lo, hi float64) float64 {
	if predict(hi) > target {
		return hi // even the largest credit predicts more misses than observed
	}
	if predict(lo) < target {
		return lo
	}
	a, b := math.Log(lo), math.Log(hi)
	for range 8 { // to 0.4% of the credit range: the credit moves a fraction of the way anyway
		mid := (a + b) / 2
		if predict(math.Exp(mid)) > target {
			a = mid
		} else {
			b = mid
		}
	}
	return math.Exp((a + b) / 2)
}

// Budget is what the feedback learned about a model's attainment: the share the model
// is sized for, trimmed so that the observed attainment meets the goal.
type Budget struct {
	// Sizing is the attainment the model sizes for (0 until the first window: the
	// configured one).
	Sizing float64 `json:"sizing,omitempty"`
	// Attainment is the observed attainment, smoothed over about the last 30 windows by
	// their requests; Requests is what it rests on. For reasons and metrics.
	Attainment float64 `json:"attainment,omitempty"`
	Requests   float64 `json:"requests,omitempty"`
	// Updated is the last window taken.
	Updated time.Time `json:"updated,omitzero"`
	// Blocked records that the last decision could not get the GPUs it asked for: the
	// attainment it loses then is not raised against, since asking for more cannot help.
	Blocked bool `json:"blocked,omitempty"`
}

// smoothing is the weight of the past in the reported attainment, per full window.
const smoothing = 29.0 / 30

// Trim takes one window of the model (all its variants), whose share of missing
// requests lies between miss and missHi (est within them: the estimate the observed
// attainment is averaged from): the attainment sized for falls when even the most
// missing is within the goal, rises when even the fewest is not, in proportion to the
// window's requests (up to FullWeight), and holds otherwise.
func (s Settings) Trim(b Budget, miss, missHi, est, requests, initial float64, now time.Time) Budget {
	if !(b.Sizing >= 0 && b.Sizing < 1) || !(b.Attainment >= 0 && b.Attainment <= 1) || !(b.Requests >= 0) || math.IsInf(b.Requests, 0) {
		b = Budget{}
	}
	if b.Sizing == 0 {
		b.Sizing = initial
	} else {
		b.Sizing = math.Min(s.SizingMax, math.Max(s.SizingMin, b.Sizing)) // a state kept from other settings
	}
	if !(requests > 0) || math.IsInf(requests, 0) || !(miss >= 0 && miss <= missHi && missHi <= 1) || (!b.Updated.IsZero() && !now.After(b.Updated)) {
		return b
	}
	if !(est >= miss && est <= missHi) {
		est = (miss + missHi) / 2
	}
	weight := math.Min(1, requests/s.FullWeight)
	keep := math.Pow(smoothing, weight)
	b.Attainment = (keep*b.Requests*b.Attainment + requests*(1-est)) / (keep*b.Requests + requests)
	b.Requests = keep*b.Requests + requests
	b.Updated = now
	gap := 0.0
	switch {
	case 1-missHi > s.Goal:
		gap = s.Goal - (1 - missHi)
	case 1-miss < s.Goal:
		gap = s.Goal - (1 - miss)
	}
	gap = math.Min(s.MaxGap, math.Max(-s.MaxGap, gap))
	if b.Blocked {
		gap = math.Min(gap, 0) // more capacity was asked for and not granted: sizing up cannot help
	}
	b.Sizing = math.Min(s.SizingMax, math.Max(s.SizingMin, b.Sizing+s.Gain*weight*gap))
	return b
}
