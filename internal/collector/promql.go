package collector

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// signal names one kind of answer a query gives; every query answers exactly one.
type signal int

const (
	signalKV signal = iota
	signalWaiting
	signalRunning
	signalCache
	signalAvgInput
	signalAvgOutput
	signalTimestamp
	signalSuccess
	// signalSuccessSince is the oldest success-counter sample of a model within a success
	// window: how much of the window Prometheus actually holds.
	signalSuccessSince
	signalTTFT
	signalITL
	// The load signals (HYBRID mode) are read over the model's load window.
	signalLoadSuccess
	signalLoadFirstTokens
	signalLoadTTFT
	signalLoadITL
	signalLoadPromptBuckets
	signalLoadPromptSum
	signalLoadGenBuckets
	signalLoadGenSum
	// signalLoadTTFTBuckets and signalLoadTPOTBuckets are the latency histograms the
	// HYBRID feedback reads attainment from.
	signalLoadTTFTBuckets
	signalLoadTPOTBuckets
	// signalLoadPeak is a model's highest first-token rate over PeakSubWindow.
	signalLoadPeak
)

// histogram tells the signals whose answer holds one series per bucket (label le) of a
// replica: only the same bucket twice is a duplicate.
func (s signal) histogram() bool {
	switch s {
	case signalLoadPromptBuckets, signalLoadGenBuckets, signalLoadTTFTBuckets, signalLoadTPOTBuckets:
		return true
	}
	return false
}

// Label names of the series the queries group by.
const (
	labelNamespace    = "namespace"
	labelModel        = "model_name"
	labelPod          = "pod"
	labelNumGPUBlocks = "num_gpu_blocks"
	labelBlockSize    = "block_size"
	// labelEngine tells apart the data-parallel engines of one vLLM server (engine="0",
	// engine="1", ...): each series of a Pod is exported once per engine.
	labelEngine = "engine"
	labelLE     = "le"
	groupLabels = "namespace, model_name, pod"
)

// promQuery is one PromQL expression of a cycle and what its answer means.
type promQuery struct {
	signal signal
	// window is the success-count window, for signalSuccess and signalSuccessSince only.
	window time.Duration
	expr   string
}

// selectors are the label matchers of one cycle: every requested namespace and model at
// once. The cross product of the two sets may hold pairs nobody asked for; the answers
// are filtered to the requested pairs and Pods afterwards.
type selectors struct {
	// series selects the series of the requested models.
	series string
	// info selects info series that may lack model_name (vllm:cache_config_info on
	// some vLLM versions): the regex also matches the empty, i.e. absent, label.
	info string
}

