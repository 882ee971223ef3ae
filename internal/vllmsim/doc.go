// Package vllmsim is a simulated vLLM server: the OpenAI-compatible API and the
// Prometheus /metrics of vLLM, driven in real time by the replica performance model of
// package servermodel. It lets WVA, its end-to-end tests and its demo meet servers that
// queue, fill their KV cache and slow down under load like vLLM does, without a GPU.
//
// A Server is a plain value with no global state, so one process can run many of them
// (one per simulated Pod). Virtual model time can run faster than the wall clock
// (Config.TimeScale) so that tests finish in seconds.
package vllmsim
