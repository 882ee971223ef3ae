package perfcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Measured is what a simulated replica showed under Poisson arrivals.
type Measured struct {
	// Requests is the number of requests measured (those arriving after the warm-up).
	Requests int
	// TTFTP95 and ITLP95 are the 95th percentiles of time to first token and of each
	// request's mean inter-token latency, seconds.
	TTFTP95, ITLP95 float64
	// TTFTMean is the mean time to first token; ITLMean the mean over generated tokens.
	TTFTMean, ITLMean float64
	// Throughput is completions per second within the measured span.
	Throughput float64
}

// stepJitter is the relative step-time noise of the simulated replica, as in the
// trace simulator's benchmark.
const stepJitter = 0.02

// Simulate replays Poisson arrivals at rate (requests/s) with lengths drawn from mix
// through one simulated replica for span after a warm-up of a tenth of it, and measures
// the requests that arrived after the warm-up (every one runs to completion).
func Simulate(v Variant, mix Mix, rate float64, span time.Duration, seed uint64) (Measured, error) {
	return SimulateClumped(v, mix, rate, 1, span, seed)
}

// SimulateClumped is Simulate with arrivals in clumps of clump requests of one length
// (a client's retries, a batch job, a replayed trace scaled up by copying), the clumps
// arriving as a Poisson process at rate/clump, their requests a millisecond apart.
func SimulateClumped(v Variant, mix Mix, rate float64, clump int, span time.Duration, seed uint64) (Measured, error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	rep, err := servermodel.NewReplica(v.Sim, servermodel.Options{Seed: seed, StepJitter: stepJitter})
	if err != nil {
		return Measured{}, fmt.Errorf("perfcheck: %w", err)
	}
	warm := span / 10
	end := span + warm
	var ttfts, itls []float64
	var ttftSum, decodeTime, decodeTokens float64
	inWindow := 0
	sink := func(e servermodel.Event) {
		if e.Kind != servermodel.EventFinished {
			return
		}
		if e.Time > warm && e.Time <= end {
			inWindow++
		}
		if e.Arrival < warm {
			return
		}
		ttft := e.TTFT().Seconds()
		ttfts = append(ttfts, ttft)
		ttftSum += ttft
		if e.OutputTokens >= 2 {
			itls = append(itls, e.MeanITL().Seconds())
			decodeTime += (e.Time - e.FirstToken).Seconds()
			decodeTokens += float64(e.OutputTokens - 1)
		}
	}
	hi := v.Sim.MaxModelLen / 2
	at := time.Duration(0)
	clump = max(clump, 1)
	last := time.Duration(0)
	for id := 0; ; {
		at = max(at+time.Duration(rng.ExpFloat64()/rate*float64(clump)*float64(time.Second)), last)
		if at > end {
			break
		}
		in, out := draw(rng, mix.Tokens.Input, hi), draw(rng, mix.Tokens.Output, hi)
		for k := range clump {
			t := at + time.Duration(k)*time.Millisecond
			last = t
			if err := rep.Advance(t, sink); err != nil {
				return Measured{}, fmt.Errorf("perfcheck: %w", err)
			}
			if err := rep.Submit(servermodel.Request{ID: servermodel.RequestID(id), PromptTokens: in, OutputTokens: out}, t); err != nil {
				return Measured{}, fmt.Errorf("perfcheck: %w", err)
			}
			id++
		}
	}
	for rep.Step(sink) {
	}
	return Measured{
		Requests: len(ttfts), TTFTP95: p95(ttfts), ITLP95: p95(itls),
		TTFTMean: ttftSum / math.Max(1, float64(len(ttfts))), ITLMean: decodeTime / math.Max(1, decodeTokens),
		Throughput: float64(inWindow) / span.Seconds(),
	}, nil
}

// Saturation is the replica's throughput (completions per second) when far more
// requests arrive than it can serve: the highest rate it sustains with this mix.
func Saturation(v Variant, mix Mix, seed uint64) (float64, error) {
	// 30% more than the rate at which the model's utilisation reaches one.
	rate := 1.3 / perfmodel.Predict(v.Model, perfmodel.Engine{}, mix.Tokens, 1).Utilisation
	m, err := Simulate(v, mix, rate, 20*time.Minute, seed)
	return m.Throughput, err
}

// p95 is the nearest-rank 95th percentile (0 for no values).
func p95(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[max(0, int(math.Ceil(0.95*float64(len(xs))))-1)]
}
