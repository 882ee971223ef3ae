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
	// Share is the share of requests judged by this target (classes of one model); the
	// shares of a model's targets sum to 1.
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

// Miss is the predicted share of requests that miss their target: for each target, the
// chance that TTFT or ITL exceeds its limit (taken as independent), weighted by share.
func (pr *Prediction) Miss(targets []Target) float64 {
	if !pr.Stable {
		return 1
	}
	m := 0.0
	for _, t := range targets {
		a, b := pr.TTFTSurvival(t.TTFT), pr.ITLSurvival(t.ITL)
		m += t.Share * (a + b - a*b)
	}
	return m
}

// MaxStableRate is the highest arrival rate per replica the model calls stable for the
// mix: below it utilisation, the KV cache, max_num_seqs and the token budget all hold.
func MaxStableRate(p Params, e Engine, m Mix) float64 {
	// Utilisation alone bounds it: ρ = λ·E[work] < 1.
	hi := 1 / Predict(p, e, m, 1).Utilisation
	if math.IsInf(hi, 0) || math.IsNaN(hi) {
		return 0
	}
	lo := 0.0
	if Predict(p, e, m, hi*(1-1e-6)).Stable {
		return hi * (1 - 1e-6)
	}
	for range 50 {
		mid := (lo + hi) / 2
		if Predict(p, e, m, mid).Stable {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// SustainableRate is the highest arrival rate per replica (requests/s) at which the
// predicted share of requests missing their targets stays within 1 − attainment. The
// miss grows with the rate, so it is found by bisection on the logarithm of the rate,
// to 0.2%, between an idle replica and the utilisation limit. Zero means the variant
// cannot meet the targets even nearly idle.
func SustainableRate(p Params, e Engine, m Mix, targets []Target, attainment float64) float64 {
	budget := 1 - attainment
	ok := func(rate float64) bool {
		pr := Predict(p, e, m, rate)
		return pr.Stable && pr.Miss(targets) <= budget
	}
	u := Predict(p, e, m, 1).Utilisation // per request/s
	if !(u > 0) || math.IsInf(u, 0) {
		return 0
	}
	hi := 1 / u
	lo := hi * 1e-4
	if !ok(lo) {
		return 0
	}
	lhi, llo := math.Log(hi), math.Log(lo)
	for lhi-llo > 2e-3 {
		mid := (lhi + llo) / 2
		if ok(math.Exp(mid)) {
			llo = mid
		} else {
			lhi = mid
		}
	}
	return math.Exp(llo)
}
