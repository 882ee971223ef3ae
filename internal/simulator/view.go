package simulator

import (
	"maps"
	"slices"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// epoch anchors virtual time to a wall-clock instant for decision.Snapshot.Now. It is a
// function, not a variable, so the package keeps no mutable state.
func epoch() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

// view builds what policies see at now.
func (s *sim) view(now time.Duration) *View {
	v := &View{Now: now, FreeGPUs: s.freeGPUs()}
	for _, m := range s.models {
		v.Models = append(v.Models, ModelView{Config: m.cfg, Snapshot: s.snapshot(m, now, v.FreeGPUs), Pods: s.pods(m, now),
			Observations: s.observe(m, now, s.traits.Interval)})
	}
	return v
}

// freeGPUs is the free GPU count per limited accelerator type, nil when unlimited.
func (s *sim) freeGPUs() map[string]int {
	if len(s.cfg.GPUs) == 0 {
		return nil
	}
	free := make(map[string]int, len(s.cfg.GPUs))
	for _, acc := range slices.Sorted(maps.Keys(s.cfg.GPUs)) {
		free[acc] = max(0, s.cfg.GPUs[acc]-s.gpusUsed[acc])
	}
	return free
}

// snapshot builds the decision.Snapshot the controller would build for model m: the
// inventory from the pods of each variant's spec, per-pod signals from the scraped
// samples the way the controller's PromQL reads them:
//
//	max by (pod) (max_over_time(vllm:kv_cache_usage_perc[1m]))   -> KvCacheUsage
//	max by (pod) (max_over_time(vllm:num_requests_waiting[1m]))  -> Waiting
//	vllm:num_requests_running (latest)                           -> Running
//	vllm:cache_config_info                                       -> NumGPUBlocks, BlockSize
//	prompt/generation tokens per success over [5m] (model-wide)  -> Avg*Tokens
//	increase(vllm:request_success_total[retention])              -> SuccessCount
//
// Pods that stopped reporting stay in the result while they have samples inside the
// window, as Prometheus range queries return them.
func (s *sim) snapshot(m *modelRun, now time.Duration, free map[string]int) decision.Snapshot {
	snap := decision.Snapshot{
		ModelID: m.cfg.Name, Namespace: m.cfg.Namespace,
		Signals:       decision.SignalStatus{Usable: true},
		Zero:          decision.ZeroConfig{Enabled: m.cfg.ScaleToZero.Enabled, RetentionPeriod: s.retention(m)},
		FreeGPUs:      free,
		WaitingDemand: decision.Demand{Known: true, Requests: len(m.queue)},
		SuccessWindow: min(now, s.retention(m)),
		MaxSampleAge:  s.cfg.MaxSampleAge.D(),
		Now:           epoch().Add(now),
	}
	for _, v := range m.variants {
		snap.Variants = append(snap.Variants, variantState(v))
	}
	avgIn, avgOut := s.tokenRatios(m, now)
	m.reporting = slices.DeleteFunc(m.reporting, func(r *replica) bool {
		l, ok := r.last()
		return r.state == stateGone && (!ok || l.at <= now-s.keepSamples())
	})
	for _, r := range m.reporting {
		kv, waiting, ok := r.peak(now, s.cfg.MetricsWindow.D())
		if !ok {
			continue
		}
		l, _ := r.last()
		succ, _ := r.increase(now, s.retention(m), func(x *sample) float64 { return x.success })
		snap.Replicas = append(snap.Replicas, decision.ReplicaSignals{
			Variant: r.v.cfg.Name, Pod: r.pod, KvCacheUsage: kv, Waiting: waiting, Running: l.running,
			NumGPUBlocks: int64(r.v.params.NumGPUBlocks), BlockSize: int64(r.v.params.BlockSize),
			AvgInputTokens: avgIn, AvgOutputTokens: avgOut, SuccessCount: succ,
			SampleTime: epoch().Add(l.at),
		})
	}
	return snap
}

// variantState is the inventory's view of one variant.
func variantState(v *variantRun) decision.VariantState {
	return decision.VariantState{
		Name: v.cfg.Name, Accelerator: v.accelerator, Cost: v.cfg.Cost,
		CurrentReplicas: len(v.live), ReadyReplicas: v.readyCount(), PreviousDesired: v.published,
		GPUsPerReplica: v.cfg.GPUsPerReplica, MinReplicas: v.cfg.MinReplicas, MaxReplicas: v.cfg.MaxReplicas,
		TokenCapacity: v.cfg.TokenCapacity,
	}
}

// tokenRatios are the model's prompt and output tokens per successful request over the
// token-ratio window, summed over its pods; zero when nothing finished.
func (s *sim) tokenRatios(m *modelRun, now time.Duration) (in, out float64) {
	var succ, prompt, gen float64
	w := s.cfg.TokenRatioWindow.D()
	for _, r := range m.reporting {
		n, _ := r.increase(now, w, func(x *sample) float64 { return x.success })
		p, _ := r.increase(now, w, func(x *sample) float64 { return x.promptTok })
		g, _ := r.increase(now, w, func(x *sample) float64 { return x.outputTok })
		succ, prompt, gen = succ+n, prompt+p, gen+g
	}
	if succ == 0 {
		return 0, 0
	}
	return prompt / succ, gen / succ
}

// pods lists the current pods of each variant with their latest scrape.
func (s *sim) pods(m *modelRun, now time.Duration) []PodView {
	var out []PodView
	for _, v := range m.variants {
		for _, r := range v.live {
			p := PodView{Variant: v.cfg.Name, Pod: r.pod, Ready: r.state == stateReady}
			if l, ok := r.last(); ok && l.at > now-s.cfg.MaxSampleAge.D() {
				p.HasSample, p.Waiting, p.Running = true, l.waiting, l.running
			}
			out = append(out, p)
		}
	}
	return out
}

// retention is the model's scale-to-zero retention period.
func (s *sim) retention(m *modelRun) time.Duration {
	if r := m.cfg.ScaleToZero.RetentionPeriod.D(); r > 0 {
		return r
	}
	return decision.DefaultRetentionPeriod
}

// keepSamples is how long samples must be kept for the longest query.
func (s *sim) keepSamples() time.Duration {
	keep := max(s.cfg.MetricsWindow.D(), s.cfg.TokenRatioWindow.D(), s.cfg.MaxSampleAge.D())
	for _, m := range s.models {
		keep = max(keep, s.retention(m))
	}
	return keep
}
