package perfmodel

import (
	"fmt"
	"math"
	"time"
)

// Learning constants. The model is a few percent off the real engine even with exact
// parameters, so no window, however many requests it holds, is trusted beyond
// noiseFloor; parameters may drift (driver, kernel or traffic changes), so each update
// first widens the uncertainty by processNoise.
const (
	// minRequests is the fewest requests a window needs to be learned from.
	minRequests = 20
	// noiseFloor is the relative error of a mean the filter always allows for.
	noiseFloor = 0.08
	// resetAfter consecutive rejections mean the replica has changed, not that the
	// windows were outliers: the filter then widens its uncertainty to learn again.
	resetAfter = 6
	// widened is the variance the uncertainty is widened to (a factor of about 1.6).
	widened = 0.25
	// iterations of the iterated extended Kalman filter per update.
	iterations = 2
)

// nParams is how many parameters are learned: ln α, ln β, ln γ and ln dispersion.
const nParams = 4

// processNoise is the relative drift allowed per update of each parameter: the step
// overhead may follow a driver, kernel or clock change; the per-token costs and the
// arrival dispersion are properties of the model and the traffic that move slowly.
var processNoise = [nParams]float64{0.02, 0.01, 0.01, 0.01}

// gate is the 97.5% quantile of the χ² distribution with m degrees of freedom: an
// update whose normalised innovation squared reaches it is rejected as an outlier
// (7.378 for the two latencies, as the reference filter uses).
var gate = [...]float64{0, 5.024, 7.378}

// State is what the model has learned about one variant: the parameters, their
// uncertainty, and how well they have fitted. The decision core receives it with each
// snapshot and returns the updated copy; the caller keeps it (in memory, and in the
// VariantAutoscaling status so that it survives a restart).
type State struct {
	// Params are the current estimates.
	Params Params `json:"params"`
	// Cov is the covariance of (ln α, ln β, ln γ, ln dispersion): the relative
	// uncertainty squared.
	Cov [nParams][nParams]float64 `json:"cov"`
	// Updates counts accepted updates since the state was created.
	Updates int `json:"updates"`
	// Rejections counts consecutive rejected updates.
	Rejections int `json:"rejections,omitempty"`
	// LastUpdate is when an update was last accepted; zero means never (the prior only).
	LastUpdate time.Time `json:"lastUpdate,omitzero"`
	// FitError is a moving average of the relative error of the predicted means against
	// the observed ones, measured before each update (so it is an out-of-sample error).
	FitError float64 `json:"fitError"`
	// Source says where the parameters started from, e.g. "prior" or "first-observation".
	Source string `json:"source"`
}

// Age is how long ago the parameters were last updated; zero before any update.
func (s State) Age(now time.Time) time.Duration {
	if s.LastUpdate.IsZero() {
		return 0
	}
	return now.Sub(s.LastUpdate)
}

// Known reports whether the state holds usable parameters.
func (s State) Known() bool { return s.Params.Validate() == nil }

// NewState starts learning from prior parameters with the given relative uncertainty
// (e.g. 1 for "within a factor e"); parameters outside the plausible bounds are clamped
// to them, invalid ones are kept (and the state is not Known).
func NewState(prior Params, uncertainty float64, source string) State {
	if prior.Validate() == nil {
		prior = expParams(clampLog(logParams(prior)))
	}
	s := State{Params: prior, Source: source}
	for i := range nParams {
		s.Cov[i][i] = uncertainty * uncertainty
	}
	// Arrivals are taken as Poisson until the windows say otherwise.
	u := math.Min(uncertainty, dispersionUncertainty)
	s.Cov[3][3] = u * u
	return s
}

// dispersionUncertainty is the prior relative uncertainty of the dispersion (clumps of
// up to about 1.4 requests at one standard deviation).
const dispersionUncertainty = 0.35

// Outcome says what a learning step did.
type Outcome string

const (
	// OutcomeUpdated means the window was accepted and the parameters moved.
	OutcomeUpdated Outcome = "updated"
	// OutcomeRejected means the window failed the innovation gate (an outlier).
	OutcomeRejected Outcome = "rejected"
	// OutcomeSkipped means the window held too little to learn from.
	OutcomeSkipped Outcome = "skipped"
	// OutcomeRescaled means the parameters predicted an overload the replica did not
	// show; they were rescaled to fit the window and their uncertainty widened.
	OutcomeRescaled Outcome = "rescaled"
)

