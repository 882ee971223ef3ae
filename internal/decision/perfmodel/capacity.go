package perfmodel

import (
	"fmt"
	"math"
)

// Target is a latency objective a share of requests must meet: a request meets it when
// its time to first token is within TTFT and its mean inter-token latency within ITL.
type Target struct {
	// TTFT is the time-to-first-token limit, seconds.
	TTFT float64 `json:"ttft"`
	// ITL is the limit on a request's mean inter-token latency, seconds.
	ITL float64 `json:"itl"`
	// Share is the share of requests judged by this target (classes of one model), for
	// reasons; every target must be met whatever its share.
	Share float64 `json:"share"`
}

// Validate reports a target the model cannot use.
func (t Target) Validate() error {
	switch {
	case !(t.TTFT > 0) || math.IsInf(t.TTFT, 0):
		return fmt.Errorf("target ttft %v: must be a positive, finite number of seconds", t.TTFT)
	case !(t.ITL > 0) || math.IsInf(t.ITL, 0):
		return fmt.Errorf("target itl %v: must be a positive, finite number of seconds", t.ITL)
	case !(t.Share > 0) || t.Share > 1:
		return fmt.Errorf("target share %v: must be in (0, 1]", t.Share)
	}
	return nil
}

// Miss is the predicted share of requests that miss their target, for the target that
// fares worst: every class must meet its own objective. For one target it is the
// chance that the TTFT or the ITL exceeds its limit (taken as independent).
func (pr *Prediction) Miss(targets []Target) float64 {
	if !pr.Stable {
		return 1
	}
	m := 0.0
	for _, t := range targets {
		a, b := pr.TTFTSurvival(t.TTFT), pr.ITLSurvival(t.ITL)
		m = math.Max(m, a+b-a*b)
	}
	return m
}

// MaxStableRate is the highest arrival rate per replica the model calls stable for the
// mix: below it utilisation, the KV cache, max_num_seqs and the token budget all hold.
func MaxStableRate(p Params, e Engine, m Mix) float64 {
	pd := NewPredictor(p, e, m)
	// Utilisation alone bounds it: ρ = λ·E[work] < 1.
	hi := 1 / pd.Predict(1).Utilisation
	if math.IsInf(hi, 0) || math.IsNaN(hi) {
		return 0
	}
	lo := 0.0
	if pd.Predict(hi * (1 - 1e-6)).Stable {
		return hi * (1 - 1e-6)
	}
	for range 50 {
		mid := (lo + hi) / 2
		if pd.Predict(mid).Stable {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// SustainableRate is the highest arrival rate per replica (requests/s) at which the
// predicted share of requests missing their targets stays within 1 − attainment. The
// miss grows with the rate, so the root of miss − budget is bracketed between a nearly
// idle replica and the utilisation limit and found by the Illinois (modified regula
// falsi) method on the logarithm of the rate, to 1%: a handful of predictions. Zero
// means the variant cannot meet the targets even nearly idle.
func SustainableRate(p Params, e Engine, m Mix, targets []Target, attainment float64) float64 {
	budget := 1 - attainment
	pd := NewPredictor(p, e, m)
	excess := func(lr float64) float64 {
		pr := pd.Predict(math.Exp(lr))
		if !pr.Stable {
			return 1 - budget
		}
		return pr.Miss(targets) - budget
	}
	u := predictMeans(p, e, &pd.sh, 1).Utilisation // per request/s
	if !(u > 0) || math.IsInf(u, 0) || len(targets) == 0 {
		return 0
	}
	limit := math.Log(1 / u)
	floor := limit + math.Log(1e-4)
	// Bracket around a first guess: steps grow as α/(1−ρ), so a mean inter-token
	// latency target L holds up to about ρ = 1 − α/L.
	tightest := math.Inf(1)
	for _, t := range targets {
		tightest = math.Min(tightest, t.ITL)
	}
	if p.Alpha >= tightest {
		return 0 // even a lone request's steps take longer than the target
	}
	guess := limit + math.Log(math.Min(0.95, math.Max(0.02, 1-p.Alpha/tightest)))
	lo, hi := math.Max(floor, guess-0.7), math.Min(limit, guess+0.15)
	flo, fhi := excess(lo), excess(hi)
	for flo > 0 && lo > floor {
		hi, fhi = lo, flo
		lo = math.Max(floor, lo-1.5)
		flo = excess(lo)
	}
	if flo > 0 {
		return 0
	}
	for fhi <= 0 && hi < limit {
		lo, flo = hi, fhi
		hi = math.Min(limit, hi+0.5)
		fhi = excess(hi)
	}
	if fhi <= 0 {
		return math.Exp(hi)
	}
	side := 0
	for hi-lo > 1e-2 {
		// Regula falsi, halving the weight of an end that stays put (Illinois); plain
		// bisection when the interpolation falls too near an end.
		mid := (lo*fhi - hi*flo) / (fhi - flo)
		if w := hi - lo; !(mid > lo+0.05*w && mid < hi-0.05*w) {
			mid = (lo + hi) / 2
		}
		f := excess(mid)
		if f > 0 {
			hi, fhi = mid, f
			if side == -1 {
				flo /= 2
			}
			side = -1
		} else {
			lo, flo = mid, f
			if side == 1 {
				fhi /= 2
			}
			side = 1
		}
	}
	return math.Exp(lo)
}
