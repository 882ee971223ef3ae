// Package perfmodel predicts the latency of one vLLM replica from its load, so that the
// proactive (HYBRID) mode can size capacity before requests queue.
//
// The model treats a continuously batching engine as one processor that runs back-to-back
// steps. A step costs α (reading the weights once) plus β for every token it computes plus
// γ for every KV-cache token its attention reads; these three coefficients are the
// model's parameters (Params), learned online per variant (Learn). From them, the arrival
// rate per replica and the token mix (Mix: mean and spread of prompt and output lengths)
// the model derives, in closed form:
//
//   - the work utilisation ρ = λ·E[work per request] and the mean step time α/(1−ρ) when
//     busy, corrected for idle time at low load;
//   - the distribution of a request's time to first token: the rest of the step in
//     progress, the prompts queued ahead of it, and its own prompt;
//   - the distribution of a request's mean inter-token latency: its decode steps, longer
//     whenever other prompts are prefilled while it decodes, averaged over its length.
//
// Percentiles come from three-moment (shifted gamma) fits mixed over the spread of prompt
// and output lengths, because service levels are percentile targets and token lengths are
// long-tailed. Everything is a pure function of plain values: no clock, no I/O, no state
// outside the values passed in and returned.
package perfmodel
