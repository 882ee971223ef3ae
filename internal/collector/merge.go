package collector

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// mergeVector adds one query's answer to the observations. Series lacking the namespace
// or pod label cannot be tied to a replica and are skipped. Every query but the cache
// info's (one series per data-parallel engine) answers one series per replica: a replica
// answered twice makes the answer ambiguous, so the replica is not used.
func mergeVector(obs *observations, q promQuery, vec model.Vector) {
	if q.signal == signalSuccessSince {
		obs.sinceAsked[q.window] = true
	}
	// One series per replica, or per replica and bucket for a histogram's buckets.
	type seriesKey struct {
		obsKey
		le string
	}
	seen := make(map[seriesKey]bool, len(vec))
	for _, s := range vec {
		key := obsKey{
			namespace: string(s.Metric[labelNamespace]),
			model:     string(s.Metric[labelModel]),
			pod:       string(s.Metric[labelPod]),
		}
		if q.signal == signalSuccessSince {
			mergeSuccessSince(obs, q.window, s)
			continue
		}
		if q.signal == signalLoadPeak {
			if v := float64(s.Value); key.namespace != "" && key.model != "" && v >= 0 && !math.IsInf(v, 0) {
				obs.peak[modelWindow{key.namespace, key.model, q.window}] = v
			}
			continue
		}
		if key.namespace == "" || key.pod == "" {
			continue
		}
		if q.signal != signalCache {
			sk := seriesKey{obsKey: key}
			if q.signal.histogram() {
				sk.le = string(s.Metric[labelLE])
			}
			if seen[sk] {
				obs.at(key).fail(fmt.Sprintf("Prometheus answered more than one series of %s for the replica", signalName(q.signal)))
				continue
			}
			seen[sk] = true
		}
		v := float64(s.Value)
		switch q.signal {
		case signalTimestamp:
			obs.at(key).seen(time.UnixMilli(int64(math.Round(v * 1000))))
		case signalCache:
			mergeCacheInfo(obs.at(key), s.Metric)
		case signalSuccess:
			obs.at(key).setSuccess(q.window, v)
			obs.modelSuccess[modelWindow{key.namespace, key.model, q.window}] += v
		case signalLoadSuccess, signalLoadFirstTokens, signalLoadTTFT, signalLoadITL, signalLoadPromptSum, signalLoadGenSum:
			obs.at(key).loadAt(q.window).set(q.signal, v)
		case signalLoadPromptBuckets, signalLoadGenBuckets, signalLoadTTFTBuckets, signalLoadTPOTBuckets:
			if le, ok := parseLE(string(s.Metric[labelLE])); ok {
				obs.at(key).loadAt(q.window).setBucket(q.signal, le, v)
			}
		default:
			obs.at(key).set(q.signal, v)
		}
	}
}

// mergeSuccessSince records how far back a model's success counters reach in a window.
func mergeSuccessSince(obs *observations, window time.Duration, s *model.Sample) {
	ns, m := string(s.Metric[labelNamespace]), string(s.Metric[labelModel])
	if ns == "" || m == "" {
		return
	}
	obs.successSince[modelWindow{ns, m, window}] = time.UnixMilli(int64(math.Round(float64(s.Value) * 1000)))
}

// mergeCacheInfo adds one engine's KV-cache size, read from the info series' labels, to
// the replica's (the query answers one series per data-parallel engine).
func mergeCacheInfo(o *observation, m model.Metric) {
	blocks, err1 := strconv.ParseInt(string(m[labelNumGPUBlocks]), 10, 64)
	size, err2 := strconv.ParseInt(string(m[labelBlockSize]), 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	o.addCache(blocks, size)
}
