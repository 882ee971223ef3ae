package collector

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// vLLM metric family names the Pod source reads.
const (
	familyKV         = "vllm:kv_cache_usage_perc"
	familyKVOld      = "vllm:gpu_cache_usage_perc"
	familyWaiting    = "vllm:num_requests_waiting"
	familyRunning    = "vllm:num_requests_running"
	familyCacheInfo  = "vllm:cache_config_info"
	familyPrompt     = "vllm:request_prompt_tokens"
	familyGeneration = "vllm:request_generation_tokens"
	familySuccess    = "vllm:request_success_total"
	familyTTFT       = "vllm:time_to_first_token_seconds"
	familyITL        = "vllm:inter_token_latency_seconds"
	familyITLOld     = "vllm:time_per_output_token_seconds"
	familyTPOT       = "vllm:request_time_per_output_token_seconds"
)

// parseScrape reads a text exposition and keeps the series of one model. A data-parallel
// vLLM server exports every series once per engine (label engine); the scrape reads the
// Pod as a whole, as the PromQL queries do: waiting and running requests are summed over
// engines, KV-cache usage is the highest engine's (the fullest cache is the one that
// queues first), the KV-cache sizes add up, counters and histograms are summed. Series of
// other model names are ignored; the cache info carries no model_name on vLLM servers.
// Only vLLM's families are read (readPage, within its limits), and a page whose series of
// the model cannot be trusted (checkPage) is an error naming the series.
func parseScrape(r io.Reader, modelID string) (scrape, error) {
	page, err := readPage(r)
	if err != nil {
		return scrape{}, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return scrape{}, fmt.Errorf("parse the vLLM families of the metrics page: %w", err)
	}
	if err := checkPage(fams, modelID); err != nil {
		return scrape{}, err
	}
	var s scrape
	kvFamily := fams[familyKV]
	if kvFamily == nil {
		kvFamily = fams[familyKVOld]
	}
	if v, ok := gaugeMax(kvFamily, modelID); ok {
		s.has = s.has.with(signalKV)
		s.set(signalKV, v)
	}
	for sig, fam := range map[signal]*dto.MetricFamily{signalWaiting: fams[familyWaiting], signalRunning: fams[familyRunning]} {
		if v, ok := gaugeSum(fam, modelID); ok {
			s.has = s.has.with(sig)
			s.set(sig, v)
		}
	}
	s.readCacheInfo(fams[familyCacheInfo], modelID)
	s.promptSum, s.promptCnt, s.hasPrompt = histogramSum(fams[familyPrompt], modelID)
	s.genSum, s.genCnt, s.hasGen = histogramSum(fams[familyGeneration], modelID)
	s.promptBuckets = histogramBuckets(fams[familyPrompt], modelID)
	s.genBuckets = histogramBuckets(fams[familyGeneration], modelID)
	s.ttftBuckets = histogramBuckets(fams[familyTTFT], modelID)
	s.tpotBuckets = histogramBuckets(fams[familyTPOT], modelID)
	s.ttftSum, s.ttftCnt, s.hasTTFT = histogramSum(fams[familyTTFT], modelID)
	if s.itlSum, s.itlCnt, s.hasITL = histogramSum(fams[familyITL], modelID); !s.hasITL {
		s.itlSum, s.itlCnt, s.hasITL = histogramSum(fams[familyITLOld], modelID)
	}
	s.success, s.hasSuccess = counterSum(fams[familySuccess], modelID)
	return s, nil
}

func (s *scrape) set(sig signal, v float64) {
	switch sig {
	case signalKV:
		s.kv = v
	case signalWaiting:
		s.waiting = v
	case signalRunning:
		s.running = v
	}
}

// ofModel reports whether a series belongs to the model; absent model_name only counts
// when allowed (info series).
func ofModel(m *dto.Metric, modelID string, allowAbsent bool) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == labelModel {
			return l.GetValue() == modelID
		}
	}
	return allowAbsent
}

func gaugeMax(f *dto.MetricFamily, modelID string) (float64, bool) {
	var best float64
	found := false
	for _, m := range f.GetMetric() {
		if !ofModel(m, modelID, false) {
			continue
		}
		v := m.GetGauge().GetValue()
		if m.GetGauge() == nil {
			v = m.GetUntyped().GetValue()
		}
		if !found || v > best {
			best, found = v, true
		}
	}
	return best, found
}

// gaugeSum adds up a gauge over the model's series (the engines of one server).
func gaugeSum(f *dto.MetricFamily, modelID string) (float64, bool) {
	var sum float64
	found := false
	for _, m := range f.GetMetric() {
		if !ofModel(m, modelID, false) {
			continue
		}
		v := m.GetGauge().GetValue()
		if m.GetGauge() == nil {
			v = m.GetUntyped().GetValue()
		}
		sum, found = sum+v, true
	}
	return sum, found
}

func counterSum(f *dto.MetricFamily, modelID string) (float64, bool) {
	var sum float64
	found := false
	for _, m := range f.GetMetric() {
		if ofModel(m, modelID, false) {
			sum += m.GetCounter().GetValue() + m.GetUntyped().GetValue()
			found = true
		}
	}
	return sum, found
}

func histogramSum(f *dto.MetricFamily, modelID string) (sum, count float64, found bool) {
	for _, m := range f.GetMetric() {
		if ofModel(m, modelID, false) && m.GetHistogram() != nil {
			sum += m.GetHistogram().GetSampleSum()
			count += float64(m.GetHistogram().GetSampleCount())
			found = true
		}
	}
	return sum, count, found
}

// histogramBuckets sums the model's series of a histogram bucket by bucket (as sum by
// (le) does), the +Inf bucket being the count; nil when the model has no series.
func histogramBuckets(f *dto.MetricFamily, modelID string) []bucket {
	byLE := map[float64]float64{}
	for _, m := range f.GetMetric() {
		h := m.GetHistogram()
		if !ofModel(m, modelID, false) || h == nil {
			continue
		}
		for _, b := range h.GetBucket() {
			if !math.IsInf(b.GetUpperBound(), 1) {
				byLE[b.GetUpperBound()] += float64(b.GetCumulativeCount())
			}
		}
		byLE[math.Inf(1)] += float64(h.GetSampleCount())
	}
	if len(byLE) == 0 {
		return nil
	}
	out := make([]bucket, 0, len(byLE))
	for le, c := range byLE {
		out = append(out, bucket{le: le, count: c})
	}
	slices.SortFunc(out, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	return out
}

// readCacheInfo adds up the KV-cache sizes of the model's info series, one per
// data-parallel engine. Series naming the model win over series without model_name (which
// is how vLLM exports them), as in the Prometheus source.
func (s *scrape) readCacheInfo(f *dto.MetricFamily, modelID string) {
	var named, unnamed observation
	for _, m := range f.GetMetric() {
		if !ofModel(m, modelID, true) {
			continue
		}
		var blocks, size int64 = -1, -1
		hasModel := false
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case labelNumGPUBlocks:
				blocks, _ = strconv.ParseInt(l.GetValue(), 10, 64)
			case labelBlockSize:
				size, _ = strconv.ParseInt(l.GetValue(), 10, 64)
			case labelModel:
				hasModel = true
			}
		}
		if hasModel {
			named.addCache(blocks, size)
		} else {
			unnamed.addCache(blocks, size)
		}
	}
	for _, o := range []observation{named, unnamed} {
		if o.has.holds(signalCache) {
			s.has = s.has.with(signalCache)
			s.blocks, s.blockSize = o.blocks, o.blockSize
			return
		}
	}
}
