package servermodel

import (
	"errors"
	"fmt"
	"time"
)

// Params are the engine parameters a Replica runs with: the vLLM scheduler and cache
// configuration plus the step-time coefficients. A Profile derives them from hardware and
// model facts; tests may write them directly to get small, fast replicas.
type Params struct {
	// BlockSize is the number of tokens per KV-cache block (vLLM --block-size, default 16).
	BlockSize int `json:"blockSize"`
	// NumGPUBlocks is the number of KV-cache blocks (vllm:cache_config_info num_gpu_blocks).
	NumGPUBlocks int `json:"numGpuBlocks"`
	// MaxNumSeqs bounds the number of running requests (vLLM --max-num-seqs).
	MaxNumSeqs int `json:"maxNumSeqs"`
	// MaxNumBatchedTokens bounds the tokens computed in one step (--max-num-batched-tokens).
	MaxNumBatchedTokens int `json:"maxNumBatchedTokens"`
	// MaxModelLen bounds prompt plus output tokens of one request (--max-model-len).
	MaxModelLen int `json:"maxModelLen"`
	// Alpha is the fixed cost of a step: reading the weights once.
	Alpha time.Duration `json:"alpha"`
	// Beta is the cost of each token computed in a step (prefill or decode).
	Beta time.Duration `json:"beta"`
	// Gamma is the cost of each KV-cache token read by attention in a step.
	Gamma time.Duration `json:"gamma"`
	// GPUMemoryUtilization is reported in vllm:cache_config_info; it does not change timing.
	GPUMemoryUtilization float64 `json:"gpuMemoryUtilization,omitempty"`
}

// errInvalidParams marks every validation failure of Params.
var errInvalidParams = errors.New("invalid engine parameters")

// Validate reports the first inconsistency that would make the model misbehave, e.g. a
// max_model_len larger than the KV cache, which vLLM itself refuses at start-up.
func (p Params) Validate() error {
	switch {
	case p.BlockSize <= 0:
		return fmt.Errorf("%w: blockSize %d must be positive", errInvalidParams, p.BlockSize)
	case p.NumGPUBlocks <= 0:
		return fmt.Errorf("%w: numGpuBlocks %d must be positive", errInvalidParams, p.NumGPUBlocks)
	case p.MaxNumSeqs <= 0:
		return fmt.Errorf("%w: maxNumSeqs %d must be positive", errInvalidParams, p.MaxNumSeqs)
	case p.MaxNumBatchedTokens <= 0:
		return fmt.Errorf("%w: maxNumBatchedTokens %d must be positive", errInvalidParams, p.MaxNumBatchedTokens)
	case p.MaxModelLen <= 1:
		return fmt.Errorf("%w: maxModelLen %d must exceed 1", errInvalidParams, p.MaxModelLen)
	case p.MaxModelLen > p.KVCapacityTokens():
		return fmt.Errorf("%w: maxModelLen %d exceeds KV capacity %d tokens", errInvalidParams, p.MaxModelLen, p.KVCapacityTokens())
	case p.Alpha < 0 || p.Beta < 0 || p.Gamma < 0:
		return fmt.Errorf("%w: step coefficients must not be negative", errInvalidParams)
	case p.Alpha+p.Beta+p.Gamma <= 0:
		return fmt.Errorf("%w: a step must take time", errInvalidParams)
	}
	return nil
}

// KVCapacityTokens is the number of tokens the KV cache holds: num_gpu_blocks × block_size.
func (p Params) KVCapacityTokens() int { return p.NumGPUBlocks * p.BlockSize }

// blocksFor is the number of blocks needed to hold n tokens.
func (p Params) blocksFor(n int) int { return (n + p.BlockSize - 1) / p.BlockSize }
