// Package simulator replays request traffic against scaling policies in virtual time and
// measures what each policy does to requests and to the GPU bill, so a change to a
// policy can be judged on hours of real traffic before it reaches a cluster.
//
// It is a discrete-event simulation of one or more models, each served by variants
// (a servermodel profile, a cost per replica-hour, a start-up delay, bounds and GPUs
// per replica). Requests arrive from a trace in the Azure LLM inference format (scaled
// in rate and optionally in time) or from a synthetic pattern; a router sends each to
// the ready replica with the fewest outstanding requests; every replica runs the
// servermodel engine model. A sampler mimics Prometheus: each replica is scraped at an
// interval (at its own offset), and decisions see the peak over the last minute
// (max_over_time) of KV usage and waiting requests, exactly the signals the controller
// queries. Every decision interval the simulator builds the same decision.Snapshot the
// controller builds and a Policy turns it into desired replicas; WVA's policies call
// the same decision core (decision.DecideCycle) the controller calls. New replicas
// become ready after their start-up delay; removed replicas stop taking requests and
// drain.
//
// Policies compared in one run: WVA saturation v1 and v2, static provisioning (a given
// count, and the smallest count meeting the SLO found by search), an HPA-style rule on
// waiting+running requests per replica, and an oracle lower bound that knows the
// future load and starts replicas instantly. Any later policy implements Policy.
//
// Everything is deterministic: virtual time, seeded random sources, sorted iteration.
// The same Config and seed give a byte-identical Result.
package simulator
