package collector

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// replicaState is the verdict on one replica's observation.
type replicaState int

const (
	replicaMissing replicaState = iota
	replicaIncomplete
	replicaInvalid
	replicaStale
	replicaFresh
)

// judge decides whether a replica's observation is usable at now. A replica whose data
// has a problem (an impossible value, a broken page) is invalid; one whose newest sample
// time is unknown (Prometheus has marked its series stale) or too old is stale; one
// lacking a saturation signal is incomplete.
func judge(o *observation, now time.Time, staleAfter time.Duration) replicaState {
	switch {
	case o != nil && o.problem != "":
		return replicaInvalid
	case o == nil || (o.has&saturation == 0 && o.newest.IsZero()):
		return replicaMissing
	case o.newest.IsZero() || now.Sub(o.newest) > staleAfter:
		return replicaStale
	case o.has&saturation != saturation:
		return replicaIncomplete
	}
	return replicaFresh
}

// maxProblemsShown bounds the replica problems a message lists.
const maxProblemsShown = 3

// note adds a replica's problem to the health, for its message.
func (h *Health) note(pod, problem string) {
	if len(h.Problems) < maxProblemsShown {
		h.Problems = append(h.Problems, "pod "+clip(pod, 63)+": "+problem)
	}
}

// assemble turns one cycle's observations into the signals of every requested model.
// invalid holds the models rejected before querying, by index.
func assemble(models []Model, obs *observations, invalid map[int]error, now time.Time, w Windows) []ModelSignals {
	out := make([]ModelSignals, len(models))
	for i, m := range models {
		if err := invalid[i]; err != nil {
			out[i] = rejectedModel(m, err)
			continue
		}
		out[i] = assembleModel(m, obs, now, w)
	}
	return out
}

func assembleModel(m Model, obs *observations, now time.Time, w Windows) ModelSignals {
	window, load := m.SuccessWindow.Round(time.Second), m.LoadWindow.Round(time.Second)
	ms := ModelSignals{Namespace: m.Namespace, ModelID: m.ModelID, SuccessWindow: window, LoadWindow: load}
	if load > 0 {
		ms.PeakRate = obs.peak[modelWindow{m.Namespace, m.ModelID, load}]
	}
	var total Health
	for _, v := range m.Variants {
		vs := assembleVariant(m, v, obs, now, w.StaleAfter, window, load)
		for _, r := range vs.Replicas {
			if !r.SuccessKnown {
				ms.SuccessWindow = 0
			}
		}
		total = addCounts(total, vs.Health)
		ms.Variants = append(ms.Variants, vs)
	}
	ms.Health = verdict(total, now)
	if ms.SuccessWindow > 0 {
		key := modelWindow{m.Namespace, m.ModelID, window}
		ms.ModelSuccesses = obs.modelSuccess[key]
		ms.SuccessWindow = heldWindow(window, obs, key, now)
		if implausible(signalSuccess, ms.ModelSuccesses) != "" {
			// A NaN among the series (a Pod gone, say) makes the count unknown, never zero.
			ms.ModelSuccesses, ms.SuccessWindow = 0, 0
		}
	}
	return ms
}

// heldWindow shortens a success window to the part the source holds data for: after a
// Prometheus restart an increase over 10 minutes may rest on 5 seconds of samples, which
// must never pass for 10 idle minutes.
func heldWindow(window time.Duration, obs *observations, key modelWindow, now time.Time) time.Duration {
	oldest, ok := obs.successSince[key]
	if !ok {
		if obs.sinceAsked[window] {
			return 0 // asked, and no sample reaches back to a point of the window
		}
		return window
	}
	// The oldest point the subquery evaluates lies up to one step after the window's
	// start, so a window held in full can look one step short.
	if held := now.Sub(oldest); held+coverageStep(window)+time.Second < window {
		return max(held.Truncate(time.Second), 0)
	}
	return window
}

func assembleVariant(m Model, v Variant, obs *observations, now time.Time, staleAfter, window, load time.Duration) VariantSignals {
	vs := VariantSignals{Name: v.Name}
	h := Health{Pods: len(v.Pods)}
	for _, p := range v.Pods {
		o := obs.replicas[obsKey{m.Namespace, m.ModelID, p.Name}]
		if o != nil {
			h.NewestSample = later(h.NewestSample, o.newest)
		}
		state := judge(o, now, staleAfter)
		switch state {
		case replicaInvalid:
			h.Invalid++
			h.note(p.Name, o.problem)
		case replicaIncomplete:
			h.Incomplete++
		case replicaStale:
			h.Stale++
		case replicaFresh:
			h.Reported++
			vs.Replicas = append(vs.Replicas, replicaSignals(p.Name, o, obs.replicas[obsKey{m.Namespace, "", p.Name}], window, load))
		}
		if state != replicaFresh && state != replicaInvalid && o != nil && o.scrapeError != "" {
			h.note(p.Name, o.scrapeError)
		}
	}
	slices.SortFunc(vs.Replicas, func(a, b ReplicaSignals) int { return strings.Compare(a.Pod, b.Pod) })
	vs.Health = verdict(h, now)
	return vs
}

