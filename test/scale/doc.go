// Package scale measures the built wva manager with many VariantAutoscalings on the real
// control plane: kwok Pods owned by real Deployments and ReplicaSets, a real Prometheus
// holding synthetic vLLM series for every Pod (one synthetic exporter, not one scrape
// target per Pod), and the manager running as its ServiceAccount behind counting proxies
// that record every request it makes of the API server and of Prometheus.
//
// TestSteadyCycleRequestCounts (100 VAs, part of `make test`) asserts the exact requests
// of a steady cycle and of a cycle in which one VA changes. BenchmarkScale (`make
// bench-scale`, not part of `make test`) prints per-cycle wall time, API requests by verb,
// PromQL queries and bytes read, and the manager's RSS and heap after ten cycles, for
// 1,000 VAs / 5,000 Pods and 10,000 VAs.
package scale
