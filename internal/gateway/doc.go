// Package gateway is a small OpenAI-compatible front for the local environment: it
// routes each request to a Ready Pod of the requested model, picking the replica with
// the fewest requests in flight (as an inference scheduler's endpoint picker does), and
// streams answers through. When no replica of a model is Ready, requests wait in a
// bounded queue, whose length it reports as
// inference_extension_flow_control_queue_size{target_model_name}, the signal the
// llm-d inference gateway exposes and WVA uses to scale a model up from zero.
//
// It exists so that load generators drive a whole set of model-server Pods through one
// URL, and load spreads over new replicas as they become Ready, as in a cluster.
package gateway
