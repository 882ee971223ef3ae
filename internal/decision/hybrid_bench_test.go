package decision

import (
	"fmt"
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision/feedback"
	"github.com/workload-variant-autoscaler/wva/internal/decision/perfmodel"
)

// hybridModel is one HYBRID model with three variants of 8 replicas, each with a
// latency window to learn from: the full path (learn, forecast, size, solve, arbitrate).
func hybridModel(m int) Snapshot {
	s := hybridSnap(8, 8, 0.5, 0.5, 60+float64(m%7))
	s.ModelID = fmt.Sprintf("model-%04d", m)
	l4 := perfmodel.Params{Alpha: 55e-3, Beta: 140e-6, Gamma: 0.5e-6}
	s.Variants = append(s.Variants, variant("l4", 0.8, 8))
	for i := range 8 {
		s.Replicas = append(s.Replicas, replica("l4", i, 0.5, 0.5))
	}
	s.Proactive.Variants = append(s.Proactive.Variants, VariantModel{Name: "l4", Engine: perfmodel.Engine{MaxNumSeqs: 256, MaxBatchedTokens: 2048, KVTokens: 30992}, Prior: &l4, StartupTime: time.Minute})
	observe(&s, "a100", paramsA100, engineA100, 8, 2)
	observe(&s, "h100", paramsH100, engineH100, 8, 5)
	observe(&s, "l4", l4, perfmodel.Engine{}, 8, 0.1)
	for i := range s.Proactive.Variants {
		s.Proactive.Variants[i].Latency = benchLatency
	}
	return s
}

// benchLatency is a window of vLLM's latency histograms with about 3% of 1,000 requests
// over a 1 s TTFT and 2% over 50 ms per output token: enough misses for the feedback
// to measure each variant's credit (its most expensive path).
var benchLatency = feedback.Latency{
	TTFT: feedback.Histogram{Bounds: []float64{0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5},
		Counts: []float64{10, 40, 100, 200, 200, 250, 100, 50, 20, 20, 5, 5}},
	TPOT: feedback.Histogram{Bounds: []float64{0.01, 0.025, 0.05, 0.075, 0.1},
		Counts: []float64{100, 600, 280, 15, 4, 1}},
}

// warm returns the model's snapshot with the state its previous decision returned, as
// the engine passes it every cycle after the first.
func warm(s Snapshot) Snapshot {
	d, err := Decide(s)
	if err != nil {
		panic(err)
	}
	return next(s, d, 30*time.Second)
}

// BenchmarkDecideHybridCold is one HYBRID decision of a model with three variants and
// nothing remembered (the first cycle after a start).
func BenchmarkDecideHybridCold(b *testing.B) { benchDecide(b, hybridModel(0)) }

// BenchmarkDecideHybrid is one HYBRID decision in steady state (the previous cycle's
// state passed back).
func BenchmarkDecideHybrid(b *testing.B) { benchDecide(b, warm(hybridModel(0))) }

// BenchmarkDecideCycleHybrid1000Models is a steady-state cycle of 1,000 HYBRID models.
func BenchmarkDecideCycleHybrid1000Models(b *testing.B) {
	models := make([]Snapshot, 1000)
	for m := range models {
		models[m] = warm(hybridModel(m))
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := DecideCycle(models, nil); len(res) != len(models) {
			b.Fatal("missing results")
		}
	}
}
