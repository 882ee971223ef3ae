package engine

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/forecast"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
	"github.com/workload-variant-autoscaler/wva/internal/inventory"
)

// ModelLoad is what the collector read of one model's traffic over the load window, for
// the HYBRID mode.
type ModelLoad struct {
	// Window is the load window; zero when the collector read no load.
	Window time.Duration
	// PeakRate is the model's highest first-token rate over a 10-second sub-window,
	// requests per second; zero when not measured.
	PeakRate float64
	// Pods are the loads of the replicas that reported, by variant (VA name).
	Pods map[string][]PodLoad
}

// PodLoad is one replica's load over the window.
type PodLoad struct {
	// Pod is the Pod's name.
	Pod string
	// SuccessRate and FirstTokenRate are finished and started requests per second.
	SuccessRate, FirstTokenRate float64
	// TTFTMean and ITLMean are mean latencies in seconds; zero when not observed.
	TTFTMean, ITLMean float64
	// Prompt and Generation are the length histograms' per-bucket rates.
	Prompt, Generation LengthRates
	// TTFT and TPOT are the latency histograms' per-bucket rates (time to first token,
	// each request's mean time per output token), for the feedback; no sums.
	TTFT, TPOT LengthRates
	// KVTokens is the replica's KV-cache size in tokens (vllm:cache_config_info); zero
	// when not exported.
	KVTokens int
}

// LengthRates is one window of a histogram (token lengths or latencies).
type LengthRates struct {
	// Bounds are the finite upper bounds; Rates has one more element, the +Inf bucket.
	Bounds, Rates []float64
	// SumRate is the rate of the histogram's sum, tokens per second.
	SumRate float64
}

// Prior is what the configuration says of a variant before anything is learned.
type Prior struct {
	// Params, when set, are the step coefficients to start learning from.
	Params *perfmodel.Params
	// Engine are limits vLLM does not export (zero fields unset).
	Engine perfmodel.Engine
}

// HybridInputs are the parts of the HYBRID input that are not signals.
type HybridInputs struct {
	// Classes are the model's service classes (none: the default objectives).
	Classes []decision.ServiceClass
	// Priors are the configured priors by variant (VA name).
	Priors map[string]Prior
	// Startup are the observed start-up times by variant (VA name); zero: unknown.
	Startup map[string]time.Duration
	// State is what the previous decision learned.
	State decision.ProactiveState
	// Settings tune the optimiser (zero: defaults).
	Settings decision.ProactiveSettings
	// Interval is the decision interval.
	Interval time.Duration
}

// ProactiveInput builds the HYBRID mode's input for one model from the inventory, the
// collector's load and the configuration: the model's traffic, and per variant its
// engine limits, prior, start-up time and latency window. It is a pure function.
//
// A replica's share of the window is taken from its Pod's Ready time, so that the mean
// number of replicas (and with it the per-replica rate) counts a replica that joined
// during the window for the part it served.
func ProactiveInput(m *inventory.Model, load ModelLoad, in HybridInputs, now time.Time) *decision.ProactiveInput {
	out := &decision.ProactiveInput{Settings: in.Settings, Classes: in.Classes, State: in.State, Interval: in.Interval}
	var all []PodLoad
	for _, v := range m.Variants {
		if !v.Actionable() {
			continue
		}
		name := v.VA.Name
		pods := load.Pods[name]
		all = append(all, pods...)
		prior := in.Priors[name]
		vm := decision.VariantModel{Name: name, Prior: prior.Params, StartupTime: in.Startup[name],
			Engine: engineOf(v, pods, prior.Engine)}
		vm.Observation = variantObservation(pods, readyTimes(v), load.Window, now)
		vm.Latency = latencyOf(pods, load.Window)
		out.Variants = append(out.Variants, vm)
	}
	for _, p := range all {
		out.Traffic.Rate += p.FirstTokenRate
	}
	out.Traffic.Peak = load.PeakRate
	out.Traffic.Mix = mixOf(all)
	for i := range out.Variants {
		if out.Variants[i].Observation.Mix.Validate() != nil {
			out.Variants[i].Observation.Mix = out.Traffic.Mix
		}
	}
	return out
}

