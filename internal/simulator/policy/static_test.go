package policy

import (
	"testing"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/latency"
	"github.com/workload-variant-autoscaler/wva/internal/loadgen"
	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
	"github.com/workload-variant-autoscaler/wva/internal/simulator"
	"github.com/workload-variant-autoscaler/wva/internal/simulator/simtest"
)

// directLatencies drives servermodel replicas directly with the schedule, sending
// request i to replica i mod n, and returns TTFT, ITL and E2E percentiles.
func directLatencies(t *testing.T, profile string, schedule []loadgen.Request, n int) (ttft, itl, e2e simulator.Percentiles) {
	t.Helper()
	prof, err := servermodel.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	params, err := prof.Params()
	if err != nil {
		t.Fatal(err)
	}
	var ttfts, itls, e2es []time.Duration
	sink := func(e servermodel.Event) {
		if e.Kind != servermodel.EventFinished {
			return
		}
		ttfts, e2es = append(ttfts, e.TTFT()), append(e2es, e.E2E())
		if e.OutputTokens >= 2 {
			itls = append(itls, e.MeanITL())
		}
	}
	reps := make([]*servermodel.Replica, n)
	for i := range reps {
		if reps[i], err = servermodel.NewReplica(params, servermodel.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range schedule {
		rep := reps[i%n]
		if err := rep.Advance(r.At, sink); err != nil {
			t.Fatal(err)
		}
		if err := rep.Submit(servermodel.Request{ID: servermodel.RequestID(i), PromptTokens: r.PromptTokens, OutputTokens: r.OutputTokens}, r.At); err != nil {
			t.Fatal(err)
		}
	}
	for _, rep := range reps {
		for rep.Step(sink) {
		}
	}
	return latency.Summarise(ttfts), latency.Summarise(itls), latency.Summarise(e2es)
}

// TestStaticReproducesServerModel: with a static count and a constant load, the
// simulator's latencies are the server model's own. One replica must match exactly
// (same engine, same arrivals: routing, sampling and decisions must not disturb it);
// three replicas at three times the rate, balanced by the router, must match the
// server model driven round-robin closely (least outstanding need not be round-robin).
func TestStaticReproducesServerModel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int
		rate     float64
		exact    bool
	}{
		{"one replica", 1, 4, true},
		{"three replicas", 3, 12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pat := simulator.PatternConfig{Kind: "constant", Rate: tc.rate, Duration: simulator.Duration(3 * time.Minute), PromptTokens: 1000, OutputTokens: 200}
			_, sim := run(t, simtest.Config(pat), Entry("static", TypeStatic, StaticSpec{Replicas: map[string]int{"h100": tc.replicas}}))
			schedule, err := loadgen.Synthetic(loadgen.Pattern{Kind: loadgen.Constant, Rate: tc.rate, Duration: 3 * time.Minute, PromptTokens: 1000, OutputTokens: 200})
			if err != nil {
				t.Fatal(err)
			}
			ttft, itl, e2e := directLatencies(t, "llama-3.1-8b-h100-80gb", schedule, tc.replicas)
			if sim.Finished != len(schedule) || sim.Failed != 0 {
				t.Fatalf("simulator finished %d, failed %d; want %d, 0", sim.Finished, sim.Failed, len(schedule))
			}
			for _, c := range []struct {
				what      string
				got, want simulator.Percentiles
			}{{"TTFT", sim.TTFT, ttft}, {"ITL", sim.ITL, itl}, {"E2E", sim.E2E, e2e}} {
				if tc.exact && c.got != c.want {
					t.Errorf("%s: simulator %+v, server model %+v", c.what, c.got, c.want)
				}
				if !tc.exact && (simtest.RelDiff(c.got.P50, c.want.P50) > 0.05 || simtest.RelDiff(c.got.P99, c.want.P99) > 0.10) {
					t.Errorf("%s: simulator p50 %.4f p99 %.4f, server model p50 %.4f p99 %.4f", c.what, c.got.P50, c.got.P99, c.want.P50, c.want.P99)
				}
			}
		})
	}
}
