package decision

import (
	"fmt"
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
	// mins are the variants' lower bounds (minReplicas and the scaling bounds on the
	// target), below which no floor moves.
	mins []int
	// satDown is the variant whose replica the saturation analyser's scale-down took
	// this cycle (its floor one below what it holds), or -1: that one replica may come
	// from another variant instead (swapGiver).
	satDown int
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

// readyCoverage is the share of the plan's demand (planned rate and backlog) its ready
// replicas sustain once variant gives has given one replica and variant keeps (-1: none)
// keeps one more. A replica given goes from those still starting first (a Deployment
// scaling down deletes its unready Pods first). A giver is judged by it rather than by
// coverage, which counts what it has coming: the replica it gives stops serving at once,
// while the replicas it is still starting, and the one the short model gets for it, serve
// only after a start-up. A model scaling up on one accelerator thus keeps its ready
// replicas on another until what it started is ready (make before break).
func (p *plan) readyCoverage(gives, keeps int) float64 {
	c := 0.0
	for k := range p.variants {
		n := p.variants[k].desired
		if k == gives {
			n--
		}
		if k == keeps {
			n++
		}
		c += float64(max(0, min(n, p.variants[k].state.ReadyReplicas))) * p.share.rates[k]
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
// covered by its ready replicas gives (readyCoverage), while it stays better covered so
// after giving than the short model is before, with all it has coming. Only replicas
// above a variant's floor (its minimum and the capacity answer) go
// (or, once a cycle, one in place of the replica v1's scale-down took: swapGiver),
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

// give is one replica a giver would give: its plan, variant and coverage after giving,
// and, when it takes the place of the giver's saturation scale-down, how (swapGiver).
type give struct {
	g     *plan
	j     int
	after float64
	swap  *swapped
}

// undo takes the give back.
func (x give) undo() {
	if x.swap != nil {
		x.g.unswap(x.j, *x.swap)
		return
	}
	x.g.variants[x.j].desired++
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
			if g, j, after = swapGiver(plans, n, acc, before); g != nil {
				x := give{g: g, j: j, after: after, swap: g.swap(j)}
				freed += g.variants[j].state.GPUsPerReplica
				gives = append(gives, x)
				continue
			}
			for k := len(gives) - 1; k >= 0; k-- {
				gives[k].undo()
			}
			return 0, false
		}
		g.variants[j].desired--
		freed += g.variants[j].state.GPUsPerReplica
		gives = append(gives, give{g: g, j: j, after: after})
	}
	for _, x := range gives {
		x.g.variants[x.j].reason += giveReason(x, n, acc, before)
		if x.swap != nil {
			k := x.swap.from
			x.g.variants[k].reason += fmt.Sprintf("; the saturation scale-down's replica comes from variant %s instead, whose %q GPU goes to %s/%s",
				x.g.variants[x.j].state.Name, acc, n.namespace, n.modelID)
		}
	}
	return freed, true
}

// giveReason says why a giver gave a replica to plan n.
func giveReason(x give, n *plan, acc string, before float64) string {
	if x.swap != nil {
		return fmt.Sprintf("; gives 1 replica of %q GPUs to %s/%s in place of the %s replica its saturation scale-down took (%s/%s keeps %.0f%% of its planned rate and backlog on ready replicas, %s/%s has %.0f%%)",
			acc, n.namespace, n.modelID, x.g.variants[x.swap.from].state.Name, x.g.namespace, x.g.modelID, 100*x.after, n.namespace, n.modelID, 100*before)
	}
	if priorityRank(x.g.analysis.Priority) > priorityRank(n.analysis.Priority) {
		return fmt.Sprintf("; gives way with 1 replica of %q GPUs to %s/%s of a higher priority (%s/%s keeps %.0f%% of its planned rate and backlog on ready replicas, %s/%s has %.0f%%)",
			acc, n.namespace, n.modelID, x.g.namespace, x.g.modelID, 100*x.after, n.namespace, n.modelID, 100*before)
	}
	return fmt.Sprintf("; gives back 1 replica to share %q GPUs by coverage: %s/%s keeps %.0f%% of its planned rate and backlog on ready replicas, %s/%s has %.0f%%",
		acc, x.g.namespace, x.g.modelID, 100*x.after, n.namespace, n.modelID, 100*before)
}

// bestGiver is the plan and variant on accelerator acc that gives plan n its next
// replica, and its coverage by ready replicas after giving (readyCoverage): of the
// lowest priority, then left best covered; nil when no model may give.
func bestGiver(plans []*plan, n *plan, acc string) (*plan, int, float64) {
	var best pick
	for _, g := range plans {
		if !g.mayGiveTo(n) {
			continue
		}
		for j := range g.variants {
			if g.mayGive(j, acc) && g.variants[j].desired > g.share.floors[j] {
				best.consider(g, j, g.readyCoverage(j, -1))
			}
		}
	}
	return best.g, best.j, best.c
}

// pick is the giver chosen so far: its plan, variant, priority rank and coverage after.
type pick struct {
	g *plan
	j int
	r int
	c float64
}

// consider keeps variant j of giver g, left with coverage c after giving, when it goes
// before the pick so far: of a lower priority, then better covered.
func (b *pick) consider(g *plan, j int, c float64) {
	r := priorityRank(g.analysis.Priority)
	if b.g == nil || r > b.r || r == b.r && c > b.c {
		*b = pick{g: g, j: j, r: r, c: c}
	}
}

// mayGiveTo says whether plan g may give to plan n at all: a HYBRID plan other than n,
// of n's priority or a lower one.
func (g *plan) mayGiveTo(n *plan) bool {
	return g != n && g.share != nil && priorityRank(g.analysis.Priority) >= priorityRank(n.analysis.Priority)
}

// mayGive says whether variant j may give a replica of accelerator acc: it frees tracked
// GPUs there, is not short of them itself, was granted nothing this cycle, and its
// scale-down does not wait (mayGiveBack).
func (g *plan) mayGive(j int, acc string) bool {
	gv := &g.variants[j]
	return gv.state.Accelerator == acc && gv.state.GPUsPerReplica > 0 && gv.gpuShortfall == 0 && gv.desired <= gv.base && g.mayGiveBack(j)
}

// swapped is what a swap changed, to undo it.
type swapped struct {
	from      int  // the variant the saturation scale-down took a replica from
	restored  bool // that replica was kept (the model had not kept it already)
	floorFrom int  // the giver's floor on variant j before the swap
}

// satDownVariant is the variant whose replica the saturation analyser's scale-down took
// this cycle, its floor the capacity answer one below what it holds, or -1 (v1 takes one
// replica a cycle; a change in flight is not the scale-down's).
func (p *plan) satDownVariant(capacity []int) int {
	for i := range p.variants {
		if v := &p.variants[i]; capacity[i] == v.base-1 && p.share.floors[i] == capacity[i] && !v.inFlight {
			return i
		}
	}
	return -1
}

// swapGiver is the plan and variant on accelerator acc that may give plan n a replica in
// place of the one its saturation scale-down took this cycle from a variant on another
// accelerator. The saturation analyser v1 asked for one replica fewer, judged on the
// replica count ("load of N replicas on N-1"), not for that variant's replica in
// particular (in HYBRID it takes it from the variant dearest per request), so while GPUs
// of acc run short the replica may come from acc instead, provided that variant costs no
// less per replica than the one v1 took (v1 takes the dearest per replica in
// CAPACITY-ONLY) and the replica v1 took can stay within its variant's maximum. The
// giver's replica count stays at the capacity answer's (not its sustainable rate: an H100
// goes where an A100 would have); this is the one exception to the per-variant floor, which otherwise
// pins the giver's replicas on acc (a model past its peak keeps its H100s while it sheds
// A100s one a cycle). Not under v2, which judges by tokens, so that a replica of another
// variant does not stand for the one it removed. The giver must qualify as in bestGiver
// and, at the same priority, stay better covered by its ready replicas after the swap
// than n is before (by shareMargin); it never goes below its minimum on acc, and gives
// this way once a cycle (one replica is all saturation gave).
func swapGiver(plans []*plan, n *plan, acc string, before float64) (*plan, int, float64) {
	var best pick
	for _, g := range plans {
		if !g.mayGiveTo(n) || g.share.satDown < 0 || g.analysis.Analyzer != AnalyzerSaturationV1 {
			continue
		}
		x := g.share.satDown
		restore := g.variants[x].desired == g.share.floors[x]
		if g.variants[x].state.Accelerator == acc || g.variants[x].desired < g.share.floors[x] || !g.variants[x].keeps(restore) {
			continue // nothing to put back in place of the replica given, or no room for it under the variant's maximum
		}
		same := priorityRank(g.analysis.Priority) == priorityRank(n.analysis.Priority)
		for j := range g.variants {
			if j == x || !g.mayGive(j, acc) || g.variants[j].inFlight || g.variants[j].desired <= g.share.mins[j] ||
				tolerantCompare(g.variants[j].state.Cost, g.variants[x].state.Cost) < 0 {
				continue
			}
			keep := -1
			if restore {
				keep = x // the replica kept
			}
			c := g.readyCoverage(j, keep)
			if !same || c >= before+shareMargin {
				best.consider(g, j, c)
			}
		}
	}
	return best.g, best.j, best.c
}

// swap gives one replica of variant j in place of the replica the saturation scale-down
// took from variant share.satDown: the floor moves from j to it, and that replica stays
// unless the model had kept it anyway.
func (p *plan) swap(j int) *swapped {
	x := p.share.satDown
	sw := &swapped{from: x, restored: p.variants[x].desired == p.share.floors[x], floorFrom: p.share.floors[j]}
	if sw.restored {
		p.variants[x].desired++
	}
	p.share.floors[x]++
	p.variants[j].desired--
	p.share.floors[j] = min(p.share.floors[j], p.variants[j].desired)
	p.share.satDown = -1
	return sw
}

// unswap undoes swap.
func (p *plan) unswap(j int, sw swapped) {
	if sw.restored {
		p.variants[sw.from].desired--
	}
	p.share.floors[sw.from]--
	p.variants[j].desired++
	p.share.floors[j] = sw.floorFrom
	p.share.satDown = sw.from
}

// keeps reports whether the variant can keep, within its upper bound, the replica a swap
// puts back in place of the one given: its count, one more when the swap restores it. A
// count the model kept above the bound (a variant already over its maximum) is clamped
// later, and the replica would not stay.
func (v *variantPlan) keeps(restore bool) bool {
	kept := v.desired
	if restore {
		kept++
	}
	_, _, hi, _ := v.bounds()
	return kept <= hi
}
