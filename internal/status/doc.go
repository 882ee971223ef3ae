// Package status writes what WVA decided and observed back to VariantAutoscalings:
// desiredOptimizedAlloc, conditions and events. Writing is separate from deciding so that
// every condition the code can set is persisted (never computed only in memory), and an
// event is emitted exactly when a condition or the desired count changes.
package status
