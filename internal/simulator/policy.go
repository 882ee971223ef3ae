package simulator

import (
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// Policy decides replica counts. The simulator asks it for the replicas ready at time
// zero, then every Traits().Interval hands it a View of the cluster as the controller
// would see it and applies the answer: new replicas start after their variant's
// start-up delay, removed ones drain. A policy may keep state between calls (HPA's
// stabilisation window); the simulator builds a fresh one for every run.
type Policy interface {
	// Name labels the policy in results.
	Name() string
	// Traits says how the simulator must drive the policy.
	Traits() Traits
	// Initial returns the replicas per model and variant ready at time zero.
	Initial() Desired
	// Decide returns the desired replicas per model and variant.
	Decide(v *View) (Desired, error)
}

// Traits are the fixed properties of a policy.
type Traits struct {
	// Interval is how often Decide is called.
	Interval time.Duration
	// WakeWithin, when positive, is the policy's scale-from-zero fast path: a model whose
	// variants are all at zero is decided this long after a request starts waiting for
	// it, between intervals (WVA: within a second, docs/scale-to-zero.md).
	WakeWithin time.Duration
	// Ideal marks a lower bound that is not physically reachable: its replicas start
	// instantly and are not billed while draining.
	Ideal bool
	// Type names the kind of policy (wva, hpa, static, oracle, ...).
	Type string
	// Detail describes the policy's settings for a person.
	Detail string
}

// Desired holds replica counts indexed [model][variant] in configuration order.
type Desired [][]int

// View is what a policy may know at one decision instant: per model the snapshot the
// controller would build from Prometheus, and the latest per-pod values for rules that
// read instantaneous metrics.
type View struct {
	// Now is the virtual time since the start of the run.
	Now time.Duration
	// Models are in configuration order.
	Models []ModelView
	// FreeGPUs is the cluster's free GPUs per limited accelerator type (nil: unlimited).
	FreeGPUs map[string]int
}

// ModelView is one model at one decision instant.
type ModelView struct {
	// Config is the model's configuration (read only).
	Config *ModelConfig
	// Snapshot is built exactly as the controller builds it: variants with current, ready
	// and previously published replicas, per-pod peaks over the metrics window, success
	// counts, GPU inventory and gateway demand. Saturation is left for the policy to set.
	Snapshot decision.Snapshot
	// Pods are the variants' current pods with their latest scraped values.
	Pods []PodView
	// Observations are the traffic and latency windows of the last decision interval,
	// as the collector would query them for the HYBRID mode.
	Observations Observations
}

// PodView is one pod of the target's spec with its latest scrape, as an HPA's metrics
// pipeline would see it.
type PodView struct {
	// Variant and Pod name the pod.
	Variant, Pod string
	// Ready is true when the pod serves.
	Ready bool
	// HasSample is false when the pod was never scraped or its last scrape is stale.
	HasSample bool
	// Waiting and Running are the latest scraped vllm:num_requests_waiting and _running.
	Waiting, Running float64
}

// NewDesired returns a zeroed Desired shaped like the config.
func NewDesired(c *Config) Desired {
	d := make(Desired, len(c.Models))
	for i := range c.Models {
		d[i] = make([]int, len(c.Models[i].Variants))
	}
	return d
}

// InitialReplicas is the starting point of the adaptive policies: each variant's
// InitialReplicas, else its minimum; a model left with none gets one replica of its
// first variant so it can serve from the start.
func InitialReplicas(c *Config) Desired {
	d := NewDesired(c)
	for mi := range c.Models {
		total := 0
		for vi, v := range c.Models[mi].Variants {
			switch {
			case v.InitialReplicas != nil:
				d[mi][vi] = *v.InitialReplicas
			case v.MinReplicas != nil:
				d[mi][vi] = *v.MinReplicas
			}
			total += d[mi][vi]
		}
		if total == 0 {
			d[mi][0] = 1
		}
	}
	return d
}

// Plotter is implemented by a policy that records its own time series during a run (a
// forecast, a predicted latency) to be shown next to what happened. After the run the
// simulator calls Plots with the run's measured result and the scenario's load; the
// plots go into the result (JSON) and every report draws them under the policy.
type Plotter interface {
	Plots(observed *PolicyResult, load []LoadSeries) []Plot
}

// Plot is one chart a policy contributes: lines over time or any x.
type Plot struct {
	// Title, XLabel and YLabel describe the chart; LogY draws the y axis in decades.
	Title  string `json:"title"`
	XLabel string `json:"xLabel"`
	YLabel string `json:"yLabel"`
	LogY   bool   `json:"logY,omitempty"`
	// Lines are the chart's series.
	Lines []PlotLine `json:"lines"`
}

// PlotLine is one series of a Plot; NaN leaves a gap (encoded as null).
type PlotLine struct {
	// Name is the legend entry; Dashed draws it dashed (e.g. the predicted twin of an
	// observed line).
	Name   string     `json:"name"`
	Dashed bool       `json:"dashed,omitempty"`
	X      []float64  `json:"x"`
	Y      []*float64 `json:"y"`
}
