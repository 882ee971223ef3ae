// Package actuator carries decisions out of WVA: as wva_* gauges that an HPA or KEDA
// reads through Prometheus (the default), or by writing the target's scale subresource
// directly. It decides nothing; it only makes a decision visible or real.
package actuator
