package demo

import (
	"slices"
	"sync"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
)

// VariantSample is one variant's state at one instant, as a user could read it with
// kubectl and from Prometheus.
type VariantSample struct {
	// Name is the variant's Deployment and VA name.
	Name string `json:"name"`
	// Current is the Deployment's spec.replicas, Ready its ready replicas, Desired WVA's
	// decision (status.desiredOptimizedAlloc.numReplicas; -1 before the first).
	Current int `json:"current"`
	Desired int `json:"desired"`
	Ready   int `json:"ready"`
	// KVUsage is the mean KV-cache usage (0–1) of its replicas as Prometheus has it;
	// Waiting and Running sum their queued and running requests.
	KVUsage float64 `json:"kvUsage"`
	Waiting float64 `json:"waiting"`
	Running float64 `json:"running"`
	// CapacityAnswer and ModelAnswer are HYBRID mode's two answers for the variant
	// (wva_hybrid_capacity_answer_replicas, wva_hybrid_model_answer_replicas); nil when
	// not published (CAPACITY-ONLY mode, or a cycle in which the optimiser did not run).
	CapacityAnswer *float64 `json:"capacityAnswer,omitempty"`
	ModelAnswer    *float64 `json:"modelAnswer,omitempty"`
}

// Sample is the demo's state at one instant: the raw time series of the report.
type Sample struct {
	// T is seconds since the load started; Phase the scenario's phase then.
	T     float64 `json:"t"`
	Phase string  `json:"phase"`
	// OfferedRPS is the scheduled request rate and CompletedRPS the rate of answers,
	// both over the last rateWindow; Failed counts failures since the previous sample.
	OfferedRPS   float64 `json:"offeredRps"`
	CompletedRPS float64 `json:"completedRps"`
	Failed       int     `json:"failed"`
	// TTFTP50, TTFTP95 and ITLP95 are client-side latencies in seconds over the last
	// latency window; nil when no request finished in it.
	TTFTP50 *float64 `json:"ttftP50,omitempty"`
	TTFTP95 *float64 `json:"ttftP95,omitempty"`
	ITLP95  *float64 `json:"itlP95,omitempty"`
	// Variants in the model's order.
	Variants []VariantSample `json:"variants"`
	// Hybrid is HYBRID mode's view of the model's traffic; nil when not published.
	Hybrid *HybridSample `json:"hybrid,omitempty"`
	// CostRate is Σ current replicas × variantCost (per hour); Cost its integral so far.
	CostRate float64 `json:"costRate"`
	Cost     float64 `json:"cost"`
}

// HybridSample is what HYBRID mode published of the model's traffic at one instant
// (wva_hybrid_*_arrival_rate and wva_hybrid_forecast_horizon_seconds).
type HybridSample struct {
	// ObservedRPS is the arrival rate WVA measured over its last window; ForecastRPS the
	// rate it forecast for HorizonSec later; PlannedRPS what it provisioned for (the
	// forecast plus headroom).
	ObservedRPS float64 `json:"observedRps"`
	ForecastRPS float64 `json:"forecastRps"`
	PlannedRPS  float64 `json:"plannedRps"`
	HorizonSec  float64 `json:"horizonSeconds"`
}

// Decision is one change of a variant's desired replicas, as WVA's event tells it, so
// the report can say why replicas moved.
type Decision struct {
	// T is seconds since the load started.
	T float64 `json:"t"`
	// Variant is the VA the event is about; Message WVA's text with the reason.
	Variant string `json:"variant"`
	Message string `json:"message"`
}

// latencyWindow is how far back the live percentiles look; rateWindow how far back
// the offered and answered rates do.
const (
	latencyWindow = 15 * time.Second
	rateWindow    = 10 * time.Second
)

// observations collects the load generator's per-request outcomes for windowed
// percentiles; safe for concurrent use.
type observations struct {
	mu   sync.Mutex
	list []obs
}

type obs struct {
	done       time.Time
	firstToken time.Time     // when the answer's first token came; zero for a failure
	ttft, itl  time.Duration // itl: the request's own p95 inter-token latency
	failed, ok bool
}

func (o *observations) add(ob loadgen.Observation) {
	e := obs{done: ob.Done, ttft: ob.TTFT, failed: ob.Err != "", ok: ob.Err == ""}
	if e.ok {
		e.firstToken = ob.Done.Add(ob.TTFT - ob.E2E)
	}
	if len(ob.ITLs) > 0 {
		itls := slices.Clone(ob.ITLs)
		slices.Sort(itls)
		e.itl = itls[(len(itls)*95+99)/100-1]
	}
	o.mu.Lock()
	o.list = append(o.list, e)
	o.mu.Unlock()
}

// window summarises outcomes that ended in (now-d, now].
func (o *observations) window(now time.Time, d time.Duration) (ttft, itl []time.Duration, ok, failed int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.list {
		if !e.done.After(now.Add(-d)) || e.done.After(now) {
			continue
		}
		if e.failed {
			failed++
			continue
		}
		ok++
		ttft = append(ttft, e.ttft)
		if e.itl > 0 {
			itl = append(itl, e.itl)
		}
	}
	return ttft, itl, ok, failed
}

// firstTokens are the first-token times of the answers so far, seconds after start.
func (o *observations) firstTokens(start time.Time) []float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []float64
	for _, e := range o.list {
		if e.ok {
			out = append(out, e.firstToken.Sub(start).Seconds())
		}
	}
	return out
}

// percentile is the nearest-rank q-quantile in seconds, nil when ds is empty.
func percentile(ds []time.Duration, q float64) *float64 {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.999999) - 1
	v := ds[min(max(i, 0), len(ds)-1)].Seconds()
	return &v
}
