package collector

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// TestEveryHistogramQueryIsReadPerBucket: each load-window histogram answers one series
// per bucket of a replica; the buckets are not duplicates of one another.
func TestEveryHistogramQueryIsReadPerBucket(t *testing.T) {
	for _, q := range loadQueries(`namespace="ns"`, time.Minute) {
		if !q.signal.histogram() {
			continue
		}
		obs := newObservations()
		var vec model.Vector
		for _, le := range []string{"0.1", "1", "+Inf"} {
			vec = append(vec, &model.Sample{Metric: model.Metric{
				labelNamespace: "ns", labelModel: "m", labelPod: "p-0", labelLE: model.LabelValue(le),
			}, Value: 1})
		}
		mergeVector(obs, q, vec)
		if o := obs.at(obsKey{namespace: "ns", model: "m", pod: "p-0"}); o.problem != "" {
			t.Errorf("%s: three buckets of one replica read as a bad answer: %s", signalName(q.signal), o.problem)
		}
	}
}
