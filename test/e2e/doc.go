// Package e2e is WVA's end-to-end suite: the whole loop on real components on this
// machine. A real control plane with kwok GPU nodes (package localenv), a simulated vLLM
// server behind every model-server Pod (package podserver), a Prometheus that discovers
// those Pods from the API server and scrapes WVA, prometheus-adapter serving
// wva_desired_replicas to the HPA controller, a gateway spreading the load generator's
// requests, and WVA itself as its built binary with the documented environment.
//
// Each scenario runs in a fresh namespace with its own WVA instance
// (CONTROLLER_INSTANCE and POD_NAMESPACE set to that namespace, so its ConfigMaps are its
// own), and asserts on what a user sees: Deployment replicas, VA status and events, and
// WVA's /metrics. See docs/e2e.md.
package e2e