// newSelectors builds the matchers of the given (already validated) models.
func newSelectors(models []Model) selectors {
	var namespaces, ids []string
	for _, m := range models {
		namespaces = append(namespaces, m.Namespace)
		ids = append(ids, m.ModelID)
	}
	namespaces, ids = sortedUnique(namespaces), sortedUnique(ids)
	ns := labelNamespace + "=~" + QuoteRegexAlternation(namespaces)
	return selectors{
		series: "{" + ns + "," + labelModel + "=~" + QuoteRegexAlternation(ids) + "}",
		info:   "{" + ns + "," + labelModel + "=~" + QuoteRegexAlternation(append(ids, "")) + "}",
	}
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// promDuration renders d as a PromQL duration ("1m", "10m", "1m30s").
func promDuration(d time.Duration) string { return model.Duration(d.Round(time.Second)).String() }

// peakQuery is the highest value of a gauge per replica over the peak window; with two
// names the older one (same meaning, older vLLM) is used only where the newer is absent.
func peakQuery(sel string, window time.Duration, names ...string) string {
	expr := ""
	for i, n := range names {
		if i > 0 {
			expr += " or "
		}
		expr += fmt.Sprintf("max_over_time(%s%s[%s])", n, sel, promDuration(window))
	}
	return fmt.Sprintf("max by (%s) (%s)", groupLabels, expr)
}

// sumPeakQuery is the highest total of a gauge per replica over the peak window, where
// the total of one moment is the sum over the replica's data-parallel engines (waiting and
// running requests: two engines with 5 and 3 running requests run 8). Replicas with one
// series take the peak of their own samples, exactly; replicas with several (engines) take
// the peak of the sums evaluated every step through the window.
func sumPeakQuery(sel string, window, step time.Duration, name string) string {
	series := name + sel
	perReplica := fmt.Sprintf("sum by (%s) (%s)", groupLabels, series)
	engines := fmt.Sprintf("max_over_time(%s[%s:%s]) and on (%s) (count by (%s) (%s) > 1)",
		perReplica, promDuration(window), promDuration(step), groupLabels, groupLabels, series)
	return fmt.Sprintf("(%s) or (%s)", engines, peakQuery(sel, window, name))
}

// cacheQuery lists each replica's KV-cache sizes, one series per data-parallel engine (the
// sizes are labels, summed per replica when merged). vllm:cache_config_info carries no
// model_name on vLLM servers, hence the info selector.
func cacheQuery(sel selectors) string {
	return fmt.Sprintf("max by (%s, %s, %s, %s) (vllm:cache_config_info%s)",
		groupLabels, labelEngine, labelNumGPUBlocks, labelBlockSize, sel.info)
}

// avgTokensQuery is tokens per finished request from a vLLM token histogram: over the
// rate window when requests finished in it, otherwise over the server's life. Both
// divisions drop replicas with no finished request instead of answering NaN.
func avgTokensQuery(sel string, window time.Duration, histogram string) string {
	sum := func(expr string) string { return fmt.Sprintf("sum by (%s) (%s)", groupLabels, expr) }
	rate := func(series string) string {
		return sum(fmt.Sprintf("rate(%s%s[%s])", series, sel, promDuration(window)))
	}
	recent := fmt.Sprintf("%s / (%s > 0)", rate(histogram+"_sum"), rate(histogram+"_count"))
	lifetime := fmt.Sprintf("%s / (%s > 0)", sum(histogram+"_sum"+sel), sum(histogram+"_count"+sel))
	return fmt.Sprintf("(%s) or (%s)", recent, lifetime)
}

// avgLatencyQuery is seconds per observation of a vLLM latency histogram over the rate
// window (e.g. mean time to first token); replicas with no finished request in the window
// are absent, not zero. With two names the older is used only where the newer is absent.
func avgLatencyQuery(sel string, window time.Duration, histograms ...string) string {
	rate := func(series string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s[%s]))", groupLabels, series, sel, promDuration(window))
	}
	parts := make([]string, len(histograms))
	for i, h := range histograms {
		parts[i] = fmt.Sprintf("(%s / (%s > 0))", rate(h+"_sum"), rate(h+"_count"))
	}
	return strings.Join(parts, " or ")
}

// cycleQueries returns the queries of one cycle: nine, plus two per distinct success
// window (the counts, and how far back Prometheus holds them) and nine per distinct load
// window (HYBRID mode). Their number does not depend on how many models, variants or
// Pods there are.
func cycleQueries(sel selectors, w Windows, successWindows, loadWindows []time.Duration) []promQuery {
	qs := []promQuery{
		{signal: signalKV, expr: peakQuery(sel.series, w.Peak, "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")},
		{signal: signalWaiting, expr: sumPeakQuery(sel.series, w.Peak, w.Step, "vllm:num_requests_waiting")},
		{signal: signalRunning, expr: sumPeakQuery(sel.series, w.Peak, w.Step, "vllm:num_requests_running")},
		{signal: signalCache, expr: cacheQuery(sel)},
		{signal: signalAvgInput, expr: avgTokensQuery(sel.series, w.Rate, "vllm:request_prompt_tokens")},
		{signal: signalAvgOutput, expr: avgTokensQuery(sel.series, w.Rate, "vllm:request_generation_tokens")},
		{signal: signalTTFT, expr: avgLatencyQuery(sel.series, w.Rate, "vllm:time_to_first_token_seconds")},
		{signal: signalITL, expr: avgLatencyQuery(sel.series, w.Rate, "vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")},
		{signal: signalTimestamp, expr: fmt.Sprintf("max by (%s) (timestamp(vllm:num_requests_running%s))", groupLabels, sel.series)},
	}
	for _, win := range successWindows {
		qs = append(qs, promQuery{signal: signalSuccess, window: win, expr: fmt.Sprintf(
			"sum by (%s) (increase(vllm:request_success_total%s[%s]))", groupLabels, sel.series, promDuration(win))})
		qs = append(qs, promQuery{signal: signalSuccessSince, window: win, expr: fmt.Sprintf(
			"min by (%s, %s) (min_over_time(timestamp(vllm:request_success_total%s)[%s:%s]))",
			labelNamespace, labelModel, sel.series, promDuration(win), promDuration(coverageStep(win)))})
	}
	for _, win := range loadWindows {
		qs = append(qs, loadQueries(sel.series, win)...)
	}
	return qs
}

