// Package forecast predicts a model's arrival rate and token mix over the horizon new
// capacity needs to become useful (a variant's observed start-up time plus one decision
// interval), with headroom for what the rate does at shorter time scales than the
// decision interval sees.
//
// The state is plain data the caller keeps between decisions; a Forecaster updates it
// with each window's observation and reads a forecast from it. Holt (double exponential
// smoothing with separate rise and fall time constants) is the default; Naive (the last
// window) is there to compare against. Both are pure: no clock, no I/O.
package forecast
