// Package latency summarises latency distributions the same way wherever WVA measures
// them — the load generator against a live server and the trace simulator in virtual
// time — so their reports can be compared number for number.
package latency

import (
	"math"
	"slices"
	"time"
)

// Percentiles summarise one latency distribution, in seconds, with nearest-rank quantiles.
type Percentiles struct {
	// Count is the number of values.
	Count int `json:"count"`
	// Mean is their mean.
	Mean float64 `json:"mean"`
	// P50 .. P99 are nearest-rank quantiles.
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	// Max is the largest value.
	Max float64 `json:"max"`
}

// Summarise sorts ds in place and returns its percentiles; the zero value for no data.
func Summarise(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	var sum float64
	for _, d := range ds {
		sum += d.Seconds()
	}
	return Percentiles{
		Count: len(ds), Mean: sum / float64(len(ds)),
		P50: rank(ds, 0.50), P90: rank(ds, 0.90), P95: rank(ds, 0.95), P99: rank(ds, 0.99),
		Max: ds[len(ds)-1].Seconds(),
	}
}

// rank is the nearest-rank q-quantile of sorted ds, in seconds.
func rank(ds []time.Duration, q float64) float64 {
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[max(i, 0)].Seconds()
}
