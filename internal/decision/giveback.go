package decision

import (
	"fmt"
	"strings"
)

// giveBack lets HYBRID models give way when shared GPUs run short: for every accelerator
// on which some model's scale-up could not be granted, the models of the same or a
// lower priority (a larger number) release the replicas they hold there only for their
// stabilisation period, so that the GPUs are free for the model short of them at the
// next cycle. The capacity answer stays a floor: lean answers never go below it.
func giveBack(plans []*plan) {
	short := map[string]int{}      // accelerator -> best priority rank short of it
	names := map[string][]string{} // accelerator -> models short of it
	for _, p := range plans {
		for i := range p.variants {
			v := &p.variants[i]
			if v.gpuShortfall == 0 {
				continue
			}
			acc := v.state.Accelerator
			r := priorityRank(p.analysis.Priority)
			if cur, ok := short[acc]; !ok || r < cur {
				short[acc] = r
			}
			names[acc] = append(names[acc], p.namespace+"/"+p.modelID)
		}
	}
	if len(short) == 0 {
		return
	}
	for _, p := range plans {
		if p.lean == nil {
			continue
		}
		for i := range p.variants {
			v := &p.variants[i]
			rank, ok := short[v.state.Accelerator]
			if !ok || v.gpuShortfall > 0 || priorityRank(p.analysis.Priority) < rank || p.lean[i] >= v.desired {
				continue
			}
			n := v.desired - p.lean[i]
			v.desired = p.lean[i]
			v.reason += fmt.Sprintf("; gives back %d replica(s) held for the stabilisation period: %s short of %q GPUs",
				n, strings.Join(names[v.state.Accelerator], ", "), v.state.Accelerator)
		}
	}
}
