// Package servermodel is a performance model of one vLLM replica, so that WVA can be
// exercised without GPUs: a simulated server, the local environment and the trace
// simulator all drive the same model.
//
// The model reproduces the vLLM V1 engine at iteration level: every engine step schedules
// running requests first (one decode token each, or the next chunk of a prompt), then
// admits waiting requests in FIFO order, within max_num_seqs and max_num_batched_tokens;
// the KV cache is paged in blocks of block_size tokens, allocated as sequences grow, and
// when blocks run out the newest running request is preempted (its blocks are freed and it
// is recomputed later, ahead of the waiting queue). A step lasts
// α + β·computed_tokens + γ·kv_tokens_read, with α, β and γ derived from a profile.
//
// The package is pure and deterministic: it never reads a clock. Time is virtual, a
// time.Duration since an arbitrary epoch chosen by the caller, and only moves when the
// caller calls Advance or Step, so one goroutine can drive thousands of replicas through
// an hour of traffic in seconds, and a real-time driver can pace a server with it.
package servermodel
