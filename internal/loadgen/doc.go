// Package loadgen drives an OpenAI-compatible endpoint with a request schedule, either
// replayed from a trace in the Azure LLM inference format (TIMESTAMP, ContextTokens,
// GeneratedTokens) or generated from a synthetic pattern, and measures what a client sees:
// time to first token, inter-token latency, end-to-end latency and errors.
//
// Schedules are plain data (a list of requests with arrival offsets), built apart from
// sending, so they can be inspected, tested, and reused by the trace simulator. The
// runner only ever sends to the base URL it is given.
//
// The shared trace (shared/traces/azure-llm-2023-conv.csv) is the Azure LLM inference
// trace 2023, conversation service, published by Microsoft Azure in the Azure Public
// Dataset under CC-BY (Patel et al., "Splitwise", ISCA 2024).
package loadgen
