// Package decision is the pure decision core of the Workload Variant Autoscaler.
//
// It turns a Snapshot (plain Go values describing one model in one namespace: its
// variants, the signals of their replicas, the effective configuration and the time)
// into a Decision (desired replicas, an action and a readable reason per variant, plus
// model-level analysis figures). The controller drives it inside a cluster and the trace
// simulator drives it offline, so it must be exact, deterministic and cheap:
//
//   - no Kubernetes client, no Prometheus client, no clock (Snapshot.Now is an input);
//   - no package-level mutable state; the same Snapshot always yields the same Decision,
//     whatever the order of its variants and replicas;
//   - every rule says in the reason which signal and threshold decided it.
//
// The rules, in the order Decide applies them: scale from zero (waiting demand for a
// model with every variant at zero), the safety net (unusable signals or configuration:
// keep the previous desired, else the current replicas), scale to zero (no successful
// request during the retention period, judged only on complete, fresh data), then the
// saturation analyser (v1 spare capacity or v2 token capacity) with cost-aware variant
// choice, followed by per-variant bounds and the optional GPU inventory limiter.
//
// In HYBRID mode (Snapshot.Proactive set) the model-based optimiser runs after the
// saturation analyser, whose answer stays a floor: it learns each variant's performance
// model (sub-package perfmodel), forecasts the load (forecast) and picks the cheapest
// allocation meeting the service classes' objectives (solve). What it learns is returned
// in Decision.Proactive.State for the caller to pass back, so the core stays stateless.
package decision
