package collector

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// Plausibility limits: a value beyond them comes from a broken exporter, never from load,
// and acting on it would scale to the maximum (or divide by it), so the replica is not used.
const (
	// maxPlausibleRequests bounds the waiting or running requests of one server.
	maxPlausibleRequests = 1e6
	// maxPlausibleCacheTokens bounds one server's KV cache (blocks × block size).
	maxPlausibleCacheTokens = 1 << 40
	// kvTolerance lets a KV-cache fraction exceed 1 by rounding only.
	kvTolerance = 1e-9
)

// signalNames name the signals in messages, after the vLLM family they come from.
var signalNames = map[signal]string{
	signalKV: familyKV, signalWaiting: familyWaiting, signalRunning: familyRunning,
	signalCache: familyCacheInfo, signalAvgInput: "average prompt tokens", signalAvgOutput: "average generation tokens",
	signalTTFT: "mean time to first token", signalITL: "mean inter-token latency",
	signalTimestamp: "sample time", signalSuccess: familySuccess,
	signalLoadSuccess: "successful requests (load window)", signalLoadFirstTokens: "first tokens (load window)",
	signalLoadTTFT: "time to first token (load window)", signalLoadITL: "inter-token latency (load window)",
	signalLoadPromptBuckets: "prompt length buckets", signalLoadPromptSum: "prompt length sum",
	signalLoadGenBuckets: "generation length buckets", signalLoadGenSum: "generation length sum",
	signalLoadTTFTBuckets: "time to first token buckets", signalLoadTPOTBuckets: "time per output token buckets",
	signalLoadPeak: "peak first-token rate",
}

func signalName(s signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}

// implausible says what is wrong with a value of a signal, or "" when nothing is.
func implausible(s signal, v float64) string {
	switch {
	case math.IsNaN(v):
		return "is NaN"
	case math.IsInf(v, 0):
		return "is " + strconv.FormatFloat(v, 'g', -1, 64)
	case v < 0:
		return "is negative (" + strconv.FormatFloat(v, 'g', 6, 64) + ")"
	case s == signalKV && v > 1+kvTolerance:
		return "is " + strconv.FormatFloat(v, 'g', 6, 64) + ", above 1 (it is a fraction of the KV cache)"
	case (s == signalWaiting || s == signalRunning) && v > maxPlausibleRequests:
		return "is " + strconv.FormatFloat(v, 'g', 6, 64) + ", beyond any server's request count (limit 1e6)"
	}
	return ""
}

// familySignals are the families whose gauges checkPage judges, by signal.
var familySignals = map[string]signal{
	familyKV: signalKV, familyKVOld: signalKV, familyWaiting: signalWaiting, familyRunning: signalRunning,
}

// checkPage returns an error naming the first series of the model on a scraped page that
// cannot be trusted: a series exported twice (the sums would count it twice), a gauge,
// counter or histogram sum that is NaN, infinite, negative or absurd, or a KV-cache size
// beyond any GPU. Families are visited in name order, so the error is deterministic.
func checkPage(fams map[string]*dto.MetricFamily, modelID string) error {
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		f := fams[name]
		seen := map[string]bool{}
		for _, m := range f.GetMetric() {
			if !ofModel(m, modelID, name == familyCacheInfo) {
				continue
			}
			series := name + labelText(m)
			if seen[series] {
				return fmt.Errorf("series %s is exported twice", clip(series, 200))
			}
			seen[series] = true
			if p := seriesProblem(name, m); p != "" {
				return fmt.Errorf("%s %s", clip(series, 200), p)
			}
		}
	}
	return nil
}

// seriesProblem judges one series' value by its family.
func seriesProblem(family string, m *dto.Metric) string {
	if s, ok := familySignals[family]; ok {
		v := m.GetGauge().GetValue()
		if m.GetGauge() == nil {
			v = m.GetUntyped().GetValue()
		}
		return implausible(s, v)
	}
	switch {
	case family == familyCacheInfo:
		return cacheProblem(m)
	case m.GetHistogram() != nil:
		return implausible(signalAvgInput, m.GetHistogram().GetSampleSum())
	case m.GetCounter() != nil:
		return implausible(signalSuccess, m.GetCounter().GetValue())
	}
	return implausible(signalSuccess, m.GetUntyped().GetValue())
}

// cacheProblem judges the KV-cache size an info series carries in its labels.
func cacheProblem(m *dto.Metric) string {
	var blocks, size int64
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case labelNumGPUBlocks:
			blocks, _ = strconv.ParseInt(l.GetValue(), 10, 64)
		case labelBlockSize:
			size, _ = strconv.ParseInt(l.GetValue(), 10, 64)
		}
	}
	if blocks > 0 && size > 0 && blocks > maxPlausibleCacheTokens/size {
		return fmt.Sprintf("says %d blocks of %d tokens, beyond any GPU's KV cache", blocks, size)
	}
	return ""
}

// labelText renders a series' labels in name order, as in the exposition format.
func labelText(m *dto.Metric) string {
	ls := slices.Clone(m.GetLabel())
	slices.SortFunc(ls, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.GetName())
		b.WriteString("=")
		b.WriteString(strconv.Quote(l.GetValue()))
	}
	b.WriteByte('}')
	return b.String()
}
