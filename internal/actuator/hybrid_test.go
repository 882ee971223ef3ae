package actuator

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestHybridUpdatesIsACounter: the windows learned from are a cumulative count, so they
// are exported as a counter named *_total that never goes down, even when the learned
// state is reset and its count starts again.
func TestHybridUpdatesIsACounter(t *testing.T) {
	m := NewMetrics("", nil)
	v := HybridVariant{Variant: Variant{Name: "a", Namespace: "ns", Accelerator: "H100"}, Known: true, Ran: true}
	read := func() (dto.MetricType, float64) {
		t.Helper()
		reg := prometheus.NewPedanticRegistry()
		reg.MustRegister(m.Collectors()...)
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fams {
			if f.GetName() == "wva_hybrid_model_updates_total" && len(f.GetMetric()) == 1 {
				return f.GetType(), f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatalf("no single wva_hybrid_model_updates_total series")
		return 0, 0
	}
	for _, step := range []struct{ updates, want int }{{3, 3}, {5, 5}, {5, 5}, {1, 5}, {2, 6}} {
		v.Updates = step.updates
		m.PublishHybrid(HybridModel{Namespace: "ns", ModelID: "m"}, []HybridVariant{v})
		typ, got := read()
		if typ != dto.MetricType_COUNTER || got != float64(step.want) {
			t.Fatalf("after %d updates: %v %v, want a counter at %d", step.updates, typ, got, step.want)
		}
	}
}
