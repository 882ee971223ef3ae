// Package perfcheck measures the proactive mode's performance model (package
// decision/perfmodel) against the project's simulated vLLM replica (package
// servermodel): how close its predicted percentiles come over load levels and token
// mixes, how close the reference's state-dependent queue comes, and how fast the online
// learner recovers from a wrong prior. Its tests hold the model to those bounds; the
// wva-perfcheck command draws the same measurements as charts for the documentation.
package perfcheck
