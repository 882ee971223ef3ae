package simulator

import (
	"testing"
)

// benchmarkConfig is the documented benchmark (docs/benchmarks), relative to this package.
const benchmarkConfig = "../../docs/benchmarks/azure-conv-llama8b.yaml"

// BenchmarkSimulateHour simulates the benchmark's hour of the shared trace (×8, about
// 155k requests) under WVA v1: the cost of one policy-hour, which every change to the
// simulator, the server model or the decision core is held to.
func BenchmarkSimulateHour(b *testing.B) {
	requireSharedTrace(b)
	c, err := LoadConfigFile(benchmarkConfig)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := NewScenario(c, "")
	if err != nil {
		b.Fatal(err)
	}
	p, err := sc.NewPolicy(c.Policies[0])
	if err != nil {
		b.Fatal(err)
	}
	var res PolicyResult
	for b.Loop() {
		if res, err = sc.Run(p, RunOptions{}); err != nil {
			b.Fatal(err)
		}
		if p, err = sc.NewPolicy(c.Policies[0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Requests), "requests/op")
	b.ReportMetric(sc.Workload.End.Seconds()*float64(b.N)/b.Elapsed().Seconds(), "sim-s/s")
}
