// Package engine runs WVA's decision cycle: every optimisation interval, and at once when
// an event makes the last decision stale, it reads the inventory from the informer cache
// and the signals from the collector, builds one snapshot per model, asks the pure
// decision core, and carries out the answer — status, events, logs, wva_* metrics and, in
// direct mode, the target's scale.
//
// The engine never decides itself and never imports the reconcilers: they nudge it
// through Trigger.
package engine
