// Package suite is the trace simulator's yardstick: it runs policies on scenarios as
// written and tuned to the cheapest setting of their knob that meets the SLO target,
// against an oracle tuned the same way, and reports the cost at SLO of each.
//
// Compare runs one scenario's policies (wva-sim run), Sweep varies one key of one
// policy (wva-sim sweep), and Run runs a suite file: every scenario with every policy,
// in parallel, into a Result that renders as tables, Markdown and one self-contained
// HTML report with an attainment-against-cost scatter per scenario (wva-sim suite,
// make bench). Tune is the search; Check verifies the properties that make the result a
// fair yardstick.
package suite
