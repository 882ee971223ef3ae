package policy

import (
	"path/filepath"
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// BenchmarkSimulateHour simulates the conversation benchmark's hour of the shared trace
// (×8, about 155k requests) under WVA v1: the cost of one policy-hour, which every
// change to the simulator, the server model or the decision core is held to.
func BenchmarkSimulateHour(b *testing.B) {
	simtest.SharedTrace(b)
	c, err := simulator.LoadConfigFile(filepath.Join(simtest.Benchmarks(b), "azure-conv-llama8b.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	sc, err := simulator.NewScenario(c, "")
	if err != nil {
		b.Fatal(err)
	}
	entry := Entry("wva-v1", TypeWVA, nil)
	var res simulator.PolicyResult
	for b.Loop() {
		p, err := Builtin().Build(sc, entry)
		if err != nil {
			b.Fatal(err)
		}
		if res, err = sc.Run(p, simulator.RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Requests), "requests/op")
	b.ReportMetric(sc.Workload.End.Seconds()*float64(b.N)/b.Elapsed().Seconds(), "sim-s/s")
}