// replicaSignals copies a fresh observation out; cache info may come from a series
// without model_name (info), which some vLLM versions export.
func replicaSignals(pod string, o, info *observation, window, load time.Duration) ReplicaSignals {
	r := ReplicaSignals{
		Pod: pod, KvCacheUsage: o.kv, Waiting: o.waiting, Running: o.running,
		NumGPUBlocks: o.blocks, BlockSize: o.blockSize,
		AvgInputTokens: o.avgInput, AvgOutputTokens: o.avgOutput,
		SampleTime: o.newest,
	}
	if o.has.holds(signalTTFT) && o.has.holds(signalITL) {
		r.AvgTTFTSeconds, r.AvgITLSeconds, r.LatencyKnown = o.ttft, o.itl, true
	}
	if !o.has.holds(signalCache) && info != nil && info.has.holds(signalCache) {
		r.NumGPUBlocks, r.BlockSize = info.blocks, info.blockSize
	}
	if window > 0 {
		r.SuccessCount, r.SuccessKnown = o.success[window]
	}
	if load > 0 {
		r.Load = o.load[load].replicaLoad()
	}
	return r
}

// verdict fills in the usable flag, reason and message from the counts.
func verdict(h Health, now time.Time) Health {
	if !h.NewestSample.IsZero() {
		h.NewestSampleAge = now.Sub(h.NewestSample)
	}
	switch {
	case h.Pods == 0:
		h.Usable, h.Reason, h.Message = true, ReasonNoReplicas, "no replicas to report"
	case h.Reported > 0:
		h.Usable, h.Reason = true, ReasonMetricsFound
		h.Message = fmt.Sprintf("%d of %d replica(s) reported fresh signals", h.Reported, h.Pods)
	case h.Invalid > 0:
		h.Reason = ReasonMetricsInvalid
		h.Message = fmt.Sprintf("none of %d replica(s) reported usable signals (%d invalid)", h.Pods, h.Invalid)
	case h.Stale > 0:
		h.Reason = ReasonMetricsStale
		h.Message = fmt.Sprintf("%d of %d replica(s) reported, but only samples older than the staleness limit (newest %s)", h.Stale, h.Pods, age(h))
	default:
		h.Reason = ReasonMetricsMissing
		h.Message = fmt.Sprintf("none of %d replica(s) reported KV-cache usage, waiting and running requests (%d incomplete)", h.Pods, h.Incomplete)
	}
	if len(h.Problems) > 0 {
		h.Message += "; " + strings.Join(h.Problems, "; ")
	}
	return h
}

func age(h Health) string {
	if h.NewestSample.IsZero() {
		return "unknown"
	}
	return h.NewestSampleAge.Round(time.Millisecond).String() + " old"
}

// addCounts adds a variant's counts to a model's.
func addCounts(total, v Health) Health {
	total.Pods += v.Pods
	total.Reported += v.Reported
	total.Stale += v.Stale
	total.Incomplete += v.Incomplete
	total.Invalid += v.Invalid
	for _, p := range v.Problems {
		if len(total.Problems) < maxProblemsShown {
			total.Problems = append(total.Problems, p)
		}
	}
	total.NewestSample = later(total.NewestSample, v.NewestSample)
	return total
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rejectedModel is the answer for a model that was never queried because its namespace
// or model ID is not safe to put in a query.
func rejectedModel(m Model, err error) ModelSignals {
	h := Health{Reason: ReasonInvalidModel, Message: err.Error()}
	ms := ModelSignals{Namespace: m.Namespace, ModelID: m.ModelID, Health: h}
	for _, v := range m.Variants {
		vh := h
		vh.Pods = len(v.Pods)
		ms.Health.Pods += vh.Pods
		ms.Variants = append(ms.Variants, VariantSignals{Name: v.Name, Health: vh})
	}
	return ms
}

// failedModels is the answer for every model when the source failed as a whole; models
// rejected before querying keep their own reason.
func failedModels(models []Model, invalid map[int]error, reason string, err error) []ModelSignals {
	out := make([]ModelSignals, len(models))
	for i, m := range models {
		if ierr := invalid[i]; ierr != nil {
			out[i] = rejectedModel(m, ierr)
			continue
		}
		out[i] = rejectedModel(m, err)
		out[i].Health.Reason = reason
		for j := range out[i].Variants {
			out[i].Variants[j].Health.Reason = reason
		}
	}
	return out
}
