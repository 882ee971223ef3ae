package latency

import (
	"testing"
	"time"
)

func TestSummariseUsesNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p := Summarise(ds)
	want := Percentiles{Count: 100, Mean: 0.0505, P50: 0.050, P90: 0.090, P95: 0.095, P99: 0.099, Max: 0.100}
	const eps = 1e-12
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"mean", p.Mean, want.Mean}, {"p50", p.P50, want.P50}, {"p90", p.P90, want.P90}, {"p95", p.P95, want.P95}, {"p99", p.P99, want.P99}, {"max", p.Max, want.Max}} {
		if d := c.got - c.want; d > eps || d < -eps {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if p.Count != 100 {
		t.Errorf("count = %d", p.Count)
	}
	if one := Summarise([]time.Duration{3 * time.Second}); one.P50 != 3 || one.P99 != 3 || one.Max != 3 {
		t.Errorf("single value: %+v", one)
	}
	if (Summarise(nil) != Percentiles{}) {
		t.Error("no data must give the zero value")
	}
}
