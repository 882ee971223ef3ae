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
	// Dispersion describes how clumped arrivals are: requests come in clumps of about
	// this many (1, or 0, is Poisson). Clumps make prompts queue for prefill without
	// adding work, so it moves the time to first token and the tails, not the means of
	// decoding. Learned with the others from the windows.
	Dispersion float64 `json:"dispersion,omitempty"`
}

// clump returns the dispersion, at least 1.
func (p Params) clump() float64 { return math.Max(1, p.Dispersion) }

// Validate reports parameters the model cannot use.
func (p Params) Validate() error {
	if !(p.Dispersion >= 0) || math.IsInf(p.Dispersion, 0) {
		return fmt.Errorf("parameter dispersion %v: must be a finite number >= 1 (or 0 for Poisson arrivals)", p.Dispersion)
	}
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

// Scaled returns the step coefficients multiplied by ka, kb and kg (the dispersion is
// kept), e.g. a prior for a card twice as fast.
func (p Params) Scaled(ka, kb, kg float64) Params {
	return Params{Alpha: p.Alpha * ka, Beta: p.Beta * kb, Gamma: p.Gamma * kg, Dispersion: p.Dispersion}
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
