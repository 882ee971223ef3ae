package policy

import (
	"math"
	"slices"

	"github.com/workload-variant-autoscaler/wva/internal/simulator"
)

// coverOutcome says how well a plan covers the rates asked for.
type coverOutcome int

const (
	// covered: every model's rate is covered within bounds and GPUs.
	covered coverOutcome = iota
	// coverRationed: the GPU inventory cannot hold every model's cover; every model's
	// rate was scaled down by the same factor until the covers fit.
	coverRationed
	// coverExceedsMax: some model's rate exceeds every variant at its maximum.
	coverExceedsMax
)

// maxCoversPerModel bounds the alternatives kept per model in the joint search.
const maxCoversPerModel = 48

// coverPlanner chooses whole replicas per model and variant that cover arrival rates.
type coverPlanner struct {
	models []simulator.ModelConfig
	caps   [][]float64
	accs   [][]string
	gpus   map[string]int // nil: unlimited
}

// newCoverPlanner plans for the scenario's models, capacities and GPU inventory.
func newCoverPlanner(sc *simulator.Scenario, caps [][]float64) *coverPlanner {
	pl := &coverPlanner{models: sc.Config.Models, caps: caps, gpus: sc.Config.GPUs}
	for mi, m := range sc.Config.Models {
		var accs []string
		for vi := range m.Variants {
			accs = append(accs, sc.Accelerator(mi, vi))
		}
		pl.accs = append(pl.accs, accs)
	}
	return pl
}

// plan covers each model's rate at the lowest total cost, within the GPU inventory when
// one is set.
func (pl *coverPlanner) plan(rates []float64) (simulator.Desired, coverOutcome) {
	out := make(simulator.Desired, len(rates))
	outcome := covered
	for mi, r := range rates {
		counts, ok := cheapestCover(r, pl.caps[mi], &pl.models[mi])
		if !ok {
			outcome = coverExceedsMax
		}
		out[mi] = counts
	}
	if len(pl.gpus) == 0 || pl.fits(out) {
		return out, outcome
	}
	if d, ok := pl.joint(rates); ok {
		return d, outcome
	}
	lo, hi := 0.0, 1.0 // ration: the largest common share of every rate that fits
	best, _ := pl.joint(scaled(rates, 0))
	for range 12 {
		mid := (lo + hi) / 2
		if d, ok := pl.joint(scaled(rates, mid)); ok {
			lo, best = mid, d
		} else {
			hi = mid
		}
	}
	if best == nil {
		return out, coverRationed // even the minimums do not fit; the scheduler decides
	}
	return best, coverRationed
}

// scaled multiplies every rate by f.
func scaled(rates []float64, f float64) []float64 {
	out := make([]float64, len(rates))
	for i, r := range rates {
		out[i] = r * f
	}
	return out
}

// fits reports whether the counts fit the GPU inventory.
func (pl *coverPlanner) fits(d simulator.Desired) bool {
	used := map[string]int{}
	for mi, counts := range d {
		for vi, n := range counts {
			used[pl.accs[mi][vi]] += n * pl.models[mi].Variants[vi].GPUsPerReplica
		}
	}
	for acc, n := range used {
		if limit, ok := pl.gpus[acc]; ok && n > limit {
			return false
		}
	}
	return true
}

// joint searches the cheapest combination of the models' covers that fits the GPUs.
func (pl *coverPlanner) joint(rates []float64) (simulator.Desired, bool) {
	options := make([][][]int, len(rates))
	for mi, r := range rates {
		options[mi] = allCovers(r, pl.caps[mi], &pl.models[mi])
		if len(options[mi]) == 0 {
			return nil, false
		}
	}
	var best simulator.Desired
	bestCost := math.Inf(1)
	pick := make(simulator.Desired, len(rates))
	used := map[string]int{}
	var walk func(mi int, cost float64)
	walk = func(mi int, cost float64) {
		if cost >= bestCost {
			return
		}
		if mi == len(rates) {
			best, bestCost = cloneDesired(pick), cost
			return
		}
		for _, counts := range options[mi] {
			if !pl.take(used, mi, counts, 1) {
				pl.take(used, mi, counts, -1)
				continue
			}
			pick[mi] = counts
			walk(mi+1, cost+pl.cost(mi, counts))
			pl.take(used, mi, counts, -1)
		}
	}
	walk(0, 0)
	return best, best != nil
}

