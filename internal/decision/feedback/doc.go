// Package feedback closes the HYBRID mode's loop on the attainment it actually gets.
//
// The performance model sizes capacity feed-forward: from the forecast load it predicts
// the share of requests each replica keeps within the objectives. Whatever the model
// cannot see biases that answer — the router pooling load over replicas (a replica of
// many serves more within the objectives than one alone), arrivals burstier than it
// assumes, the minutes new capacity takes to start. This package measures the share of
// requests that met their objectives over each window, from the latency histograms vLLM
// exports (vllm:time_to_first_token_seconds and the per-request
// vllm:request_time_per_output_token_seconds, read at each class's objective), and
// trims a credit factor on the rate the model grants each replica: slowly up while the
// observed attainment stays above the goal and the allocation was sized tightly by the
// model, quickly down when requests miss. The optimiser then meets the goal at the least
// capacity instead of being conservative everywhere.
//
// Everything is a pure function of plain values: the state (the credit and what it rests
// on) is data the caller keeps and passes back.
package feedback
