package decision

import (
	"fmt"
	"math"
	"strings"
)

// giveBack lets HYBRID models give way when shared GPUs run short: for every accelerator
// on which some model's scale-up could not be granted, the models of the same or a
// lower priority (a larger number) release the replicas they hold there only for their
// stabilisation period, so that the GPUs are free again at the next cycle (where the
// limiter hands them out by priority, then need; nothing is reserved). The capacity
// answer stays a floor: lean answers never go below it. It returns the GPUs released per
// accelerator, so that sharing by coverage counts them before asking anyone else to give.
func giveBack(plans []*plan) map[string]int {
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
		return nil
	}
	freed := map[string]int{}
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
			freed[v.state.Accelerator] += n * max(0, v.state.GPUsPerReplica)
			v.reason += fmt.Sprintf("; gives back %d replica(s) held for the stabilisation period: %s short of %q GPUs",
				n, strings.Join(names[v.state.Accelerator], ", "), v.state.Accelerator)
		}
	}
	return freed
}

// mayGiveBack says whether variant i may give replicas back to a model short of GPUs:
// not while scale-down waits for recovered signals or for replicas still leaving.
func (p *plan) mayGiveBack(i int) bool {
	return !p.recovering && p.variants[i].state.Leaving == 0
}

// share is what a HYBRID plan tells the rule that shares scarce GPUs by coverage: the
// demand it plans for (planned rate and backlog), what one replica of each variant
// sustains within the objectives, and the fewest replicas each variant may keep (the
// capacity answer among them).
type share struct {
	demand float64
	rates  []float64
	floors []int
}

// coverage is the share of the plan's demand (planned rate and backlog) its desired
// replicas sustain, with extra replicas of variant i counted as granted.
func (p *plan) coverage(i, extra int) float64 {
	c := float64(extra) * p.share.rates[i]
	for j := range p.variants {
		c += float64(p.variants[j].desired) * p.share.rates[j]
	}
	return c / max(p.share.demand, minDemand)
}

// shareMargin is how much better covered than the model short of GPUs a model of the
// same priority must stay after giving a replica back, so that two models never hand the
// same GPU to and fro.
const shareMargin = 0.05

// shareByCoverage shares an accelerator HYBRID models are short of, one whole replica of
// the short model at a time (in the limiter's order). Models of a lower priority give way
// first, whatever their coverage; then models of the same priority give by coverage,
// the share of their planned rate and backlog their replicas sustain: the one left best
// covered gives, while it stays better covered after giving than the short model is
// before. Only replicas above a variant's floor (its minimum and the capacity answer) go,
// none the giver was granted this cycle, none that frees no tracked GPU, and none while
// its scale-down waits (mayGiveBack). GPUs left free in the pool, and those giveBack
// released in the same cycle, count first; givers give only when together they free a
// whole replica of the short model. The GPUs freed are not reserved: the next cycle's limiter hands them out by priority, then need.
func shareByCoverage(plans []*plan, pool map[string]int) {
	left := copyInventory(pool)
	for _, n := range plans {
		if n.share == nil {
			continue
		}
		for i := range n.variants {
			if v := &n.variants[i]; v.gpuShortfall > 0 && n.share.rates[i] > 0 {
				shareWith(plans, n, i, left)
			}
		}
	}
}

// shareWith has other models free GPUs for the replicas variant i of plan n is short
// of, one whole replica at a time, while they may; left is what the pool still holds
// (overshoot from givers of larger replicas stays there for the next replica).
func shareWith(plans []*plan, n *plan, i int, left map[string]int) {
	v := &n.variants[i]
	acc, per := v.state.Accelerator, max(1, v.state.GPUsPerReplica)
	for r := range v.gpuShortfall {
		free := max(0, left[acc])
		freed, ok := freeReplica(plans, n, i, r, per-free)
		if !ok {
			return
		}
		left[acc] = free + freed - per
	}
}

// give is one replica a giver would give: its plan, variant and coverage after giving.
type give struct {
	g     *plan
	j     int
	after float64
}

// freeReplica has the best givers free need GPUs of variant i's accelerator for plan n,
// which has promised replicas counted already, and returns the GPUs freed. Either the
// whole set gives, or (ok false) nobody does.
func freeReplica(plans []*plan, n *plan, i, promised, need int) (int, bool) {
	acc := n.variants[i].state.Accelerator
	before := n.coverage(i, promised)
	if before >= 1 {
		return 0, false // what was granted elsewhere (alternatives, promises) covers it
	}
	var gives []give
	freed := 0
	for freed < need {
		g, j, after := bestGiver(plans, n, acc)
		if g == nil || priorityRank(g.analysis.Priority) == priorityRank(n.analysis.Priority) && after < before+shareMargin {
			for _, x := range gives {
				x.g.variants[x.j].desired++
			}
			return 0, false
		}
		g.variants[j].desired--
		freed += g.variants[j].state.GPUsPerReplica
		gives = append(gives, give{g, j, after})
	}
	for _, x := range gives {
		x.g.variants[x.j].reason += giveReason(x, n, acc, before)
	}
	return freed, true
}

// giveReason says why a giver gave a replica to plan n.
func giveReason(x give, n *plan, acc string, before float64) string {
	if priorityRank(x.g.analysis.Priority) > priorityRank(n.analysis.Priority) {
		return fmt.Sprintf("; gives way with 1 replica of %q GPUs to %s/%s of a higher priority (%s/%s keeps %.0f%% of its planned rate and backlog, %s/%s has %.0f%%)",
			acc, n.namespace, n.modelID, x.g.namespace, x.g.modelID, 100*x.after, n.namespace, n.modelID, 100*before)
	}
	return fmt.Sprintf("; gives back 1 replica to share %q GPUs by coverage: %s/%s keeps %.0f%% of its planned rate and backlog, %s/%s has %.0f%%",
		acc, x.g.namespace, x.g.modelID, 100*x.after, n.namespace, n.modelID, 100*before)
}

// bestGiver is the plan and variant on accelerator acc that gives plan n its next
// replica, and its coverage after giving: of the lowest priority, then left best
// covered; nil when no model may give.
func bestGiver(plans []*plan, n *plan, acc string) (*plan, int, float64) {
	var best *plan
	bi, br, bc := -1, 0, math.Inf(-1)
	for _, g := range plans {
		r := priorityRank(g.analysis.Priority)
		if g == n || g.share == nil || r < priorityRank(n.analysis.Priority) {
			continue
		}
		for j := range g.variants {
			gv := &g.variants[j]
			if gv.state.Accelerator != acc || gv.state.GPUsPerReplica <= 0 || gv.gpuShortfall > 0 || gv.desired <= g.share.floors[j] || gv.desired > gv.base || !g.mayGiveBack(j) {
				continue
			}
			if c := g.coverage(j, -1); r > br || r == br && c > bc {
				best, bi, br, bc = g, j, r, c
			}
		}
	}
	return best, bi, bc
}