// latencyOf sums a variant's replicas' latency histograms into the window's counts per
// bucket (rates × the window), as the feedback reads them; a replica whose buckets
// differ from the first one's is left out, and a histogram no replica exported stays
// empty.
func latencyOf(pods []PodLoad, window time.Duration) feedback.Latency {
	if window <= 0 {
		return feedback.Latency{}
	}
	sum := func(get func(PodLoad) LengthRates) feedback.Histogram {
		var h feedback.Histogram
		for _, p := range pods {
			l := get(p)
			if len(l.Rates) == 0 || len(l.Rates) != len(l.Bounds)+1 {
				continue
			}
			if h.Counts == nil {
				h.Bounds, h.Counts = slices.Clone(l.Bounds), make([]float64, len(l.Rates))
			}
			if !sameBounds(h.Bounds, l.Bounds) {
				continue
			}
			for i, r := range l.Rates {
				h.Counts[i] += r * window.Seconds()
			}
		}
		if h.Validate() != nil {
			return feedback.Histogram{}
		}
		return h
	}
	return feedback.Latency{TTFT: sum(func(p PodLoad) LengthRates { return p.TTFT }), TPOT: sum(func(p PodLoad) LengthRates { return p.TPOT })}
}

// variantObservation sums a variant's replicas into one window: rates add up, means are
// weighted by their counts (first tokens for TTFT, tokens after the first for ITL), and
// the mean number of replicas counts each for the share of the window it was ready.
func variantObservation(pods []PodLoad, ready map[string]time.Time, window time.Duration, now time.Time) perfmodel.Observation {
	var o perfmodel.Observation
	if window <= 0 {
		return o
	}
	var ttftW, itlW, ttft, itl float64
	for _, p := range pods {
		share := 1.0
		if t, ok := ready[p.Pod]; ok && !t.IsZero() {
			share = math.Max(0, math.Min(1, now.Sub(t).Seconds()/window.Seconds()))
		}
		o.Replicas += share
		o.Rate += p.SuccessRate
		o.Requests += p.FirstTokenRate * window.Seconds()
		if p.TTFTMean > 0 && p.FirstTokenRate > 0 {
			ttft += p.TTFTMean * p.FirstTokenRate
			ttftW += p.FirstTokenRate
		}
		if w := math.Max(p.Generation.SumRate-p.SuccessRate, p.FirstTokenRate); p.ITLMean > 0 && w > 0 {
			itl += p.ITLMean * w
			itlW += w
		}
	}
	if ttftW > 0 {
		o.TTFTMean = ttft / ttftW
	}
	if itlW > 0 {
		o.ITLMean = itl / itlW
	}
	o.Mix = mixOf(pods)
	return o
}

// mixOf pools the replicas' length histograms (bucket by bucket, where the bounds agree
// with the first replica's) into a token mix; the zero Mix when there is none.
func mixOf(pods []PodLoad) perfmodel.Mix {
	in, okIn := pooledTokens(pods, func(p PodLoad) LengthRates { return p.Prompt })
	out, okOut := pooledTokens(pods, func(p PodLoad) LengthRates { return p.Generation })
	if !okIn || !okOut {
		return perfmodel.Mix{}
	}
	return perfmodel.Mix{Input: in, Output: out}
}

