package vllmsim

import (
	"maps"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// Label names vLLM (V1) puts on every engine series.
const (
	labelModel  = "model_name"
	labelEngine = "engine"
	engineIndex = "0"
)

// histogramMetric maps one model histogram to a vLLM histogram name.
type histogramMetric struct {
	desc *prometheus.Desc
	get  func(servermodel.Stats) servermodel.Histogram
	// latency marks a histogram of seconds, exported in the collector's latency unit.
	latency bool
}

// latencyScale is what model-time latencies are divided by for export: the time scale
// when the configuration asks for wall-clock latencies, else 1 (model seconds).
func latencyScale(cfg Config) float64 {
	if cfg.WallClockLatencies && cfg.TimeScale > 0 {
		return cfg.TimeScale
	}
	return 1
}

// collector exports the model's live signals under vLLM's metric names, label names,
// types and bucket bounds. It reads a snapshot at scrape time, so the numbers are exactly
// the model's state at that instant.
type collector struct {
	model string
	stats func() servermodel.Stats
	info  prometheus.Labels

	running, waiting, kvUsage, gpuCacheUsage, cacheInfo  *prometheus.Desc
	success, promptTokens, generationTokens, preemptions *prometheus.Desc
	prefixQueries, prefixHits                            *prometheus.Desc
	histograms                                           []histogramMetric
	// scale divides model-time latencies into the exported ones (latencyScale).
	scale float64
}

func newCollector(model string, p servermodel.Params, stats func() servermodel.Stats, scale float64) *collector {
	labels := []string{labelModel, labelEngine}
	gauge := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, labels, nil) }
	info := prometheus.Labels{
		"block_size":             strconv.Itoa(p.BlockSize),
		"num_gpu_blocks":         strconv.Itoa(p.NumGPUBlocks),
		"num_cpu_blocks":         "None",
		"gpu_memory_utilization": strconv.FormatFloat(p.GPUMemoryUtilization, 'g', -1, 64),
		"cache_dtype":            "auto",
		"enable_prefix_caching":  "True",
	}
	infoLabels := append([]string{labelModel, labelEngine}, sortedKeys(info)...)
	c := &collector{
		scale:            scale,
		model:            model,
		stats:            stats,
		info:             info,
		running:          gauge("vllm:num_requests_running", "Number of requests in model execution batches."),
		waiting:          gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed."),
		kvUsage:          gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage."),
		gpuCacheUsage:    gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage. DEPRECATED: Use vllm:kv_cache_usage_perc instead."),
		cacheInfo:        prometheus.NewDesc("vllm:cache_config_info", "Information of the LLMEngine CacheConfig", infoLabels, nil),
		success:          prometheus.NewDesc("vllm:request_success_total", "Count of successfully processed requests.", append(labels, "finished_reason"), nil),
		promptTokens:     gauge("vllm:prompt_tokens_total", "Number of prefill tokens processed."),
		generationTokens: gauge("vllm:generation_tokens_total", "Number of generation tokens processed."),
		preemptions:      gauge("vllm:num_preemptions_total", "Cumulative number of preemption from the engine."),
		prefixQueries:    gauge("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens."),
		prefixHits:       gauge("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens."),
	}
	c.histograms = []histogramMetric{
		{gauge("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds."), func(s servermodel.Stats) servermodel.Histogram { return s.TTFT }, true},
		{gauge("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds."), func(s servermodel.Stats) servermodel.Histogram { return s.ITL }, true},
		{gauge("vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds. DEPRECATED: Use vllm:inter_token_latency_seconds instead."), func(s servermodel.Stats) servermodel.Histogram { return s.ITL }, true},
		{gauge("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds."), func(s servermodel.Stats) servermodel.Histogram { return s.E2E }, true},
		{gauge("vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request."), func(s servermodel.Stats) servermodel.Histogram { return s.TPOT }, true},
		{gauge("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request."), func(s servermodel.Stats) servermodel.Histogram { return s.QueueTime }, true},
		{gauge("vllm:request_prompt_tokens", "Number of prefill tokens processed."), func(s servermodel.Stats) servermodel.Histogram { return s.PromptLen }, false},
		{gauge("vllm:request_generation_tokens", "Number of generation tokens processed."), func(s servermodel.Stats) servermodel.Histogram { return s.GenerationLen }, false},
	}
	return c
}

// Describe sends every descriptor, so the registry can check names and labels up front.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.running, c.waiting, c.kvUsage, c.gpuCacheUsage, c.cacheInfo,
		c.success, c.promptTokens, c.generationTokens, c.preemptions, c.prefixQueries, c.prefixHits} {
		ch <- d
	}
	for _, h := range c.histograms {
		ch <- h.desc
	}
}

// Collect snapshots the model and emits every series.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, c.model, engineIndex)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), c.model, engineIndex)
	}
	gauge(c.running, float64(s.Running))
	gauge(c.waiting, float64(s.Waiting))
	gauge(c.kvUsage, s.KVUsage())
	gauge(c.gpuCacheUsage, s.KVUsage())
	infoValues := []string{c.model, engineIndex}
	for _, k := range sortedKeys(c.info) {
		infoValues = append(infoValues, c.info[k])
	}
	ch <- prometheus.MustNewConstMetric(c.cacheInfo, prometheus.GaugeValue, 1, infoValues...)
	for _, reason := range []servermodel.FinishReason{servermodel.FinishStop, servermodel.FinishLength, servermodel.FinishAbort} {
		ch <- prometheus.MustNewConstMetric(c.success, prometheus.CounterValue, float64(s.Success[reason]), c.model, engineIndex, string(reason))
	}
	counter(c.promptTokens, s.PromptTokens)
	counter(c.generationTokens, s.GenerationTokens)
	counter(c.preemptions, s.Preemptions)
	counter(c.prefixQueries, s.PrefixCacheQueries)
	counter(c.prefixHits, s.PrefixCacheHits)
	for _, h := range c.histograms {
		v := h.get(s)
		sum, buckets := v.Sum, v.Cumulative()
		if h.latency && c.scale != 1 {
			sum, buckets = sum/c.scale, make(map[float64]uint64, len(buckets))
			for b, n := range v.Cumulative() {
				buckets[b/c.scale] = n
			}
		}
		ch <- prometheus.MustNewConstHistogram(h.desc, v.Count, sum, buckets, c.model, engineIndex)
	}
}

func sortedKeys(m prometheus.Labels) []string { return slices.Sorted(maps.Keys(m)) }
