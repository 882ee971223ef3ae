package decision

import (
	"fmt"
	"math"
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
			if !ok || v.gpuShortfall > 0 || priorityRank(p.analysis.Priority) < rank || p.lean[i] >= v.desired || !p.mayGiveBack(i) {
				continue
			}
			n := v.desired - p.lean[i]
			v.desired = p.lean[i]
			v.reason += fmt.Sprintf("; gives back %d replica(s) held for the stabilisation period: %s short of %q GPUs",
				n, strings.Join(names[v.state.Accelerator], ", "), v.state.Accelerator)
		}
	}
}

// mayGiveBack says whether variant i may give replicas back to a model short of GPUs:
// not while scale-down waits for recovered signals or for replicas still leaving.
func (p *plan) mayGiveBack(i int) bool {
	return !p.recovering && p.variants[i].state.Leaving == 0
}

// share is what a HYBRID plan tells the rule that shares scarce GPUs by coverage: the
// rate it plans for, what one replica of each variant sustains within the objectives,
// and the fewest replicas each variant may keep (the capacity answer among them).
type share struct {
	demand float64
	rates  []float64
	floors []int
}

// coverage is the share of the planned rate the plan's desired replicas sustain, with
// extra replicas of variant i counted as granted.
func (p *plan) coverage(i, extra int) float64 {
	c := float64(extra) * p.share.rates[i]
	for j := range p.variants {
		c += float64(p.variants[j].desired) * p.share.rates[j]
	}
	return c / max(p.share.demand, minDemand)
}

// shareMargin is how much better covered than the model short of GPUs a model must stay
// after giving a replica back, so that two models never hand the same GPU to and fro.
const shareMargin = 0.05

// shareByCoverage shares an accelerator that HYBRID models of one priority are short of
// by coverage, the share of its planned rate a model's replicas sustain: a model short
// of it (in the limiter's order) is given replicas, one at a time, by the model of the
// same or a lower priority that stays best covered without them, while that model
// stays better covered after giving than the short one is before. Only replicas above
// a variant's floor (its minimum and the capacity answer) go, none the giver was
// granted this cycle, and none while its scale-down waits (mayGiveBack); the GPUs are
// free for the short model at the next cycle.
func shareByCoverage(plans []*plan) {
	for _, n := range plans {
		if n.share == nil {
			continue
		}
		for i := range n.variants {
			if v := &n.variants[i]; v.gpuShortfall > 0 && n.share.rates[i] > 0 {
				shareWith(plans, n, i)
			}
		}
	}
}

// shareWith has other models give variant i of plan n the GPUs it is short of, while
// coverage allows.
func shareWith(plans []*plan, n *plan, i int) {
	v := &n.variants[i]
	acc, per := v.state.Accelerator, max(1, v.state.GPUsPerReplica)
	need, freed, promised := v.gpuShortfall*per, 0, 0
	for freed < need {
		g, gi, after := bestGiver(plans, n, acc)
		before := n.coverage(i, promised)
		if g == nil || after < before+shareMargin {
			return
		}
		gv := &g.variants[gi]
		gv.desired--
		freed += max(1, gv.state.GPUsPerReplica)
		promised = freed / per
		gv.reason += fmt.Sprintf("; gives back 1 replica to share %q GPUs by coverage: %s/%s keeps %.0f%% of its planned rate, %s/%s has %.0f%%",
			acc, g.namespace, g.modelID, 100*after, n.namespace, n.modelID, 100*before)
	}
}

// bestGiver is the plan and variant on accelerator acc that stays best covered after
// giving one replica to plan n, and that coverage; nil when no model may give.
func bestGiver(plans []*plan, n *plan, acc string) (*plan, int, float64) {
	var best *plan
	bi, bc := -1, math.Inf(-1)
	for _, g := range plans {
		if g == n || g.share == nil || priorityRank(g.analysis.Priority) < priorityRank(n.analysis.Priority) {
			continue
		}
		for j := range g.variants {
			gv := &g.variants[j]
			if gv.state.Accelerator != acc || gv.gpuShortfall > 0 || gv.desired <= g.share.floors[j] || gv.desired > gv.base || !g.mayGiveBack(j) {
				continue
			}
			if c := g.coverage(j, -1); c > bc {
				best, bi, bc = g, j, c
			}
		}
	}
	return best, bi, bc
}
