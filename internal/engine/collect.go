package engine

import (
	"context"
	"math"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/workload-variant-autoscaler/wva/internal/collector"
	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// CollectorSignals adapts a collector.Source (Prometheus or pod scraping) to the engine:
// it hands the source each variant's Pods as the inventory found them (collector.Mapper,
// from the cache's indexes), asks it for every model at once, and converts the answer to
// the decision core's types.
type CollectorSignals struct {
	// Source reads the signals.
	Source collector.Source
	// Zero gives a model's scale-to-zero policy, whose retention period is the window
	// successful requests are counted over.
	Zero func(modelID, namespace string) decision.ZeroConfig
	// DemandInBatch asks Source for the requests waiting at the gateway along with the
	// signals (the Prometheus source reads them in the cycle's batch).
	DemandInBatch bool
	// Demand, when set and DemandInBatch is not, reads the gateway's queue after the
	// signals (scraping the gateway directly).
	Demand collector.DemandSource
	// LoadWindow, when set (HYBRID mode), gives the window the load signals are read
	// over: the decision interval.
	LoadWindow func() time.Duration
}

// Collect implements Signals.
func (c CollectorSignals) Collect(ctx context.Context, models []*inventory.Model, now time.Time) map[ModelKey]ModelSignals {
	req := make([]collector.Model, 0, len(models))
	for _, m := range models {
		cm := collector.Model{Namespace: m.Namespace, ModelID: m.ModelID, Demand: c.DemandInBatch, Pools: m.Pools}
		if z := c.Zero(m.ModelID, m.Namespace); z.Enabled {
			cm.SuccessWindow = z.RetentionPeriod
		}
		if c.LoadWindow != nil {
			cm.LoadWindow = c.LoadWindow()
		}
		for _, v := range m.Variants {
			if v.Actionable() {
				cv := collector.Variant{Name: v.VA.Name, Target: v.Target.Name, Pods: make([]collector.Pod, len(v.Pods))}
				for i, p := range v.Pods {
					cv.Pods[i] = collector.PodEndpoint(p)
				}
				cm.Variants = append(cm.Variants, cv)
			}
		}
		req = append(req, cm)
	}
	out := make(map[ModelKey]ModelSignals, len(req))
	answers, err := c.Source.Collect(ctx, req, now)
	if err != nil {
		// Every model carries the failure in its health; the error is for the log.
		log.FromContext(ctx).Error(err, "Signal collection failed")
	}
	if !c.DemandInBatch && c.Demand != nil {
		answers = c.readDemand(ctx, req, answers, now)
	}
	for _, a := range answers {
		out[ModelKey{Namespace: a.Namespace, ModelID: a.ModelID}] = convert(a)
	}
	return out
}

// convert turns the collector's answer for one model into the engine's.
func convert(a collector.ModelSignals) ModelSignals {
	ms := ModelSignals{
		Status:        decision.SignalStatus{Usable: a.Health.Usable, Reason: a.Health.Reason},
		Message:       a.Health.Message,
		SuccessWindow: a.SuccessWindow,
		Variants:      make(map[string]VariantHealth, len(a.Variants)),
	}
	if a.SuccessWindow > 0 {
		ms.ModelSuccesses = a.ModelSuccesses
	}
	ms.Demand = demandOf(a.Demand)
	if a.LoadWindow > 0 {
		ms.Load = ModelLoad{Window: a.LoadWindow, PeakRate: a.PeakRate, Pods: map[string][]PodLoad{}}
	}
	for _, v := range a.Variants {
		ms.Variants[v.Name] = VariantHealth{Usable: v.Health.Usable, Reason: v.Health.Reason, Message: v.Health.Message}
		for _, r := range v.Replicas {
			if r.Load != nil && ms.Load.Pods != nil {
				ms.Load.Pods[v.Name] = append(ms.Load.Pods[v.Name], podLoad(r))
			}
			ms.Replicas = append(ms.Replicas, decision.ReplicaSignals{
				Variant: v.Name, Pod: r.Pod,
				KvCacheUsage: r.KvCacheUsage, Waiting: r.Waiting, Running: r.Running,
				NumGPUBlocks: r.NumGPUBlocks, BlockSize: r.BlockSize,
				AvgInputTokens: r.AvgInputTokens, AvgOutputTokens: r.AvgOutputTokens,
				SuccessCount: r.SuccessCount, SampleTime: r.SampleTime,
			})
		}
	}
	return ms
}

// readDemand reads the gateway's queue for every model and puts it in their answers,
// which are in the order of the models asked for.
func (c CollectorSignals) readDemand(ctx context.Context, models []collector.Model, answers []collector.ModelSignals, now time.Time) []collector.ModelSignals {
	scopes := make([]collector.DemandScope, len(models))
	for i, m := range models {
		scopes[i] = collector.DemandScope{Namespace: m.Namespace, ModelID: m.ModelID, Pools: m.Pools}
	}
	demand, err := c.Demand.Demand(ctx, scopes, now)
	if err != nil {
		log.FromContext(ctx).Error(err, "Cannot read the gateway queue; models at zero are not woken and none goes to zero this cycle")
	}
	for i := range answers {
		if i < len(demand) {
			answers[i].Demand = demand[i]
		}
	}
	return answers
}

// demandOf converts the collector's demand for the decision core.
func demandOf(d collector.Demand) decision.Demand {
	return decision.Demand{Known: d.Known, Requests: d.Requests, Failure: d.Failure}
}

// podLoad converts one replica's load.
func podLoad(r collector.ReplicaSignals) PodLoad {
	l := r.Load
	p := PodLoad{Pod: r.Pod, SuccessRate: l.SuccessRate, FirstTokenRate: l.FirstTokenRate,
		Prompt:     LengthRates{Bounds: l.Prompt.Bounds, Rates: l.Prompt.Rates, SumRate: l.Prompt.SumRate},
		Generation: LengthRates{Bounds: l.Generation.Bounds, Rates: l.Generation.Rates, SumRate: l.Generation.SumRate},
		TTFT:       LengthRates{Bounds: l.TTFTBuckets.Bounds, Rates: l.TTFTBuckets.Rates},
		TPOT:       LengthRates{Bounds: l.TPOTBuckets.Bounds, Rates: l.TPOTBuckets.Rates},
		KVTokens:   int(min(r.NumGPUBlocks*r.BlockSize, math.MaxInt32)),
	}
	if l.TTFTKnown {
		p.TTFTMean = l.TTFTMean
	}
	if l.ITLKnown {
		p.ITLMean = l.ITLMean
	}
	return p
}