// Step reports one learning step, for the decision's reason and for metrics.
type Step struct {
	// Outcome says what happened.
	Outcome Outcome
	// Why explains a skip or a rejection.
	Why string
	// NIS is the normalised innovation squared of the window (0 when skipped).
	NIS float64
	// PredictedTTFT and PredictedITL are the means the state predicted for the window
	// before the update; ObservedTTFT and ObservedITL are what was observed.
	PredictedTTFT, PredictedITL, ObservedTTFT, ObservedITL float64
}

// Learn updates the state with one observation window. It is an iterated extended
// Kalman filter on the logarithms of the parameters (so they stay positive) with the
// logarithms of the mean latencies as measurements (so their noise is relative); a
// window whose normalised innovation squared reaches the χ² gate is rejected.
func Learn(s State, obs Observation, e Engine, now time.Time) (State, Step) {
	if err := obs.Validate(); err != nil {
		return s, Step{Outcome: OutcomeSkipped, Why: err.Error()}
	}
	if !s.Known() {
		return s, Step{Outcome: OutcomeSkipped, Why: "no parameters to update"}
	}
	rate := obs.PerReplicaRate()
	z, sigma := measurements(obs)
	switch {
	case obs.Requests < minRequests:
		return s, Step{Outcome: OutcomeSkipped, Why: fmt.Sprintf("%.0f request(s) in the window, need %d", obs.Requests, minRequests)}
	case rate <= 0:
		return s, Step{Outcome: OutcomeSkipped, Why: "no ready replica or no traffic"}
	case len(z) == 0:
		return s, Step{Outcome: OutcomeSkipped, Why: "no latency reported"}
	case math.Abs(obs.Replicas-math.Round(obs.Replicas)) > 0.1:
		return s, Step{Outcome: OutcomeSkipped, Why: fmt.Sprintf("replicas changed during the window (%.2f on average)", obs.Replicas)}
	}
	step := Step{ObservedTTFT: obs.TTFTMean, ObservedITL: obs.ITLMean}
	x0 := logParams(s.Params)
	sh := obs.Mix.shape()
	pred := predictMeans(s.Params, e, &sh, rate)
	if !pred.Stable {
		return rescale(s, obs, e, now, step)
	}
	step.PredictedTTFT, step.PredictedITL = pred.TTFTMean, pred.ITLMean
	h0 := measure(pred, obs)
	P := s.Cov
	for i := range nParams {
		P[i][i] += processNoise[i] * processNoise[i]
	}
	H := jacobian(x0, h0, obs, e, &sh, rate)
	nu := sub(z, h0)
	S := innovationCov(H, P, sigma)
	Sinv, ok := invert(S)
	if !ok {
		return s, Step{Outcome: OutcomeSkipped, Why: "singular innovation covariance"}
	}
	step.NIS = quad(nu, Sinv)
	fit := relError(nu)
	if step.NIS >= gate[len(z)] {
		s.Rejections++
		step.Outcome, step.Why = OutcomeRejected, fmt.Sprintf("normalised innovation %.2f >= gate %.3f", step.NIS, gate[len(z)])
		if s.Rejections >= resetAfter {
			// Persistent disagreement: the replica changed. Widen and learn again.
			for i := range nParams {
				s.Cov[i][i] = math.Max(s.Cov[i][i], widened)
			}
			s.Rejections = 0
			step.Why += fmt.Sprintf("; %d in a row, uncertainty widened", resetAfter)
		}
		return s, step
	}
	x := x0
	var K [nParams][]float64
	for it := range iterations {
		if it > 0 {
			p := predictMeans(expParams(x), e, &sh, rate)
			if !p.Stable {
				break
			}
			h := measure(p, obs)
			H = jacobian(x, h, obs, e, &sh, rate)
			// Linearise around x: ν = z − h(x) − H(x0 − x).
			nu = sub(z, h)
			for r := range nu {
				for c := range nParams {
					nu[r] -= H[r][c] * (x0[c] - x[c])
				}
			}
			S = innovationCov(H, P, sigma)
			if Sinv, ok = invert(S); !ok {
				break
			}
		}
		K = gain(P, H, Sinv)
		for r := range nParams {
			x[r] = x0[r]
			for c := range nu {
				x[r] += K[r][c] * nu[c]
			}
		}
		x = clampLog(x)
	}
	x = trustRegion(x0, x)
	s.Params = expParams(x)
	s.Cov = josephUpdate(P, K, H, sigma)
	s.Updates++
	s.Rejections = 0
	s.LastUpdate = now
	s.FitError = ewma(s.FitError, fit, s.Updates)
	step.Outcome = OutcomeUpdated
	return s, step
}

