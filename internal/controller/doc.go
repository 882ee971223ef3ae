// Package controller holds the reconcilers. They react to events — a VariantAutoscaling
// created, changed or deleted; a target Deployment created or deleted — by forgetting
// stale series and nudging the engine, which then re-decides at once instead of at the
// next interval. They never decide.
package controller
