package decision

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// Step coefficients close to Llama-3.1-8B on one H100 and one A100 (the servermodel
// profiles'), and the conversation trace's token mix.
var (
	paramsH100 = perfmodel.Params{Alpha: 6.39e-3, Beta: 40.6e-6, Gamma: 52e-9}
	paramsA100 = perfmodel.Params{Alpha: 10.2e-3, Beta: 85.8e-6, Gamma: 83.5e-9}
	engineH100 = perfmodel.Engine{MaxNumSeqs: 1024, MaxBatchedTokens: 8192, KVTokens: 440128}
	engineA100 = perfmodel.Engine{MaxNumSeqs: 256, MaxBatchedTokens: 2048, KVTokens: 454992}
	convMix    = perfmodel.Mix{Input: perfmodel.Tokens{Mean: 1150, SD: 1100}, Output: perfmodel.Tokens{Mean: 210, SD: 160}}
)

// hybridSnap is a HYBRID snapshot of two variants, a100 (cost 1.79, a replicas) and h100
// (cost 2.99, h replicas), every replica at KV usage kv with waiting requests queued,
// traffic at rate requests/s of the conversation mix, and both variants' parameters
// known from priors.
func hybridSnap(a, h int, kv, waiting, rate float64) Snapshot {
	vs := []VariantState{variant("a100", 1.79, a), variant("h100", 2.99, h)}
	var rs []ReplicaSignals
	for i := range a {
		rs = append(rs, replica("a100", i, kv, waiting))
	}
	for i := range h {
		rs = append(rs, replica("h100", i, kv, waiting))
	}
	s := snap(vs, rs...)
	pa, ph := paramsA100, paramsH100
	s.Proactive = &ProactiveInput{
		Traffic:  forecast.Observation{Rate: rate, Mix: convMix},
		Interval: 30 * time.Second,
		Variants: []VariantModel{
			{Name: "a100", Engine: engineA100, Prior: &pa, StartupTime: 2 * time.Minute},
			{Name: "h100", Engine: engineH100, Prior: &ph, StartupTime: 2 * time.Minute},
		},
	}
	return s
}

// observe gives a variant a latency window as its parameters would report it at its
// share of rate.
func observe(s *Snapshot, name string, p perfmodel.Params, e perfmodel.Engine, replicas int, perReplica float64) {
	pr := perfmodel.Predict(p, e, convMix, perReplica)
	for i := range s.Proactive.Variants {
		if s.Proactive.Variants[i].Name == name {
			s.Proactive.Variants[i].Observation = perfmodel.Observation{
				Replicas: float64(replicas), Rate: perReplica * float64(replicas), Requests: perReplica * float64(replicas) * 30,
				Mix: convMix, TTFTMean: pr.TTFTMean, ITLMean: pr.ITLMean,
			}
		}
	}
}

// next feeds a decision's learned state into the next snapshot, dt later.
func next(s Snapshot, d Decision, dt time.Duration) Snapshot {
	s.Now = s.Now.Add(dt)
	in := *s.Proactive
	in.State = d.Proactive.State
	s.Proactive = &in
	for i := range s.Replicas {
		s.Replicas[i].SampleTime = s.Now
	}
	return s
}
