// Package solve chooses a model's replicas across its variants for the proactive mode:
// the cheapest allocation whose sustainable request rate (under the model's latency
// targets) covers the rate to provision for, counted by cost per sustainable request,
// not per replica, within each variant's bounds and floor.
//
// It moves from the current allocation rather than re-planning from nothing, so that a
// steady load never swaps variants: a shortfall is covered by whole replicas of the variant
// cheapest per request (then the next, when it has no room left), and capacity is given
// back only while what remains, counted at the lowest per-replica rate of the
// stabilisation period, still covers the highest rate of that period, most expensive
// capacity per request first. It is pure: no clock, no I/O.
package solve
