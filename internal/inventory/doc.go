// Package inventory turns what the informer cache holds — VariantAutoscalings, their
// target Deployments and the Pods of those — into the variants and models the decision
// engine reasons about: which variants serve one model, at what cost, on which accelerator,
// with how many replicas, and which target is missing or claimed twice.
//
// Deriving these facts is kept apart from deciding and from writing status, so each rule
// (accelerator discovery, GPU counting, duplicate targets) is tested on plain objects.
package inventory
