package perfmodel

import (
	"fmt"
	"math"
)

// Params are the step-time coefficients of one variant, in seconds: a step of the
// engine takes Alpha + Beta·(tokens computed) + Gamma·(KV-cache tokens read). They are
// what the model learns.
type Params struct {
	// Alpha is the fixed cost of a step (reading the weights once), seconds.
	Alpha float64 `json:"alpha"`
	// Beta is the cost of each token computed (prefill or decode), seconds.
	Beta float64 `json:"beta"`
	// Gamma is the cost of each KV-cache token attention reads, seconds.
	Gamma float64 `json:"gamma"`
}

// Validate reports parameters the model cannot use.
func (p Params) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"alpha", p.Alpha}, {"beta", p.Beta}, {"gamma", p.Gamma}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("parameter %s %v: must be a positive, finite number of seconds", f.name, f.v)
		}
	}
	return nil
}

// Scaled returns the parameters multiplied by k each, e.g. a prior for a card twice as fast.
func (p Params) Scaled(ka, kb, kg float64) Params {
	return Params{Alpha: p.Alpha * ka, Beta: p.Beta * kb, Gamma: p.Gamma * kg}
}

// Engine holds the limits of one replica's engine that are configuration, not learned:
// vLLM's max_num_seqs, max_num_batched_tokens and the KV-cache size in tokens
// (num_gpu_blocks × block_size from vllm:cache_config_info). Zero means unlimited.
type Engine struct {
	// MaxNumSeqs bounds the requests running at once.
	MaxNumSeqs int `json:"maxNumSeqs,omitempty"`
	// MaxBatchedTokens bounds the tokens computed in one step.
	MaxBatchedTokens int `json:"maxBatchedTokens,omitempty"`
	// KVTokens is the KV-cache capacity in tokens.
	KVTokens int `json:"kvTokens,omitempty"`
}