func pooledTokens(pods []PodLoad, get func(PodLoad) LengthRates) (perfmodel.Tokens, bool) {
	var bounds, rates []float64
	sum := 0.0
	for _, p := range pods {
		l := get(p)
		if len(l.Rates) == 0 || len(l.Rates) != len(l.Bounds)+1 {
			continue
		}
		if rates == nil {
			bounds, rates = l.Bounds, make([]float64, len(l.Rates))
		}
		if !sameBounds(bounds, l.Bounds) {
			continue
		}
		for i, r := range l.Rates {
			rates[i] += r
		}
		sum += l.SumRate
	}
	if rates == nil {
		return perfmodel.Tokens{}, false
	}
	return perfmodel.TokensFromHistogram(bounds, rates, sum)
}

func sameBounds(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readyTimes are the times the variant's Pods became Ready, by Pod name.
func readyTimes(v *inventory.Variant) map[string]time.Time {
	out := make(map[string]time.Time, len(v.Pods))
	for _, p := range v.Pods {
		if c := podCondition(p, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
			out[p.Name] = c.LastTransitionTime.Time
		}
	}
	return out
}

// StartupTime is the longest time from scheduled to Ready of the variant's ready Pods
// (the start-up new capacity needs); false when no Pod says.
func StartupTime(v *inventory.Variant) (time.Duration, bool) {
	var longest time.Duration
	found := false
	for _, p := range v.Pods {
		sched, ready := podCondition(p, corev1.PodScheduled), podCondition(p, corev1.PodReady)
		if sched == nil || ready == nil || sched.Status != corev1.ConditionTrue || ready.Status != corev1.ConditionTrue {
			continue
		}
		if d := ready.LastTransitionTime.Sub(sched.LastTransitionTime.Time); d >= 0 {
			longest, found = max(longest, d), true
		}
	}
	return longest, found
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// engineOf is one replica's engine limits: max_num_seqs and max_num_batched_tokens from
// the target's vLLM arguments, else from the prior; the KV-cache size from the largest
// vllm:cache_config_info of the replicas, else from the prior.
func engineOf(v *inventory.Variant, pods []PodLoad, prior perfmodel.Engine) perfmodel.Engine {
	e := prior
	if v.Target != nil {
		args := containerArgs(v.Target.Spec.Template.Spec.Containers)
		if n, ok := intArg(args, "max-num-seqs"); ok {
			e.MaxNumSeqs = n
		}
		if n, ok := intArg(args, "max-num-batched-tokens"); ok {
			e.MaxBatchedTokens = n
		}
	}
	kv := 0
	for _, p := range pods {
		kv = max(kv, p.KVTokens)
	}
	if kv > 0 {
		e.KVTokens = kv
	}
	return e
}

// containerArgs are the command and arguments of every container, in order.
func containerArgs(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Command...)
		out = append(out, c.Args...)
	}
	return out
}

// argPattern matches one vLLM engine argument as a word of a shell command too.
var argPattern = regexp.MustCompile(`^--([a-z0-9-]+)(?:=(\S+))?$`)

// intArg finds --name N or --name=N (also inside a shell command string) as a positive
// integer.
func intArg(args []string, name string) (int, bool) {
	var words []string
	for _, a := range args {
		words = append(words, splitWords(a)...)
	}
	for i, w := range words {
		m := argPattern.FindStringSubmatch(w)
		if m == nil || m[1] != name {
			continue
		}
		val := m[2]
		if val == "" && i+1 < len(words) {
			val = words[i+1]
		}
		if n, err := strconv.Atoi(val); err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}

// splitWords splits an argument on whitespace (a `sh -c "vllm serve ..."` command).
func splitWords(s string) []string {
	var out []string
	word := []rune{}
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '"' || r == '\'' {
			if len(word) > 0 {
				out = append(out, string(word))
				word = word[:0]
			}
			continue
		}
		word = append(word, r)
	}
	if len(word) > 0 {
		out = append(out, string(word))
	}
	return out
}

// trafficOf is the model's observed traffic, for metrics next to the forecast.
func trafficOf(in *decision.ProactiveInput) forecast.Observation {
	if in == nil {
		return forecast.Observation{}
	}
	return in.Traffic
}