// coverageStep is the resolution at which the oldest success sample of a window is looked
// for: fine enough to tell a window Prometheus holds from one it holds only in part.
func coverageStep(window time.Duration) time.Duration {
	return max(window/60, 5*time.Second).Round(time.Second)
}

// loadQueries are the HYBRID mode's queries over one load window: per replica the
// request and first-token rates, the mean latencies, the length histograms' bucket and
// sum rates and the latency histograms' bucket rates (time to first token, each request's
// time per output token); per model the peak first-token rate over PeakSubWindow. Eleven,
// whatever the number of models.
func loadQueries(sel string, window time.Duration) []promQuery {
	w := promDuration(window)
	rate := func(series, by string) string {
		return fmt.Sprintf("sum by (%s) (rate(%s%s[%s]))", by, series, sel, w)
	}
	peak := fmt.Sprintf("max by (%s, %s) (max_over_time((sum by (%s, %s) (rate(vllm:time_to_first_token_seconds_count%s[%s])))[%s:%s]))",
		labelNamespace, labelModel, labelNamespace, labelModel, sel, promDuration(PeakSubWindow), w, promDuration(PeakSubWindow))
	return []promQuery{
		{signal: signalLoadSuccess, window: window, expr: rate("vllm:request_success_total", groupLabels)},
		{signal: signalLoadFirstTokens, window: window, expr: rate("vllm:time_to_first_token_seconds_count", groupLabels)},
		{signal: signalLoadTTFT, window: window, expr: avgLatencyQuery(sel, window, "vllm:time_to_first_token_seconds")},
		{signal: signalLoadITL, window: window, expr: avgLatencyQuery(sel, window, "vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds")},
		{signal: signalLoadPromptBuckets, window: window, expr: rate("vllm:request_prompt_tokens_bucket", groupLabels+", "+labelLE)},
		{signal: signalLoadPromptSum, window: window, expr: rate("vllm:request_prompt_tokens_sum", groupLabels)},
		{signal: signalLoadGenBuckets, window: window, expr: rate("vllm:request_generation_tokens_bucket", groupLabels+", "+labelLE)},
		{signal: signalLoadGenSum, window: window, expr: rate("vllm:request_generation_tokens_sum", groupLabels)},
		{signal: signalLoadTTFTBuckets, window: window, expr: rate("vllm:time_to_first_token_seconds_bucket", groupLabels+", "+labelLE)},
		{signal: signalLoadTPOTBuckets, window: window, expr: rate("vllm:request_time_per_output_token_seconds_bucket", groupLabels+", "+labelLE)},
		{signal: signalLoadPeak, window: window, expr: peak},
	}
}

// loadWindows are the distinct load windows the models ask for, ascending (one in
// practice: the decision interval).
func loadWindows(models []Model) []time.Duration {
	var ws []time.Duration
	for _, m := range models {
		if m.LoadWindow > 0 {
			ws = append(ws, m.LoadWindow.Round(time.Second))
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// successWindows are the distinct success windows the models ask for, ascending.
func successWindows(models []Model) []time.Duration {
	var ws []time.Duration
	for _, m := range models {
		if m.SuccessWindow > 0 {
			ws = append(ws, m.SuccessWindow.Round(time.Second))
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}
