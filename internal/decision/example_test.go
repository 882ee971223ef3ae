package decision_test

import (
	"fmt"
	"time"

	"github.com/workload-variant-autoscaler/wva/internal/decision"
)

// ExampleDecide is the published worked example: threshold 0.80, trigger 0.10, two
// replicas at 65% and 75% KV use average a spare of 0.10 and scale up the cheaper
// variant.
func ExampleDecide() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	d, err := decision.Decide(decision.Snapshot{
		ModelID:   "meta/llama-3.1-8b",
		Namespace: "prod",
		Variants: []decision.VariantState{
			{Name: "h100", Accelerator: "H100", Cost: 20, CurrentReplicas: 1, ReadyReplicas: 1},
			{Name: "a100", Accelerator: "A100", Cost: 5, CurrentReplicas: 1, ReadyReplicas: 1},
		},
		Replicas: []decision.ReplicaSignals{
			{Variant: "a100", Pod: "a100-0", KvCacheUsage: 0.65, SampleTime: now},
			{Variant: "h100", Pod: "h100-0", KvCacheUsage: 0.75, SampleTime: now},
		},
		Signals:    decision.SignalStatus{Usable: true},
		Saturation: decision.DefaultSaturationConfig(),
		Now:        now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range d.Variants {
		fmt.Printf("%s: %d -> %d (%s)\n  %s\n", v.Name, v.CurrentReplicas, v.DesiredReplicas, v.Action, v.Reason)
	}
	// Output:
	// a100: 1 -> 2 (up)
	//   scale-up: average spare KV 0.10 <= trigger 0.10 over 2 non-saturated replica(s); +1 on cheapest variant a100 (cost 5.0)
	// h100: 1 -> 1 (hold)
	//   hold: scale-up (average spare KV 0.10 <= trigger 0.10 over 2 non-saturated replica(s)) goes to preferred variant a100
}
