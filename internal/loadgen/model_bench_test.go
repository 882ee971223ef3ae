package loadgen

import (
	"testing"

	"github.com/workload-variant-autoscaler/wva/internal/servermodel"
)

// BenchmarkTraceThroughModel replays the whole shared trace (one hour, ~19k requests)
// through replica models in virtual time, round-robin over 4 H100 replicas: the cost the
// trace simulator pays per replayed hour.
func BenchmarkTraceThroughModel(b *testing.B) {
	trace := sharedTrace(b)
	p, err := servermodel.LoadProfile("llama-3.1-8b-h100-80gb")
	if err != nil {
		b.Fatal(err)
	}
	params, err := p.Params()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		reps := make([]*servermodel.Replica, 4)
		for i := range reps {
			if reps[i], err = servermodel.NewReplica(params, servermodel.Options{Seed: uint64(i), StepJitter: 0.02}); err != nil {
				b.Fatal(err)
			}
		}
		for i, r := range trace {
			rep := reps[i%len(reps)]
			if err := rep.Advance(r.At, servermodel.Discard); err != nil {
				b.Fatal(err)
			}
			req := servermodel.Request{ID: servermodel.RequestID(i), PromptTokens: r.PromptTokens, OutputTokens: r.OutputTokens}
			if err := rep.Submit(req, r.At); err != nil {
				b.Fatal(err)
			}
		}
		for _, rep := range reps {
			for rep.Step(servermodel.Discard) {
			}
		}
	}
}