// measurements returns the log latencies observed and their relative noise: a floor
// for the model's own error plus sampling noise (a TTFT varies about as much as its
// mean, a token's latency about half as much).
func measurements(obs Observation) (z, sigma []float64) {
	n := math.Max(obs.Requests, 1)
	if obs.TTFTMean > 0 {
		z = append(z, math.Log(obs.TTFTMean))
		sigma = append(sigma, math.Sqrt(noiseFloor*noiseFloor+1/n))
	}
	if obs.ITLMean > 0 {
		z = append(z, math.Log(obs.ITLMean))
		sigma = append(sigma, math.Sqrt(noiseFloor*noiseFloor+0.25/n))
	}
	return z, sigma
}

// measure returns the log latencies a prediction makes for the latencies observed.
func measure(p Prediction, obs Observation) []float64 {
	var h []float64
	if obs.TTFTMean > 0 {
		h = append(h, math.Log(p.TTFTMean))
	}
	if obs.ITLMean > 0 {
		h = append(h, math.Log(p.ITLMean))
	}
	return h
}

// jacobian differentiates the log measurements by the log parameters numerically.
func jacobian(x [nParams]float64, h0 []float64, obs Observation, e Engine, sh *shape, rate float64) [][nParams]float64 {
	const eps = 1e-3
	H := make([][nParams]float64, len(h0))
	for c := range nParams {
		xe := x
		xe[c] += eps
		p := predictMeans(expParams(xe), e, sh, rate)
		if !p.Stable {
			continue // at the edge of stability: leave this direction out
		}
		h := measure(p, obs)
		for r := range h {
			H[r][c] = (h[r] - h0[r]) / eps
		}
	}
	return H
}

// rescale handles parameters that call the observed load an overload: it scales all
// three by the factor that makes the predicted mean inter-token latency (or TTFT) match
// the window, and widens the uncertainty so that the next windows can correct the shape.
func rescale(s State, obs Observation, e Engine, now time.Time, step Step) (State, Step) {
	if congested(s.Params, obs, e) {
		return s, Step{Outcome: OutcomeSkipped, Why: "parameters predict an overload and the replica was congested"}
	}
	k, ok := fitScale(s.Params, obs, e)
	if !ok {
		return s, Step{Outcome: OutcomeSkipped, Why: "parameters predict an overload and no rescaling fits the window"}
	}
	s.Params = expParams(clampLog(logParams(s.Params.Scaled(k, k, k))))
	for i := range nParams {
		s.Cov[i][i] = math.Max(s.Cov[i][i], widened)
	}
	s.LastUpdate = now
	step.Outcome = OutcomeRescaled
	step.Why = fmt.Sprintf("parameters predicted an overload at %.3g requests/s per replica; scaled by %.3g", obs.PerReplicaRate(), k)
	return s, step
}

// congestedRatio is how far above its latency at light load a replica's observed
// inter-token latency (or, without one, its time to first token) must be for the window
// to count as congested.
const congestedRatio = 3

// congested reports whether the window shows a replica in overload rather than
// parameters too slow: its latency is several times what the parameters predict at a
// light load. Rescaling the parameters to call such a window stable would make them
// optimistic just when the load is highest.
func congested(p Params, obs Observation, e Engine) bool {
	sh := obs.Mix.shape()
	light := predictMeans(p, e, &sh, 0.2*MaxStableRate(p, e, obs.Mix))
	if !light.Stable {
		return false
	}
	if obs.ITLMean > 0 {
		return obs.ITLMean > congestedRatio*light.ITLMean
	}
	return obs.TTFTMean > congestedRatio*light.TTFTMean
}

