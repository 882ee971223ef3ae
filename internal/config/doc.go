// Package config is the single place where the Workload Variant Autoscaler learns how it is
// configured. It exists so that no other component reads the environment, parses a ConfigMap
// or invents a default of its own: they are handed one typed Config instead.
//
// A Config has two parts. StaticConfig holds what the process needs before it can start
// (addresses, leader election, certificates, the Prometheus connection, feature flags); a
// change to it only takes effect after a restart, so a running controller rejects it.
// DynamicConfig holds what the decision cycle reads every time it runs (the optimisation
// interval, saturation thresholds, scale-to-zero policy, service classes, Prometheus cache
// settings); it is swapped atomically when its ConfigMaps change.
//
// Values are resolved with one precedence for every key: CLI flags over environment
// variables over the main ConfigMap over built-in defaults. Load is a pure function of those
// inputs and reports every problem at once, so an operator fixes a broken deployment in one
// round trip. Store holds the configuration in force and turns ConfigMap contents into
// reported changes; the sub-package watch feeds it from the API server.
package config