// take adds (sign 1) or removes (-1) a cover's GPUs and reports whether they fit.
func (pl *coverPlanner) take(used map[string]int, mi int, counts []int, sign int) bool {
	ok := true
	for vi, n := range counts {
		acc := pl.accs[mi][vi]
		used[acc] += sign * n * pl.models[mi].Variants[vi].GPUsPerReplica
		if limit, limited := pl.gpus[acc]; limited && used[acc] > limit {
			ok = false
		}
	}
	return ok
}

// cost is a cover's cost per hour.
func (pl *coverPlanner) cost(mi int, counts []int) float64 {
	c := 0.0
	for vi, n := range counts {
		c += float64(n) * pl.models[mi].Variants[vi].Cost
	}
	return c
}

func cloneDesired(d simulator.Desired) simulator.Desired {
	out := make(simulator.Desired, len(d))
	for i := range d {
		out[i] = slices.Clone(d[i])
	}
	return out
}

// coverBounds are each variant's count range for covering rate: its minimum up to its
// maximum or the count that covers the rate alone (variants with no capacity stay at
// their minimum).
func coverBounds(rate float64, caps []float64, m *simulator.ModelConfig) (lo, hi []int) {
	lo, hi = make([]int, len(caps)), make([]int, len(caps))
	for i, v := range m.Variants {
		if v.MinReplicas != nil {
			lo[i] = *v.MinReplicas
		}
		hi[i] = lo[i]
		if caps[i] > 0 {
			hi[i] = max(lo[i], int(math.Ceil(rate/caps[i]-1e-9)))
			if v.MaxReplicas != nil {
				hi[i] = min(hi[i], *v.MaxReplicas)
			}
		}
	}
	return lo, hi
}

// allCovers lists the minimal covers of rate (no replica can be removed), cheapest
// first, at most maxCoversPerModel of them.
func allCovers(rate float64, caps []float64, m *simulator.ModelConfig) [][]int {
	lo, hi := coverBounds(rate, caps, m)
	var out [][]int
	cur := slices.Clone(lo)
	var walk func(i int, coveredRate float64)
	walk = func(i int, coveredRate float64) {
		if i == len(caps) {
			if coveredRate >= rate-1e-9 {
				out = append(out, slices.Clone(cur))
			}
			return
		}
		for n := lo[i]; n <= hi[i]; n++ {
			cur[i] = n
			walk(i+1, coveredRate+float64(n)*caps[i])
			if coveredRate+float64(n)*caps[i] >= rate-1e-9 {
				break // more of this variant only adds cost
			}
		}
		cur[i] = lo[i]
	}
	walk(0, 0)
	cost := func(c []int) float64 {
		t := 0.0
		for i, n := range c {
			t += float64(n) * m.Variants[i].Cost
		}
		return t
	}
	slices.SortStableFunc(out, func(a, b []int) int {
		ca, cb := cost(a), cost(b)
		switch {
		case ca < cb:
			return -1
		case ca > cb:
			return 1
		}
		return 0
	})
	return out[:min(len(out), maxCoversPerModel)]
}

// cheapestCover returns whole replica counts per variant, within each variant's bounds,
// whose summed sustainable rates reach rate at the lowest cost. When even every variant
// at its maximum cannot cover the rate it returns those maxima and false.
func cheapestCover(rate float64, caps []float64, m *simulator.ModelConfig) ([]int, bool) {
	if covers := allCovers(rate, caps, m); len(covers) > 0 {
		return covers[0], true
	}
	_, hi := coverBounds(rate, caps, m)
	return hi, false
}