// fitScale finds k so that Predict(k·shape) matches the observed mean latency (ITL if
// reported, else TTFT), by bisection on log k; it is false when nothing fits.
func fitScale(shape Params, obs Observation, e Engine) (float64, bool) {
	rate := obs.PerReplicaRate()
	target, pick := obs.ITLMean, func(p Prediction) float64 { return p.ITLMean }
	if target <= 0 {
		target, pick = obs.TTFTMean, func(p Prediction) float64 { return p.TTFTMean }
	}
	if target <= 0 || rate <= 0 {
		return 0, false
	}
	lo, hi := math.Log(1e-4), math.Log(1e4)
	sh := obs.Mix.shape()
	at := func(lk float64) float64 {
		k := math.Exp(lk)
		return pick(predictMeans(shape.Scaled(k, k, k), e, &sh, rate)) // +Inf when overloaded
	}
	if at(lo) > target {
		return 0, false
	}
	for range 60 {
		mid := (lo + hi) / 2
		if at(mid) > target {
			hi = mid
		} else {
			lo = mid
		}
	}
	return math.Exp(lo), true
}

// FromObservation starts learning from the first window when no prior is known: the
// parameters take the given shape (the ratios α:β:γ of a typical dense model on a GPU)
// scaled to fit the window, with a wide uncertainty.
func FromObservation(shape Params, obs Observation, e Engine) (State, error) {
	if err := obs.Validate(); err != nil {
		return State{}, err
	}
	k, ok := fitScale(shape, obs, e)
	if !ok {
		return State{}, fmt.Errorf("no scaling of the shape fits the window (rate %.3g per replica, TTFT %.3g s, ITL %.3g s)",
			obs.PerReplicaRate(), obs.TTFTMean, obs.ITLMean)
	}
	return NewState(expParams(clampLog(logParams(shape.Scaled(k, k, k)))), 1, "first-observation"), nil
}

// ewma averages the fit error over about the last ten updates (plainly over fewer).
func ewma(prev, x float64, n int) float64 {
	w := math.Max(1/float64(n), 0.1)
	return prev + w*(x-prev)
}

// relError is the mean relative error exp(|ν|)−1 of the innovations.
func relError(nu []float64) float64 {
	s := 0.0
	for _, v := range nu {
		s += math.Expm1(math.Abs(v))
	}
	return s / float64(max(len(nu), 1))
}

// Parameter bounds in log space: a step overhead between 10 µs and 2 s, a token cost
// between 10 ns and 10 ms, a KV read between 1 ps and 100 µs per token, clumps of 1 to
// 16 requests.
var logLo, logHi = [nParams]float64{math.Log(1e-5), math.Log(1e-8), math.Log(1e-12), 0}, [nParams]float64{math.Log(2), math.Log(1e-2), math.Log(1e-4), math.Log(16)}

// maxStep is the most one window may move a parameter, as a factor: a window is a
// minute of one replica's traffic, and the parameters it cannot pin down (they trade
// off against each other in the two latencies it shows) would otherwise swing by
// several times on its noise.
const maxStep = 2

// trustRegion keeps an update within maxStep of where it started, parameter by
// parameter.
func trustRegion(from, to [nParams]float64) [nParams]float64 {
	lim := math.Log(maxStep)
	for i := range to {
		to[i] = math.Min(from[i]+lim, math.Max(from[i]-lim, to[i]))
	}
	return to
}

func clampLog(x [nParams]float64) [nParams]float64 {
	for i := range x {
		x[i] = math.Min(math.Max(x[i], logLo[i]), logHi[i])
	}
	return x
}

func logParams(p Params) [nParams]float64 {
	return [nParams]float64{math.Log(p.Alpha), math.Log(p.Beta), math.Log(p.Gamma), math.Log(p.clump())}
}

func expParams(x [nParams]float64) Params {
	return Params{Alpha: math.Exp(x[0]), Beta: math.Exp(x[1]), Gamma: math.Exp(x[2]), Dispersion: math.Exp(x[3])}
}
