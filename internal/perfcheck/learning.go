package perfcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Learning is a learning run: the learner's state after every observation window of a
// simulated replica.
type Learning struct {
	// Prior are the factors the prior's α, β and γ were off by.
	Prior [3]float64
	// Times are the ends of the windows since the start of the traffic.
	Times []time.Duration
	// States and Steps are the learner's state and report after each window.
	States []perfmodel.State
	Steps  []perfmodel.Step
}

// Final returns the parameters learned at the end of the run.
func (l Learning) Final() perfmodel.Params { return l.States[len(l.States)-1].Params }

// epoch is the arbitrary wall-clock origin of learning runs (the learner records when
// it last updated).
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// LearnRun starts the learner from the true parameters scaled by prior, then drives one
// simulated replica with Poisson arrivals whose rate swings between lo and hi
// requests/s (period five minutes) for span, feeding it one window at a time computed
// as the collector computes it: deltas of the replica's histogram sums and counts and of
// its token-length histograms.
func LearnRun(v Variant, mix Mix, prior [3]float64, lo, hi float64, span, window time.Duration, seed uint64) (Learning, error) {
	rng := rand.New(rand.NewPCG(seed, 11))
	rep, err := servermodel.NewReplica(v.Sim, servermodel.Options{Seed: seed, StepJitter: stepJitter})
	if err != nil {
		return Learning{}, fmt.Errorf("perfcheck: %w", err)
	}
	st := perfmodel.NewState(v.Model.Scaled(prior[0], prior[1], prior[2]), 1, "prior")
	run := Learning{Prior: prior}
	rate := func(t time.Duration) float64 {
		return lo + (hi-lo)*(0.5-0.5*math.Cos(2*math.Pi*t.Seconds()/300))
	}
	prev := rep.Stats()
	next, at, arrivals := window, time.Duration(0), 0
	hiLen := v.Sim.MaxModelLen / 2
	for id := 0; next <= span; {
		at += time.Duration(rng.ExpFloat64() / hi * float64(time.Second)) // thinning at the peak rate
		for next <= at && next <= span {
			if err := rep.Advance(next, servermodel.Discard); err != nil {
				return Learning{}, fmt.Errorf("perfcheck: %w", err)
			}
			cur := rep.Stats()
			var step perfmodel.Step
			st, step = perfmodel.Learn(st, windowObservation(prev, cur, arrivals, window), v.Engine, epoch.Add(next))
			run.Times, run.States, run.Steps = append(run.Times, next), append(run.States, st), append(run.Steps, step)
			prev, arrivals = cur, 0
			next += window
		}
		if next > span || rng.Float64() > rate(at)/hi {
			continue
		}
		if err := rep.Advance(at, servermodel.Discard); err != nil {
			return Learning{}, fmt.Errorf("perfcheck: %w", err)
		}
		req := servermodel.Request{ID: servermodel.RequestID(id), PromptTokens: draw(rng, mix.Tokens.Input, hiLen), OutputTokens: draw(rng, mix.Tokens.Output, hiLen)}
		if err := rep.Submit(req, at); err != nil {
			return Learning{}, fmt.Errorf("perfcheck: %w", err)
		}
		id++
		arrivals++
	}
	return run, nil
}

// windowObservation builds the learner's input from two snapshots of a replica's
// metrics a window apart, as rates of histogram sums and counts.
func windowObservation(prev, cur servermodel.Stats, arrivals int, window time.Duration) perfmodel.Observation {
	n := float64(cur.TTFT.Count - prev.TTFT.Count)
	obs := perfmodel.Observation{Replicas: 1, Rate: float64(arrivals) / window.Seconds(), Requests: n}
	obs.Mix.Input = tokensDelta(prev.PromptLen, cur.PromptLen)
	obs.Mix.Output = tokensDelta(prev.GenerationLen, cur.GenerationLen)
	if n > 0 {
		obs.TTFTMean = (cur.TTFT.Sum - prev.TTFT.Sum) / n
	}
	if d := float64(cur.ITL.Count - prev.ITL.Count); d > 0 {
		obs.ITLMean = (cur.ITL.Sum - prev.ITL.Sum) / d
	}
	return obs
}

// tokensDelta estimates a length distribution from the window's histogram buckets.
func tokensDelta(prev, cur servermodel.Histogram) perfmodel.Tokens {
	counts := make([]float64, len(cur.Counts))
	for i := range counts {
		counts[i] = float64(cur.Counts[i] - prev.Counts[i])
	}
	t, ok := perfmodel.TokensFromHistogram(cur.Bounds, counts, cur.Sum-prev.Sum)
	if !ok {
		return perfmodel.Tokens{Mean: 1}
	}
	return t
}

// PredictionErrors compares what learned parameters predict with what the true ones
// predict, at each load level (share of the utilisation limit): the relative errors of
// the p95 TTFT and ITL, worst over the levels.
func PredictionErrors(v Variant, mix Mix, learned perfmodel.Params, loads []float64) (ttft, itl float64) {
	limit := 1 / perfmodel.Predict(v.Model, v.Engine, mix.Tokens, 1).Utilisation
	for _, l := range loads {
		a := perfmodel.Predict(learned, v.Engine, mix.Tokens, l*limit)
		b := perfmodel.Predict(v.Model, v.Engine, mix.Tokens, l*limit)
		if !a.Stable || !b.Stable {
			return math.Inf(1), math.Inf(1)
		}
		ttft = math.Max(ttft, math.Abs(a.TTFTQuantile(0.95)/b.TTFTQuantile(0.95)-1))
		itl = math.Max(itl, math.Abs(a.ITLQuantile(0.95)/b.ITLQuantile(0.95)-1))
	}
	return ttft, itl
}
