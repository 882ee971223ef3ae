package servermodel

import "time"

// Stats is everything a vLLM replica exports on /metrics at one instant, in the model's
// own units (seconds for latencies, tokens for lengths).
type Stats struct {
	// Time is the virtual time the snapshot was taken at.
	Time time.Duration
	// Running and Waiting are vllm:num_requests_running and vllm:num_requests_waiting;
	// Waiting includes preempted requests awaiting recomputation.
	Running, Waiting int
	// UsedBlocks and TotalBlocks give vllm:kv_cache_usage_perc = UsedBlocks/TotalBlocks.
	UsedBlocks, TotalBlocks int
	// BlockSize is reported in vllm:cache_config_info.
	BlockSize int
	// Success counts completed requests by finished_reason (vllm:request_success_total).
	Success map[FinishReason]uint64
	// PromptTokens and GenerationTokens are vllm:prompt_tokens_total and
	// vllm:generation_tokens_total.
	PromptTokens, GenerationTokens uint64
	// Preemptions is vllm:num_preemptions_total.
	Preemptions uint64
	// PrefixCacheQueries and PrefixCacheHits are vllm:prefix_cache_queries_total and
	// vllm:prefix_cache_hits_total, in tokens. The model shares no prefixes, so hits stay 0.
	PrefixCacheQueries, PrefixCacheHits uint64
	// Steps counts engine steps executed.
	Steps uint64
	// TTFT, ITL and E2E are the latency histograms (seconds) with vLLM's buckets;
	// QueueTime is vllm:request_queue_time_seconds.
	TTFT, ITL, E2E, QueueTime Histogram
	// TPOT is vllm:request_time_per_output_token_seconds: each finished request's mean
	// time per output token after the first (requests of two tokens or more), the
	// quantity an inter-token objective judges.
	TPOT Histogram
	// PromptLen and GenerationLen are vllm:request_prompt_tokens and
	// vllm:request_generation_tokens.
	PromptLen, GenerationLen Histogram
}

// KVUsage is the fraction of KV-cache blocks in use, 0..1, as vLLM reports it.
func (s Stats) KVUsage() float64 {
	if s.TotalBlocks == 0 {
		return 0
	}
	return float64(s.UsedBlocks) / float64(s.TotalBlocks)
}

// counters accumulate the replica's cumulative metrics.
type counters struct {
	success                        map[FinishReason]uint64
	promptTokens, generationTokens uint64
	preemptions                    uint64
	prefixQueries, prefixHits      uint64
	steps                          uint64
	ttft, itl, e2e, queue          Histogram
	tpot                           Histogram
	promptLen, genLen              Histogram
}

func newCounters(maxModelLen int) counters {
	return counters{
		success:   map[FinishReason]uint64{FinishStop: 0, FinishLength: 0, FinishAbort: 0},
		ttft:      NewHistogram(TTFTBuckets()),
		itl:       NewHistogram(ITLBuckets()),
		tpot:      NewHistogram(ITLBuckets()),
		e2e:       NewHistogram(RequestLatencyBuckets()),
		queue:     NewHistogram(RequestLatencyBuckets()),
		promptLen: NewHistogram(TokenBuckets(maxModelLen)),
		genLen:    NewHistogram(TokenBuckets(maxModelLen)),
	}
}

// Stats returns a snapshot of the replica's signals as of its current virtual time. Call
// Advance first to bring the replica to the instant of interest.
func (r *Replica) Stats() Stats {
	success := make(map[FinishReason]uint64, len(r.c.success))
	for k, v := range r.c.success {
		success[k] = v
	}
	return Stats{
		Time:               r.now,
		Running:            len(r.running),
		Waiting:            r.waiting.len(),
		UsedBlocks:         r.p.NumGPUBlocks - r.freeBlocks,
		TotalBlocks:        r.p.NumGPUBlocks,
		BlockSize:          r.p.BlockSize,
		Success:            success,
		PromptTokens:       r.c.promptTokens,
		GenerationTokens:   r.c.generationTokens,
		Preemptions:        r.c.preemptions,
		PrefixCacheQueries: r.c.prefixQueries,
		PrefixCacheHits:    r.c.prefixHits,
		Steps:              r.c.steps,
		TTFT:               r.c.ttft.Clone(),
		ITL:                r.c.itl.Clone(),
		TPOT:               r.c.tpot.Clone(),
		E2E:                r.c.e2e.Clone(),
		QueueTime:          r.c.queue.Clone(),
		PromptLen:          r.c.promptLen.Clone(),
		GenerationLen:      r.c.genLen.Clone(),
	}
}
